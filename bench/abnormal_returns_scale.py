"""P6 and P7: fct_abnormal_returns at scale, on the SYNTHETIC lake of P2/P3 (bench/synthetic_lake.py).

    python -m bench.abnormal_returns_scale --work /tmp/shockwatch_bench --tickers 5000 --years 20

The synthetic lake has no benchmark, so its first ticker (SYN00000) plays SPY (dbt var
default_benchmark); every other ticker gets a market model against it.

P6  full build: `dbt run --select fct_abnormal_returns --full-refresh` on a warehouse whose
    fct_daily_market_cap is built (the model's execution_time) / one hand-written DuckDB query
    computing the same rows from the same fct_daily_market_cap into a table (FLOOR_SQL).
    Target <= 1.5; peak RSS <= 4 GB.
P7  a one-session window run (the last session held back, then put back, as a daily run
    finds it: `--vars` prices_start = prices_end = that session, fct_daily_market_cap first)
    / the full build, on the model's execution_time. Target <= 0.05.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from bench import market_cap_scale
from bench.common import MEMORY_LIMIT, THREADS, Row, run_dbt, run_timed, say

ABNORMAL = "model.shockwatch.fct_abnormal_returns"
BENCHMARK = "SYN00000"

# The floor: the same market model written by hand, one statement.
FLOOR_SQL = """
create or replace table ar_floor as
with r as (select ticker, trade_date, total_return from marts.fct_daily_market_cap),
paired as (
    select r.ticker, r.trade_date, '{benchmark}' as benchmark, r.total_return as ret, b.total_return as benchmark_ret
    from r left join r as b on b.ticker = '{benchmark}' and r.trade_date = b.trade_date
    where r.ticker <> '{benchmark}'
),
est as (
    select *,
        regr_count(ret, benchmark_ret) over w as n,
        regr_intercept(ret, benchmark_ret) over w as a,
        regr_slope(ret, benchmark_ret) over w as b,
        regr_syy(ret, benchmark_ret) over w as syy,
        regr_sxy(ret, benchmark_ret) over w as sxy,
        regr_sxx(ret, benchmark_ret) over w as sxx
    from paired
    window w as (partition by ticker order by trade_date rows between 250 preceding and 11 preceding)
),
m as (
    select ticker, trade_date, benchmark, ret, benchmark_ret, n,
        case when n >= 120 then a end as alpha, case when n >= 120 then b end as beta,
        case when n >= 120 then sqrt(greatest(syy - sxy * sxy / sxx, 0) / (n - 2)) end as resid_std
    from est
)
select ticker, trade_date, benchmark, ret, benchmark_ret, alpha, beta, resid_std, n as estimation_obs,
    ret - (alpha + beta * benchmark_ret) as ar_market_model, ret - benchmark_ret as ar_market_adjusted,
    (ret - (alpha + beta * benchmark_ret)) / nullif(resid_std, 0) as sar
from m
"""

FLOOR_CHILD = """
import duckdb, json, sys, time
db, memory, threads, sql = sys.argv[1:5]
con = duckdb.connect(db, config={"memory_limit": memory, "threads": int(threads)})
started = time.perf_counter()
con.execute(sql)
con.execute("checkpoint")
print(json.dumps({"query_s": time.perf_counter() - started}))
"""

CHECKSUM = "select count(*), count(beta), sum(hash(ticker, trade_date, estimation_obs))::hugeint from {table}"


def checksum(db: Path, table: str) -> tuple:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(CHECKSUM.format(table=table)).fetchone()


def max_beta_difference(db: Path) -> float:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select coalesce(max(abs(a.beta - f.beta)), 0) from marts.fct_abnormal_returns a"
            " join ar_floor f using (ticker, trade_date)"
        ).fetchone()[0]


def run(work: Path, tickers: int, years: int) -> tuple[list[Row], dict]:
    data = work / "scale" / "data"  # P2/P3's lake (and data dir: the warehouse is rebuilt here)
    data.mkdir(parents=True, exist_ok=True)
    info = market_cap_scale.ensure_lake(data, tickers, years)
    lake = data / "lake"
    target = work / "abnormal" / "dbt_target"
    shutil.rmtree(target, ignore_errors=True)
    warehouse = data / "warehouse"
    shutil.rmtree(warehouse, ignore_errors=True)
    warehouse.mkdir(parents=True)
    bench_vars = {"default_benchmark": BENCHMARK}

    sessions = sorted(p.name.split("=", 1)[1] for p in (lake / "prices").glob("trade_date=*"))
    last = sessions[-1]
    held = data / "held_back" / f"trade_date={last}"
    held.parent.mkdir(exist_ok=True)
    if held.exists():  # an interrupted earlier run
        shutil.rmtree(lake / "prices" / held.name, ignore_errors=True)
        shutil.move(held, lake / "prices" / held.name)
    shutil.move(lake / "prices" / held.name, held)
    results: dict = {"lake": info, "memory_limit": MEMORY_LIMIT, "threads": THREADS, "benchmark": BENCHMARK}
    try:
        say(f"P6 building the inputs: +fct_daily_market_cap ({len(sessions) - 1:,} sessions; last held back)")
        run_dbt(["run", "--select", "+fct_daily_market_cap", "stg_companies"], data, target, "inputs")
        say("P6 dbt full build of fct_abnormal_returns")
        full = run_dbt(
            ["run", "--select", "fct_abnormal_returns", "--full-refresh", "--vars", json.dumps(bench_vars)],
            data,
            target,
            "full_build",
        )
        t_full = full.extra["run_results"][ABNORMAL]
        say(f"   model {t_full:.1f} s, wall {full.seconds:.1f} s, peak RSS {full.peak_rss_mb:,.0f} MB")
        say("P6 floor: one hand-written DuckDB query over the same fct_daily_market_cap")
        floor = run_timed(
            [
                sys.executable,
                "-c",
                FLOOR_CHILD,
                str(warehouse / "build.duckdb"),
                MEMORY_LIMIT,
                str(THREADS),
                FLOOR_SQL.format(benchmark=BENCHMARK),
            ],
            log=work / "abnormal" / "floor.out",
        )
        t_floor = json.loads((work / "abnormal" / "floor.out").read_text().strip().splitlines()[-1])["query_s"]
        say(f"   query {t_floor:.1f} s, wall {floor.seconds:.1f} s, peak RSS {floor.peak_rss_mb:,.0f} MB")
        db = warehouse / "build.duckdb"
        same = checksum(db, "marts.fct_abnormal_returns") == checksum(db, "ar_floor")
        beta_diff = max_beta_difference(db)
    finally:
        shutil.move(held, lake / "prices" / held.name)

    say(f"P7 window run for the new session {last}")
    window_vars = json.dumps({**bench_vars, "prices_start": last, "prices_end": last})
    daily = run_dbt(
        ["run", "--select", "fct_daily_market_cap", "fct_abnormal_returns", "--vars", window_vars],
        data,
        target,
        "window_new_session",
    )
    t_daily = daily.extra["run_results"][ABNORMAL]
    say(f"   model {t_daily:.2f} s, wall {daily.seconds:.1f} s")
    results.update(
        {
            "full_model_s": t_full,
            "full_wall_s": full.seconds,
            "full_peak_rss_mb": full.peak_rss_mb,
            "floor_query_s": t_floor,
            "floor_peak_rss_mb": floor.peak_rss_mb,
            "floor_same_rows": same,
            "max_beta_difference": beta_diff,
            "window_new_session": {"session": last, "model_s": t_daily, "wall_s": daily.seconds},
        }
    )
    scale = f"{info['tickers']:,} x {info['sessions']:,} sessions = {info['price_rows'] / 1e6:.1f}M rows"
    rows = [
        Row(
            "P6 abnormal returns full build / floor (model time)",
            t_full / t_floor,
            "<= 1.5",
            t_full / t_floor <= 1.5,
            f"{t_full:.1f} s / {t_floor:.1f} s; {scale}; same rows: {'yes' if same else 'NO'}"
            f" (max |beta diff| {beta_diff:.1e})",
        ),
        Row(
            "P6 peak RSS dbt full build (GB)",
            full.peak_rss_mb / 1024,
            "<= 4",
            full.peak_rss_mb / 1024 <= 4,
            f"memory_limit {MEMORY_LIMIT}, {THREADS} threads",
        ),
        Row(
            "P7 abnormal returns, one new session / full build (model time)",
            t_daily / t_full,
            "<= 0.05",
            t_daily / t_full <= 0.05,
            f"{t_daily:.2f} s / {t_full:.1f} s; dbt fixed cost {daily.seconds - t_daily:.1f} s beside it",
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
    print_table(rows, "P6/P7 fct_abnormal_returns (SYNTHETIC lake)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
