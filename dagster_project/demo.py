"""`make demo`: run the pipeline over the whole case study, offline, then print headlines.

It runs the jobs the schedules run, each over its case-study range as ONE run, against the
persistent Dagster instance, so the runs show up in `make dev`: app charts, news and capex are
ingested, then `daily_pipeline` ingests prices and builds and publishes every family, then the
shock dossiers are written (what the sensor dossiers_after_publish does after a publish).
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import NamedTuple

import duckdb
from dagster import DagsterInstance, materialize

from dagster_project.config.settings import ShockWatchSettings, load_settings
from dagster_project.lib.formatting import signed_billions
from dagster_project.lib.queries import largest_value_losses_sql
from dagster_project.lib.run_tags import range_tags
from dagster_project.run_workers import WORKER_TAG, reclaim_slots_of_dead_runs, worker_tag
from dagster_project.warehouse_backend import connect_published, is_ducklake


class CaseStudyRun(NamedTuple):
    job: str
    first: str  # first partition
    last: str  # last partition
    ingest_only: bool  # only the job's raw assets: a later run builds and publishes


# News, app charts and capex are ingested first, without dbt; the price run last builds every
# family's marts in ONE dbt build and publishes once (the schedules run each family's whole
# job, so each of them publishes on its own).
CASE_STUDY_RUNS = [
    CaseStudyRun("app_rank_pipeline", "2025-01-20", "2025-02-07", ingest_only=True),
    CaseStudyRun("news_pipeline", "2025-01-20", "2025-02-07", ingest_only=True),
    # every bundled quarter, 2023-Q1..2025-Q2, as one run (one raw asset: about a second)
    CaseStudyRun("capex_pipeline", "2023-01-01", "2025-04-01", ingest_only=True),
    CaseStudyRun("daily_pipeline", "2024-01-02", "2025-06-30", ingest_only=False),
]

TOP_LOSSES_SQL = largest_value_losses_sql(in_window=False)


TIMELINE_SQL = """
select event_date, event_type, entity, title
from marts.fct_event_timeline
where event_date between date '2025-01-24' and date '2025-01-28'
  and (event_type <> 'news' or entity in ('NVDA', 'DeepSeek', 'META'))
order by event_date, event_type, entity, title
"""


def _query(warehouse, sql: str) -> list[tuple]:
    """`warehouse`: a published DuckDB file, or settings (their backend's published warehouse)."""
    if isinstance(warehouse, ShockWatchSettings):
        con = connect_published(warehouse)
    else:
        con = duckdb.connect(str(warehouse), read_only=True)
    with con:
        return con.execute(sql).fetchall()


def headline_losses(analytics_db) -> list[tuple]:
    return _query(analytics_db, TOP_LOSSES_SQL)


def timeline(analytics_db) -> list[tuple]:
    return _query(analytics_db, TIMELINE_SQL)


DEEPSEEK_DOSSIER = "reports/shocks/2025-01-27-NVDA.html"  # fct_shocks.dossier_path, under the data dir


def write_dossiers(defs, instance: DagsterInstance) -> int | None:
    """Materialize shock_dossiers on the instance, as the sensor would after the publish: the
    number of pages written, or None if the run failed."""
    from dagster_project.assets.dossiers import shock_dossiers

    result = materialize(
        [shock_dossiers],
        instance=instance,
        resources={"settings": defs.resources["settings"]},
        tags={"shockwatch/trigger": "make demo"},
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
    )
    if not result.success:
        return None
    (materialization,) = result.asset_materializations_for_node("shock_dossiers")
    return materialization.metadata["dagster/row_count"].value


def run_job(
    defs, instance: DagsterInstance, job_name: str, first: str, last: str, trigger: str, ingest_only: bool = False
):
    """One in-process run of a job over a partition range, as ONE run (ingest_only: only the
    job's raw assets and their checks, no dbt build or publish).

    First frees the pool slots of earlier runs on this instance whose process was killed
    (dagster_project/run_workers.py): they would otherwise hold the `warehouse` pool forever.
    """
    for run_id in reclaim_slots_of_dead_runs(instance):
        print(f"Run {run_id} was killed before it finished: marked failed, its pool slot freed.", flush=True)
    from dagster_project.definitions import RAW_ASSETS

    run_id = str(uuid.uuid4())  # known before the run starts, for its worker tag
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance,
        run_id=run_id,
        asset_selection=[a.key for a in RAW_ASSETS[job_name]] if ingest_only else None,
        tags={
            **range_tags(first, last),
            "shockwatch/trigger": trigger,
            WORKER_TAG: worker_tag(run_id),
        },
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
    )


def main() -> int:
    settings = load_settings()
    if settings.source_mode != "replay":
        print("make demo runs offline: set SHOCKWATCH_SOURCE_MODE=replay", file=sys.stderr)
        return 2
    from dagster_project.definitions import definitions_for_process

    defs = definitions_for_process(settings)
    instance = DagsterInstance.get()
    started = time.monotonic()
    for job_name, first, last, ingest_only in CASE_STUDY_RUNS:
        what = "ingest only" if ingest_only else "ingest, dbt build, publish"
        print(f"Running {job_name} for {first}..{last} (replay, one run: {what})…", flush=True)
        result = run_job(defs, instance, job_name, first, last, trigger="make demo", ingest_only=ingest_only)
        if not result.success:
            failed = [e.step_key for e in result.all_events if e.is_step_failure]
            print(f"{job_name} failed in steps {failed}; see the log above or `make dev`.", file=sys.stderr)
            return 1
    # the dossiers read the published warehouse: analytics.duckdb, or the DuckLake snapshot
    dossiers = write_dossiers(defs, instance)
    if dossiers is None:
        print("shock_dossiers failed; see the log above or `make dev`.", file=sys.stderr)
        return 1
    print(f"Pipeline finished in {time.monotonic() - started:.0f} s.\n")
    print("Five largest single-day value losses in the warehouse (price move x the previous day's cap):")
    for ticker, _company, day, pct, change, prev, close in headline_losses(settings):
        money = signed_billions(change, minus="-").replace("$", "").replace("B", " $B")
        print(f"  {day}  {ticker:<5} {pct:+8.2%}  {money:>9}   close {prev:.2f} -> {close:.2f}")
    print("\nAround the DeepSeek shock (marts.fct_event_timeline, 2025-01-24..28):")
    for day, kind, entity, title in timeline(settings):
        print(f"  {day}  {kind:<10} {entity:<9} {title[:90]}")
    nvda = settings.data_path / DEEPSEEK_DOSSIER
    print(f"\nShock dossiers: {dossiers} pages in {settings.data_path / 'reports' / 'shocks'}")
    if nvda.exists():
        print(f"  NVDA on 2025-01-27 (DeepSeek): file://{nvda.resolve()}")
    if is_ducklake(settings):  # the demo-ducklake module prints where and which snapshot
        return 0
    print(f"\nWarehouse: {settings.analytics_db} (read-only for analysts)")
    print("Query it:  make sql     or  duckdb.connect(path, read_only=True)")
    print("Browse it: make dev     (Dagster UI at http://127.0.0.1:3000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
