"""All benchmarks in one run, side by side: P1 (Dagster pipeline vs bare dbt, case study),
P2/P3 (fct_daily_market_cap at scale on a SYNTHETIC lake), P4 (feed parsing), P5 (one daily
run at scale vs the case study), P6/P7 (fct_abnormal_returns at scale on the same lake), P8
(the worst case of one hostile news item), P9 (the share-count rules on every count at scale).

    python -m bench.run [--tickers 5000 --years 20] [--work /tmp/shockwatch_bench] [--only P2,P3]

Prints one table (measure, value, target, met?) and writes it, with every raw number, to
<work>/results.md and <work>/results.json (whose `measures` maps each id, "P1".., to its
value). Benchmarks measure; they never run in the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench import (
    abnormal_returns_scale,
    breakdown,
    daily_run,
    feed_parsing,
    hostile_text,
    market_cap_scale,
    pipeline_overhead,
    share_checks,
)
from bench.common import MEMORY_LIMIT, THREADS, Row, print_table, say


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GB RAM, {system}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--work", type=Path, default=Path(os.environ.get("SHOCKWATCH_BENCH_DIR", "/tmp/shockwatch_bench"))
    )
    parser.add_argument("--tickers", type=int, default=5000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--feed-items", type=int, default=10_000)
    parser.add_argument("--only", default="P1,P2,P3,P4,P5,P6,P7,P8,P9", help="comma-separated subset of P1..P9")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the floor's stages (scan, ASOF join, window, write) on the same lake",
    )
    args = parser.parse_args(argv)
    only = {p.strip().upper() for p in args.only.split(",")}
    args.work.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    rows: list[Row] = []
    raw: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *(argv or sys.argv[1:])]),
        "duckdb_memory_limit": MEMORY_LIMIT,
        "duckdb_threads": THREADS,
        "load_average_at_start": os.getloadavg(),
    }

    def attempt(name: str, fn):
        """A benchmark that fails is reported as such; the others still run."""
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - reported in the table and the JSON
            say(f"{name} FAILED: {exc}")
            raw.setdefault("failures", {})[name] = str(exc)
            rows.append(Row(f"{name} (failed)", None, "", False, str(exc).splitlines()[0][:120]))
            return None

    def scale():
        scale_rows, raw["scale"] = market_cap_scale.run(args.work, args.tickers, args.years)
        rows.extend(r for r in scale_rows if r.measure[:2] in only)
        if args.breakdown:
            raw["breakdown"] = breakdown.run(args.work)

    def pipeline():
        p1_rows, raw["pipeline"] = pipeline_overhead.run(args.work)
        rows[:0] = p1_rows

    def feeds():
        say(f"P4 feed parsing: {args.feed_items:,} SYNTHETIC RSS items")
        p4 = raw["feed_parsing"] = feed_parsing.measure(args.feed_items)
        rows.append(
            Row(
                "P4 adapter / bare feedparser (throughput)",
                p4["ratio"],
                ">= 0.8",
                p4["ratio"] >= 0.8,
                f"{p4['adapter_items_per_s']:,.0f} / {p4['bare_items_per_s']:,.0f} items/s; "
                f"normalise_feed alone {p4['normalise_s']:.2f} s",
            )
        )

    def daily():
        p5_rows, raw["daily_run"] = daily_run.run(args.work, args.tickers, args.years)
        rows.extend(p5_rows)

    def hostile():
        say("P8 hostile news items: SYNTHETIC adversarial markup, 1 kB to 1 MB per value")
        p8 = raw["hostile_text"] = hostile_text.measure()
        rows.append(
            Row(
                "P8 worst case per hostile news item (ms)",
                p8["worst_per_item_ms"],
                f"< {p8['target_ms']:.0f}",
                p8["worst_per_item_ms"] < p8["target_ms"],
                f"{p8['worst_case']}; sanitiser alone <= {p8['worst_sanitise_ms']:.1f} ms; "
                f"with feedparser's linear XML read <= {p8['worst_end_to_end_ms']:,.0f} ms",
            )
        )

    def shares():
        p9_rows, raw["share_checks"] = share_checks.run(args.tickers, args.years)
        rows.extend(p9_rows)

    def abnormal():
        ar_rows, raw["abnormal_returns"] = abnormal_returns_scale.run(args.work, args.tickers, args.years)
        rows.extend(r for r in ar_rows if r.measure[:2] in only)

    if only & {"P2", "P3"}:
        attempt("P2/P3", scale)
    if only & {"P6", "P7"}:
        attempt("P6/P7", abnormal)
    if "P1" in only:
        attempt("P1", pipeline)
    if "P4" in only:
        attempt("P4", feeds)
    if "P5" in only:
        attempt("P5", daily)
    if "P8" in only:
        attempt("P8", hostile)
    if "P9" in only:
        attempt("P9", shares)
    # the first value of each id (the headline row; extra rows of an id are details)
    raw["measures"] = {}
    for row in rows:
        measure_id = row.measure.split()[0]
        if measure_id[:1] == "P" and measure_id[1:].isdigit():
            raw["measures"].setdefault(measure_id, row.value)
    raw["total_s"] = time.perf_counter() - started
    raw["load_average_at_end"] = os.getloadavg()
    title = (
        f"ShockWatch benchmarks, {raw['date']} on {raw['machine']}; DuckDB memory_limit {MEMORY_LIMIT}, "
        f"{THREADS} threads; total {raw['total_s']:.0f} s; load average (1 min) "
        f"{raw['load_average_at_start'][0]:.1f} at start, {raw['load_average_at_end'][0]:.1f} at end"
    )
    table = print_table(rows, title)
    if "breakdown" in raw:
        lines = ["", "Where the floor's time goes (each stage alone):"]
        lines += [f"  {seconds:7.2f} s  {name}" for name, seconds in raw["breakdown"]["stages"].items()]
        print("\n".join(lines), flush=True)
        table += "\n" + "\n".join(lines)
    (args.work / "results.md").write_text(table + "\n")
    (args.work / "results.json").write_text(json.dumps(raw, indent=2, default=str) + "\n")
    say(f"wrote {args.work / 'results.md'} and results.json")
    return 1 if raw.get("failures") else 0


if __name__ == "__main__":
    sys.exit(main())
