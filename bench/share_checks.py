"""P9: the share-count rules at scale, the cost the shares_outstanding asset pays on every
daily run (it re-validates every count the source returns, before and after the write).

    python -m bench.share_checks [--tickers 5000 --years 20]

On SYNTHETIC counts in the lake's format (bench.synthetic_lake.write_shares: one per ticker
and quarter, ~400k at 5,000 tickers x 20 years), each close a constant (the lake lookup is
not what is measured here), three stages are timed:
- implied market caps (count x close), quarantine_bad_shares (the rules, duplicates and
  conflicts) and share_check_results (the checks on the landed file);
and the same on the case study's 17-ticker watchlist size, so the ratio shows whether the
cost grows with the number of counts only (linear) or worse. Before #12's vectorisation the
duplicate pass looped over every row: 316 s for 400k counts on this machine's 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import Row, say
from bench.synthetic_lake import DEFAULT_END, nyse_sessions, ticker_names, write_shares
from dagster_project import datasets
from dagster_project.share_quality import ShareRules, implied_market_caps, quarantine_bad_shares, share_check_results

TARGET_S = 10.0


def synthetic_counts(tickers: int, years: int) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        lake = Path(tmp) / "lake"
        write_shares(lake, ticker_names(tickers), nyse_sessions(years, DEFAULT_END), np.random.default_rng(7))
        return pd.read_parquet(datasets.SHARES.path(lake))


def timed_stages(counts: pd.DataFrame, implausible_every: int = 0) -> dict[str, float]:
    """implausible_every=n: one count in n gets a close of a millionth of a dollar, i.e. a cap
    below the rules' minimum, so its row is quarantined with a reason (a source gone bad)."""
    rules, stages = ShareRules(max_market_cap_usd=1e16), {}

    def close_on(ticker: str, day) -> float:
        if implausible_every and zlib.crc32(f"{ticker}{day}".encode()) % implausible_every == 0:
            return 1e-6
        return 50.0

    started = time.perf_counter()
    caps = implied_market_caps(counts, close_on)
    stages["implied_caps_s"] = time.perf_counter() - started
    started = time.perf_counter()
    good, rejected = quarantine_bad_shares(counts, caps, rules)
    stages["quarantine_s"] = time.perf_counter() - started
    started = time.perf_counter()
    share_check_results(good, caps, rules)
    stages["checks_s"] = time.perf_counter() - started
    stages["total_s"] = sum(stages.values())
    stages["counts"], stages["rejected"] = len(counts), len(rejected)
    return stages


def run(tickers: int, years: int) -> tuple[list[Row], dict]:
    say(f"P9 share-count rules: SYNTHETIC counts, {tickers:,} tickers x {years} years")
    counts = synthetic_counts(tickers, years)
    scale = timed_stages(counts)
    # a source gone bad: 1 count in 20 implausible, and 1 in 20 re-stated with another value
    restated = counts.iloc[::20].assign(shares=counts["shares"].iloc[::20] + 7)
    hostile = timed_stages(pd.concat([counts, restated], ignore_index=True), implausible_every=20)
    small = timed_stages(synthetic_counts(17, years))
    per_count_ratio = (scale["total_s"] / scale["counts"]) / (small["total_s"] / small["counts"])
    rows = [
        Row(
            f"P9 share-count rules on {scale['counts']:,} counts (s)",
            scale["total_s"],
            f"< {TARGET_S:.0f}",
            scale["total_s"] < TARGET_S,
            f"caps {scale['implied_caps_s']:.2f} s, quarantine {scale['quarantine_s']:.2f} s, "
            f"checks {scale['checks_s']:.2f} s; seconds per count vs {small['counts']:,} counts: "
            f"{per_count_ratio:.2f}x (1 = linear)",
        ),
        Row(
            "P9 the same, 1 count in 20 implausible and 1 in 20 conflicting (s)",
            hostile["total_s"],
            f"< {TARGET_S:.0f}",
            hostile["total_s"] < TARGET_S,
            f"{hostile['rejected']:,} counts quarantined, each with its reason; quarantine "
            f"{hostile['quarantine_s']:.2f} s, checks {hostile['checks_s']:.2f} s",
        ),
    ]
    return rows, {"scale": scale, "hostile": hostile, "small": small, "per_count_ratio": per_count_ratio}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickers", type=int, default=5000)
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args(argv)
    rows, raw = run(args.tickers, args.years)
    for row in rows:
        print(" | ".join(row.cells()))
    print(raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
