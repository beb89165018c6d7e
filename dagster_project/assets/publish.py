"""The publish asset: the analysts' warehouse, swapped in once the marts and their checks pass
(how, and why it is atomic and in proportion to the change: dagster_project/publishing.py)."""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from dagster_project.assets.dbt import WAREHOUSE_POOL
from dagster_project.assets.publish_snapshot import publish_snapshot_result
from dagster_project.automation import WAREHOUSE_FRESHNESS
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.publishing import publish_warehouse
from dagster_project.resources import PoolSlotRecorder
from dagster_project.shock_alerts import alert_new_shocks, published_shocks
from dagster_project.warehouse_backend import is_ducklake

MART_KEYS = [AssetKey("dim_company"), AssetKey("fct_daily_market_cap")]


@asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=MART_KEYS,
    pool=WAREHOUSE_POOL,
    freshness_policy=WAREHOUSE_FRESHNESS,
    description=(
        "The analysts' read-only warehouse, data/warehouse/analytics.duckdb: a snapshot of the "
        "staging and marts schemas, swapped in atomically after the marts and their blocking "
        "checks pass."
    ),
)
def analytics_warehouse(
    context: AssetExecutionContext, settings: ShockWatchSettings, pool_slot: PoolSlotRecorder
) -> MaterializeResult:
    # pool_slot: required so the worker holding the pool is on the run (resources.py)
    if is_ducklake(settings):  # DuckLake: a snapshot version is published, nothing is copied
        return publish_snapshot_result(context, settings)
    # the shocks analysts have before the swap: the new ones are said once, after it
    shocks_before = published_shocks(settings.analytics_db)
    started = time.perf_counter()
    published = publish_warehouse(settings.build_db, settings.analytics_db)
    seconds = time.perf_counter() - started
    new_shocks = alert_new_shocks(settings.analytics_db, settings.data_path, shocks_before, context.log)
    size_mb = settings.analytics_db.stat().st_size / 2**20
    context.log.info(
        f"published {published.mode} ({published.base}) in {seconds:.1f} s ({published.reason}); {size_mb:,.1f} MB"
    )
    counts = published.counts
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "mode": published.mode,
            "mode_reason": published.reason,
            "base": published.base,
            "publish_seconds": round(seconds, 3),
            "file_mb": round(size_mb, 1),
            "path": MetadataValue.path(str(settings.analytics_db)),
            "relations": MetadataValue.md(
                "| relation | rows |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in counts.items())
            ),
            "query_with": "make sql",
            "new_shocks": len(new_shocks),
        }
    )
