"""A SYNTHETIC raw lake at scale, in exactly the lake's format, for the benchmarks.

    python -m bench.synthetic_lake --out /tmp/bench_data --tickers 5000 --years 20

writes <out>/lake/ the way the ingest assets do:

- prices: one Parquet file per NYSE session (datasets.PRICES.path(...), PRICES_SCHEMA),
  `--tickers` rows each, a seeded geometric random walk (price_basis split_adjusted,
  source "SYNTHETIC benchmark data");
- shares_outstanding/data.parquet (SHARES_SCHEMA): one count per ticker and quarter end,
  public 25..45 days later (filing_date), drifting slowly; about 2% of the tickers have none
  (like ETFs), so their market cap is null;
- companies/data.parquet (COMPANIES_SCHEMA), named "SYNTHETIC company n";
- empty typed placeholders for every other dataset (datasets.ensure_readable).

Nothing here is real market data: tickers are SYNnnnnn and every row says SYNTHETIC.
The output is a pure function of (--tickers, --years, --end, --seed): the same arguments
give byte-identical values (the NYSE sessions come from exchange_calendars).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project import datasets
from dagster_project.trading_calendar import nyse, sessions_between

SYNTHETIC = "SYNTHETIC benchmark data"
DEFAULT_END = dt.date(2025, 12, 31)
FETCHED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MARKER = "SYNTHETIC.txt"


def ticker_names(n: int) -> list[str]:
    return [f"SYN{i:05d}" for i in range(n)]


def nyse_sessions(years: int, end: dt.date) -> list[dt.date]:
    """`years` years of NYSE sessions ending on `end`. sessions_between covers the calendar's
    default window (about 20 years back from today); an older start asks exchange_calendars
    for the same XNYS calendar with an explicit start, so the result does not depend on today."""
    start = dt.date(end.year - years, end.month, end.day) + dt.timedelta(days=1)
    if start >= nyse().first_session.date():
        return sessions_between(start, end)
    import exchange_calendars as xcals
    import pandas as pd

    cal = xcals.get_calendar("XNYS", start=pd.Timestamp(start) - pd.Timedelta(days=7))
    return [ts.date() for ts in cal.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))]


def _write(table: pa.Table, path: Path) -> None:
    """Atomic like lake.write_parquet_atomic, minus the pandas round trip and the fsync
    (a benchmark lake is rebuilt, not recovered)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_prices(lake_dir: Path, tickers: list[str], sessions: list[dt.date], rng: np.random.Generator) -> int:
    n = len(tickers)
    ticker_col = pa.array(tickers, pa.string())
    basis = pa.array(["split_adjusted"] * n, pa.string())
    source = pa.array([SYNTHETIC] * n, pa.string())
    fetched = pa.array([FETCHED_AT] * n, pa.timestamp("us", tz="UTC"))
    close = np.exp(rng.uniform(np.log(5.0), np.log(500.0), n))
    vol = rng.uniform(0.008, 0.035, n)  # daily volatility per ticker
    for day in sessions:
        ret = rng.standard_normal(n) * vol
        open_ = close * np.exp(rng.standard_normal(n) * vol * 0.3)
        close = close * np.exp(ret)
        spread = np.abs(rng.standard_normal(n)) * vol * close * 0.5
        high = np.maximum(open_, close) + spread
        low = np.maximum(np.minimum(open_, close) - spread, 0.01)
        volume = rng.integers(10_000, 50_000_000, n)
        table = pa.Table.from_arrays(
            [
                ticker_col,
                pa.array(np.full(n, day), pa.date32()),
                pa.array(np.round(open_, 4)),
                pa.array(np.round(high, 4)),
                pa.array(np.round(low, 4)),
                pa.array(np.round(close, 4)),
                pa.array(np.round(close, 4)),
                pa.array(volume, pa.int64()),
                basis,
                source,
                fetched,
            ],
            schema=datasets.PRICES.schema,
        )
        _write(table, datasets.PRICES.path(lake_dir, day.isoformat()))
    return n * len(sessions)


def quarter_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    for year in range(first.year - 1, last.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            d = dt.date(year, month, day)
            if first - dt.timedelta(days=120) <= d <= last:
                out.append(d)
    return out


def write_shares(lake_dir: Path, tickers: list[str], sessions: list[dt.date], rng: np.random.Generator) -> int:
    quarters = quarter_ends(sessions[0], sessions[-1])
    has_count = rng.random(len(tickers)) >= 0.02
    rows = {name: [] for name in datasets.SHARES.schema.names}
    for ticker, covered in zip(tickers, has_count):
        if not covered:
            continue
        shares = float(rng.integers(20_000_000, 20_000_000_000))
        lags = rng.integers(25, 46, len(quarters))
        drift = rng.normal(0.0, 0.01, len(quarters))
        for quarter, lag, step in zip(quarters, lags, drift):
            shares *= 1.0 + step
            rows["ticker"].append(ticker)
            rows["as_of_date"].append(quarter)
            rows["filing_date"].append(quarter + dt.timedelta(days=int(lag)))
            rows["shares"].append(int(shares))
            rows["shares_diluted"].append(None)
            rows["basis_factor"].append(1.0)
            rows["measure"].append("cover_page_shares_outstanding")
            rows["source"].append(SYNTHETIC)
            rows["fetched_at"].append(FETCHED_AT)
    table = pa.Table.from_pydict(rows, schema=datasets.SHARES.schema)
    _write(table, datasets.SHARES.path(lake_dir))
    return table.num_rows


def write_companies(lake_dir: Path, tickers: list[str]) -> None:
    table = pa.Table.from_pydict(
        {
            "ticker": tickers,
            "company_name": [f"SYNTHETIC company {t[3:]}" for t in tickers],
            "theme": ["synthetic"] * len(tickers),
            "theme_description": [SYNTHETIC] * len(tickers),
            "is_benchmark": [False] * len(tickers),
        },
        schema=datasets.COMPANIES.schema,
    )
    _write(table, datasets.COMPANIES.path(lake_dir))


def generate(
    out: Path, tickers: int, years: int, end: dt.date = DEFAULT_END, seed: int = 20250127, quiet: bool = False
) -> dict:
    """(Re)create <out>/lake with a SYNTHETIC lake; returns what was written."""
    started = time.perf_counter()
    lake_dir = Path(out) / "lake"
    if lake_dir.exists():
        shutil.rmtree(lake_dir)
    lake_dir.mkdir(parents=True)
    (Path(out) / MARKER).write_text(
        f"{SYNTHETIC}: generated by bench/synthetic_lake.py (tickers={tickers}, years={years}, "
        f"end={end}, seed={seed}). Not market data.\n"
    )
    rng = np.random.default_rng(seed)
    names = ticker_names(tickers)
    sessions = nyse_sessions(years, end)
    price_rows = write_prices(lake_dir, names, sessions, rng)
    share_rows = write_shares(lake_dir, names, sessions, rng)
    write_companies(lake_dir, names)
    datasets.ensure_readable(lake_dir)
    info = {
        "lake_dir": str(lake_dir),
        "tickers": tickers,
        "sessions": len(sessions),
        "first_session": sessions[0].isoformat(),
        "last_session": sessions[-1].isoformat(),
        "price_rows": price_rows,
        "share_rows": share_rows,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if not quiet:
        print(
            f"SYNTHETIC lake: {tickers:,} tickers x {len(sessions):,} sessions "
            f"({sessions[0]}..{sessions[-1]}) = {price_rows:,} price rows, {share_rows:,} share counts "
            f"in {info['seconds']} s -> {lake_dir}"
        )
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="data dir; the lake goes to <out>/lake")
    parser.add_argument("--tickers", type=int, default=5000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--seed", type=int, default=20250127)
    args = parser.parse_args(argv)
    generate(args.out, args.tickers, args.years, args.end, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
