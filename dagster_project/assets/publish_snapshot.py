"""The publish asset's DuckLake branch: record the checked snapshot (snapshot_publishing.py)
and describe it in the asset's metadata, as assets/publish.py does for the DuckDB file."""

import time

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.snapshot_publishing import publish_snapshot


def publish_snapshot_result(context: AssetExecutionContext, settings: ShockWatchSettings) -> MaterializeResult:
    started = time.perf_counter()
    published = publish_snapshot(settings, run_id=context.run.run_id)
    seconds = time.perf_counter() - started
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
        }
    )
