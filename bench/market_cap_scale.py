"""P2 and P3: fct_daily_market_cap at scale, on a SYNTHETIC lake (bench/synthetic_lake.py).

    python -m bench.market_cap_scale --work /tmp/shockwatch_bench --tickers 5000 --years 20

P2  full build: `dbt run --select +fct_daily_market_cap --full-refresh` (the model's
    execution_time from run_results.json, and the process's wall time and peak RSS)
    / one hand-written DuckDB query over the same Parquet computing the same rows into a
    table of a DuckDB file (FLOOR_SQL; the floor). Target <= 1.5; peak RSS <= 4 GB.
P3  a one-session window run (a new session landed: `--vars` prices_start = prices_end =
    that session) / the full build, both on the model's execution_time; dbt's fixed cost
    (wall - model time: start-up, parse, connection) is reported beside it. Target <= 0.05.
    Also a correction of a session in the middle of the history (its next session is
    recomputed too).

The last session of the lake is held back for the full build and the floor, then put back
for the window run, as a daily run would find it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench import synthetic_lake
from bench.common import MARKET_CAP, MEMORY_LIMIT, THREADS, Row, run_dbt, run_timed, say

# The floor: what a DuckDB user would write by hand for the same columns, in one statement.
FLOOR_SQL = """
create or replace table fct_daily_market_cap as
with prices as (
    select upper(trim(ticker)) as ticker, trade_date, close, price_basis
    from read_parquet('{lake}/prices/*/*.parquet')
),
shares as (
    select upper(trim(ticker)) as ticker, coalesce(filing_date, as_of_date) as known_from,
           as_of_date, shares, measure
    from read_parquet('{lake}/shares_outstanding/*.parquet')
    qualify row_number() over (partition by upper(trim(ticker)), coalesce(filing_date, as_of_date)
                               order by as_of_date desc, (measure = 'cover_page_shares_outstanding') desc) = 1
),
priced as (
    select p.*, s.shares, s.as_of_date, s.measure
    from prices p asof left join shares s on p.ticker = s.ticker and p.trade_date >= s.known_from
)
select ticker, trade_date, close,
       lag(close) over w as prev_close,
       close / lag(close) over w - 1 as pct_change,
       shares as shares_outstanding,
       close * shares as market_cap_usd,
       close * shares - lag(close * shares) over w as market_cap_change_usd,
       price_basis, as_of_date as shares_as_of_date, measure as shares_measure
from priced
window w as (partition by ticker order by trade_date)
"""

FLOOR_CHILD = """
import duckdb, json, sys, time
db, lake, memory, threads, sql = sys.argv[1:6]
con = duckdb.connect(db, config={"memory_limit": memory, "threads": int(threads)})
started = time.perf_counter()
con.execute(sql.format(lake=lake))
con.execute("checkpoint")
print(json.dumps({"query_s": time.perf_counter() - started}))
"""

CHECKSUM = (
    "select count(*), sum(hash(ticker, trade_date, close, prev_close, shares_outstanding, "
    "shares_as_of_date, shares_measure, price_basis)::hugeint) from {table}"
)


def checksum(db: Path, table: str) -> tuple:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(CHECKSUM.format(table=table)).fetchone()


def ensure_lake(data_dir: Path, tickers: int, years: int) -> dict:
    """Generate the SYNTHETIC lake unless the same one is already there."""
    stamp = data_dir / "lake_params.json"
    wanted = {"tickers": tickers, "years": years, "end": str(synthetic_lake.DEFAULT_END)}
    if stamp.exists() and json.loads(stamp.read_text()).get("params") == wanted:
        info = json.loads(stamp.read_text())["info"]
        say(f"reusing the SYNTHETIC lake in {data_dir} ({info['price_rows']:,} price rows)")
        return info
    say(f"generating a SYNTHETIC lake: {tickers:,} tickers x {years} years")
    info = synthetic_lake.generate(data_dir, tickers, years)
    stamp.write_text(json.dumps({"params": wanted, "info": info}))
    return info


def run(work: Path, tickers: int, years: int) -> tuple[list[Row], dict]:
    data = work / "scale" / "data"
    data.mkdir(parents=True, exist_ok=True)
    info = ensure_lake(data, tickers, years)
    lake = data / "lake"
    target = work / "scale" / "dbt_target"
    shutil.rmtree(target, ignore_errors=True)
    warehouse = data / "warehouse"
    shutil.rmtree(warehouse, ignore_errors=True)
    warehouse.mkdir(parents=True)

    sessions = sorted(p.name.split("=", 1)[1] for p in (lake / "prices").glob("trade_date=*"))
    last, middle = sessions[-1], sessions[len(sessions) // 2]
    held = data / "held_back" / f"trade_date={last}"
    held.parent.mkdir(exist_ok=True)
    if held.exists():  # an interrupted earlier run
        shutil.rmtree(lake / "prices" / held.name, ignore_errors=True)
        shutil.move(held, lake / "prices" / held.name)
    shutil.move(lake / "prices" / held.name, held)
    results: dict = {"lake": info, "memory_limit": MEMORY_LIMIT, "threads": THREADS}
    try:
        say(f"P2 dbt full build of +fct_daily_market_cap ({len(sessions) - 1:,} sessions; last held back)")
        full = run_dbt(["run", "--select", "+fct_daily_market_cap", "--full-refresh"], data, target, "full_build")
        say(
            f"   model {full.extra['run_results'][MARKET_CAP]:.1f} s, wall {full.seconds:.1f} s, "
            f"peak RSS {full.peak_rss_mb:,.0f} MB"
        )
        say("P2 floor: one hand-written DuckDB query over the same Parquet")
        floor_db = work / "scale" / "floor.duckdb"
        for suffix in ("", ".wal"):
            Path(f"{floor_db}{suffix}").unlink(missing_ok=True)
        floor = run_timed(
            [sys.executable, "-c", FLOOR_CHILD, str(floor_db), str(lake), MEMORY_LIMIT, str(THREADS), FLOOR_SQL],
            log=work / "scale" / "floor.out",
        )
        floor_query_s = json.loads((work / "scale" / "floor.out").read_text().strip().splitlines()[-1])["query_s"]
        say(f"   query {floor_query_s:.1f} s, wall {floor.seconds:.1f} s, peak RSS {floor.peak_rss_mb:,.0f} MB")
        same = checksum(warehouse / "build.duckdb", "marts.fct_daily_market_cap") == checksum(
            floor_db, "fct_daily_market_cap"
        )
        floor_db.unlink(missing_ok=True)
    finally:
        shutil.move(held, lake / "prices" / held.name)

    say(f"P3 window run for the new session {last}")
    daily = run_dbt(
        ["run", "--select", "fct_daily_market_cap", "--vars", json.dumps({"prices_start": last, "prices_end": last})],
        data,
        target,
        "window_new_session",
    )
    say(f"   model {daily.extra['run_results'][MARKET_CAP]:.2f} s, wall {daily.seconds:.1f} s")

    # A correction in the middle of the history: every close of one session +0.1%.
    path = lake / "prices" / f"trade_date={middle}" / "data.parquet"
    original = pq.read_table(path)
    corrected = original.set_column(
        original.schema.get_field_index("close"), "close", pc.round(pc.multiply(original["close"], 1.001), 4)
    )
    pq.write_table(corrected, path, compression="zstd")
    try:
        say(f"P3 window run for a corrected past session {middle}")
        fix = run_dbt(
            [
                "run",
                "--select",
                "fct_daily_market_cap",
                "--vars",
                json.dumps({"prices_start": middle, "prices_end": middle}),
            ],
            data,
            target,
            "window_correction",
        )
        say(f"   model {fix.extra['run_results'][MARKET_CAP]:.2f} s, wall {fix.seconds:.1f} s")
    finally:
        pq.write_table(original, path, compression="zstd")

    t_full, t_floor = full.extra["run_results"][MARKET_CAP], floor_query_s
    t_daily, t_fix = daily.extra["run_results"][MARKET_CAP], fix.extra["run_results"][MARKET_CAP]
    results.update(
        {
            "full_model_s": t_full,
            "full_wall_s": full.seconds,
            "full_peak_rss_mb": full.peak_rss_mb,
            "floor_query_s": t_floor,
            "floor_wall_s": floor.seconds,
            "floor_peak_rss_mb": floor.peak_rss_mb,
            "floor_same_rows": same,
            "window_new_session": {
                "session": last,
                "model_s": t_daily,
                "wall_s": daily.seconds,
                "peak_rss_mb": daily.peak_rss_mb,
            },
            "window_correction": {
                "session": middle,
                "model_s": t_fix,
                "wall_s": fix.seconds,
                "peak_rss_mb": fix.peak_rss_mb,
            },
        }
    )
    scale = f"{info['tickers']:,} x {info['sessions']:,} sessions = {info['price_rows'] / 1e6:.1f}M rows"
    rows = [
        Row(
            "P2 full build / floor (model time)",
            t_full / t_floor,
            "<= 1.5",
            t_full / t_floor <= 1.5,
            f"{t_full:.1f} s / {t_floor:.1f} s; {scale}; same rows: {'yes' if same else 'NO'}",
        ),
        Row(
            "P2 full build / floor (process wall)",
            full.seconds / floor.seconds,
            "(info)",
            None,
            f"{full.seconds:.1f} s / {floor.seconds:.1f} s (dbt start-up and parse included)",
        ),
        Row(
            "P2 peak RSS dbt full build (GB)",
            full.peak_rss_mb / 1024,
            "<= 4",
            full.peak_rss_mb / 1024 <= 4,
            f"memory_limit {MEMORY_LIMIT}, {THREADS} threads",
        ),
        Row(
            "P2 peak RSS floor (GB)",
            floor.peak_rss_mb / 1024,
            "<= 4",
            floor.peak_rss_mb / 1024 <= 4,
            f"memory_limit {MEMORY_LIMIT}, {THREADS} threads",
        ),
        Row(
            "P3 one new session / full build (model time)",
            t_daily / t_full,
            "<= 0.05",
            t_daily / t_full <= 0.05,
            f"{t_daily:.2f} s / {t_full:.1f} s; dbt fixed cost {daily.seconds - t_daily:.1f} s beside it",
        ),
        Row(
            "P3 one corrected past session / full build",
            t_fix / t_full,
            "<= 0.05",
            t_fix / t_full <= 0.05,
            f"{t_fix:.2f} s / {t_full:.1f} s (session {middle} and the next one)",
        ),
    ]
    return rows, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/shockwatch_bench"))
    parser.add_argument("--tickers", type=int, default=5000)
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args(argv)
    from bench.common import print_table

    rows, _ = run(args.work, args.tickers, args.years)
    print_table(rows, "P2/P3 (SYNTHETIC lake)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
