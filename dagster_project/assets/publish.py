"""Publish: copy the checked build into the analysts' warehouse and swap it in atomically.

Analysts only ever open data/warehouse/analytics.duckdb read-only. We never write to that
file: a fresh copy is built beside it and os.replace()d over it, so a reader holding the
old file keeps its snapshot and a new reader sees the new one, never a half-built file.
"""

import os
import uuid
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from dagster_project import lake
from dagster_project.assets.dbt import WAREHOUSE_POOL
from dagster_project.automation import WAREHOUSE_FRESHNESS
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.resources import PoolSlotRecorder

PUBLISHED_SCHEMAS = ("staging", "marts")
MART_KEYS = [AssetKey("dim_company"), AssetKey("fct_daily_market_cap")]


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish_warehouse(build_db: Path, analytics_db: Path) -> dict[str, int]:
    """Snapshot every table and view of the published schemas into a new file, then swap it in.

    Views become tables: the published copy stands alone, independent of the lake.
    Returns row counts per published relation.
    """
    if not build_db.exists():
        raise FileNotFoundError(f"no build warehouse at {build_db}: run dbt first")
    lake.remove_stale_temp_files(analytics_db)  # copies a killed publish left behind
    tmp = analytics_db.with_name(f".{analytics_db.name}.{uuid.uuid4().hex}.tmp")
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(tmp)) as con:
            # ATTACH takes no bound parameters; the path is quoted as a SQL string literal.
            con.execute(f"attach {_sql_literal(str(build_db))} as build (read_only)")
            relations = con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'build' "
                "union all select schema_name, view_name from duckdb_views() "
                "where database_name = 'build' and not internal order by 1, 2"
            ).fetchall()
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f'create schema if not exists "{schema}"')
            for schema, name in relations:
                if schema not in PUBLISHED_SCHEMAS:
                    continue
                # Identifiers come from the catalog, not from configuration; quote them anyway.
                con.execute(f'create table "{schema}"."{name}" as select * from build."{schema}"."{name}"')
                counts[f"{schema}.{name}"] = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            con.execute("detach build")
            con.execute("checkpoint")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, analytics_db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return counts


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
    counts = publish_warehouse(settings.build_db, settings.analytics_db)
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "path": MetadataValue.path(str(settings.analytics_db)),
            "relations": MetadataValue.md(
                "| relation | rows |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in counts.items())
            ),
            "query_with": "make sql",
        }
    )
