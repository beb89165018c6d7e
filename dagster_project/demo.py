"""`make demo`: run the daily pipeline over the whole case study, offline, then print headlines.

It runs the same job a schedule runs (`daily_pipeline`), for the case-study session range
as ONE run, against the persistent Dagster instance, so the run shows up in `make dev`.
"""

from __future__ import annotations

import sys
import time

import duckdb
from dagster import DagsterInstance

from dagster_project.settings import load_settings

CASE_STUDY_START, CASE_STUDY_END = "2024-01-02", "2025-06-30"

TOP_LOSSES_SQL = """
select f.ticker, f.trade_date, f.pct_change, f.market_cap_change_usd, f.close, f.prev_close
from marts.fct_daily_market_cap f
where f.market_cap_change_usd is not null
order by f.market_cap_change_usd
limit 5
"""


def headline_losses(analytics_db) -> list[tuple]:
    with duckdb.connect(str(analytics_db), read_only=True) as con:
        return con.execute(TOP_LOSSES_SQL).fetchall()


def main() -> int:
    settings = load_settings()
    if settings.source_mode != "replay":
        print("make demo runs offline: set SHOCKWATCH_SOURCE_MODE=replay", file=sys.stderr)
        return 2
    from dagster_project.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("daily_pipeline")
    print(f"Running daily_pipeline for sessions {CASE_STUDY_START}..{CASE_STUDY_END} (replay, one run)…")
    started = time.monotonic()
    result = job.execute_in_process(
        instance=DagsterInstance.get(),
        tags={
            "dagster/asset_partition_range_start": CASE_STUDY_START,
            "dagster/asset_partition_range_end": CASE_STUDY_END,
            "shockwatch/trigger": "make demo",
        },
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
    )
    elapsed = time.monotonic() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"Pipeline failed in steps {failed}; see the log above or `make dev`.", file=sys.stderr)
        return 1
    print(f"Pipeline finished in {elapsed:.0f} s (run {result.run_id}).\n")
    print("Five largest single-day market-cap losses in the warehouse:")
    for ticker, day, pct, change, close, prev in headline_losses(settings.analytics_db):
        print(f"  {day}  {ticker:<5} {pct:+8.2%}  {change / 1e9:+9.1f} $B   close {prev:.2f} -> {close:.2f}")
    print(f"\nWarehouse: {settings.analytics_db} (read-only for analysts)")
    print("Query it:  make sql     or  duckdb.connect(path, read_only=True)")
    print("Browse it: make dev     (Dagster UI at http://127.0.0.1:3000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
