"""Where the full build's time goes: the floor query taken apart, stage by stage, on the
lake bench.market_cap_scale left (same memory_limit and threads as the benchmarks).

    python -m bench.breakdown --work /tmp/shockwatch_bench

Each stage runs alone into an in-memory or on-disk table, so the numbers overlap only
where noted; they explain the floor (and hence the dbt build), they are not a budget.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.common import MEMORY_LIMIT, THREADS, run_timed, say

CHILD = r"""
import duckdb, json, os, sys, time
lake, db, memory, threads = sys.argv[1:5]
for suffix in ("", ".wal"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
con = duckdb.connect(db, config={"memory_limit": memory, "threads": int(threads)})
P = f"read_parquet('{lake}/prices/*/*.parquet')"
S = f"read_parquet('{lake}/shares_outstanding/*.parquet')"
out = {}
def stage(name, sql):
    started = time.perf_counter()
    con.execute(sql)
    out[name] = round(time.perf_counter() - started, 2)
stage("list the files and plan (describe)", f"describe select * from {P}")
stage("scan: count rows (Parquet metadata only)", f"select count(*) from {P}")
stage("scan: read ticker, trade_date, close, price_basis", f"select count(distinct ticker), sum(close), count(price_basis) from {P}")
stage("scan + write those 4 columns to a table", f"create table raw as select upper(trim(ticker)) as ticker, trade_date, close, price_basis from {P}")
stage("ASOF join shares (from the table) -> table", f"create table priced as select r.*, s.shares from raw r asof left join (select upper(trim(ticker)) as ticker, coalesce(filing_date, as_of_date) as known_from, shares from {S}) s on r.ticker = s.ticker and r.trade_date >= s.known_from")
stage("window lag() by ticker (from the table) -> table", "create table lagged as select *, lag(close) over w as prev_close, lag(close * shares) over w as prev_cap from priced window w as (partition by ticker order by trade_date)")
stage("checkpoint (write the file)", "checkpoint")
print("RESULT " + json.dumps(out))
"""


def run(work: Path) -> dict:
    data = work / "scale" / "data"
    if not (data / "lake" / "prices").exists():
        raise SystemExit(f"no lake in {data}: run python -m bench.market_cap_scale (or bench.run) first")
    log = work / "scale" / "breakdown.out"
    db = work / "scale" / "breakdown.duckdb"
    say("breakdown of the floor, stage by stage")
    timed = run_timed([sys.executable, "-c", CHILD, str(data / "lake"), str(db), MEMORY_LIMIT, str(THREADS)], log=log)
    db.unlink(missing_ok=True)
    line = next(row for row in log.read_text().splitlines()[::-1] if row.startswith("RESULT "))
    stages = json.loads(line[len("RESULT ") :])
    return {"stages": stages, "wall_s": timed.seconds, "peak_rss_mb": timed.peak_rss_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/shockwatch_bench"))
    args = parser.parse_args(argv)
    result = run(args.work)
    for name, seconds in result["stages"].items():
        print(f"  {seconds:7.2f} s  {name}")
    print(f"  (process wall {result['wall_s']:.1f} s, peak RSS {result['peak_rss_mb']:,.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
