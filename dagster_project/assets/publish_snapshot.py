"""The DuckLake side of the dbt and publish assets: the dbt step tags its models with the
snapshot its build left, and the publish step records that snapshot (snapshot_publishing.py),
not whatever is newest when it runs: another run's build may have committed in between (the
`warehouse` pool is held per step, not per run)."""

import time
from collections.abc import Iterable, Iterator

from dagster import AssetExecutionContext, AssetKey, DagsterEventType, MaterializeResult, MetadataValue, Output

from dagster_project.assets.dbt_metadata import CHART_MODEL
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.shock_alerts import alert_new_shocks, published_shocks
from dagster_project.snapshot_publishing import newest_snapshot, publish_snapshot

SNAPSHOT_KEY = "ducklake_snapshot"  # metadata on the chart model's materialization (below)


def with_snapshot_version(events: Iterable, settings: ShockWatchSettings) -> Iterator:
    """dbt's events, the chart model's output (dbt_metadata.CHART_MODEL) with the DuckLake
    snapshot of the finished build, which publish reads (built_snapshot).

    Read then: with_model_metadata (dbt_metadata.py) reports that model only once dbt has
    exited (the other models as dbt finishes them), and the dbt step holds the `warehouse`
    pool, so every commit so far is its own."""
    for event in events:
        if isinstance(event, Output) and event.output_name == CHART_MODEL:
            event = event.with_metadata({**event.metadata, SNAPSHOT_KEY: newest_snapshot(settings)})
        yield event


def built_snapshot(context: AssetExecutionContext) -> int | None:
    """The snapshot this run's dbt step left (None: no dbt step in this run, e.g. a publish
    started alone from the UI, which then publishes the newest)."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
    ).records
    versions = [
        entry.asset_materialization.metadata[SNAPSHOT_KEY].value
        for entry in (record.event_log_entry for record in records)
        if entry.asset_materialization is not None
        and entry.asset_materialization.asset_key == AssetKey(CHART_MODEL)
        and SNAPSHOT_KEY in entry.asset_materialization.metadata
    ]
    return versions[-1] if versions else None


def publish_snapshot_result(context: AssetExecutionContext, settings: ShockWatchSettings) -> MaterializeResult:
    # the shocks analysts have before this publication: the new ones are said once, after it
    shocks_before = published_shocks(settings)
    started = time.perf_counter()
    published = publish_snapshot(settings, run_id=context.run.run_id, version=built_snapshot(context))
    seconds = time.perf_counter() - started
    new_shocks = alert_new_shocks(settings, settings.data_path, shocks_before, context.log)
    context.log.info(f"published DuckLake snapshot {published.version} in {seconds:.1f} s")
    counts = published.counts
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "mode": "snapshot",
            "snapshot_version": published.version,
            "publish_seconds": round(seconds, 3),
            "data_path": settings.ducklake_data,
            "relations": MetadataValue.md(
                "| relation | rows |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in counts.items())
            ),
            "query_with": f"make sql   (or AT={published.version} for this snapshot later)",
            "new_shocks": len(new_shocks),
        }
    )
