"""The case study's dbt build and publish through the real job on the DuckLake backend
(catalog on PostgreSQL, Parquet on S3: tests/conftest.py `ducklake_services`), compared row
for row with the DuckDB backend's published warehouse (`demo_run`, the session's `make demo`).

The raw lake is the demo's own (copied): the two backends differ only in where dbt builds and
how publish works, which is what is compared. One test, so one build (~40 s on 2 cores).
"""

import math
import shutil

import duckdb
from dagster import DagsterInstance

from dagster_project import demo
from dagster_project.assets.dbt import warehouse_models_asset
from dagster_project.assets.publish import analytics_warehouse
from dagster_project.config.settings import load_settings
from dagster_project.definitions import build_definitions
from dagster_project.lib.run_tags import range_tags
from dagster_project.warehouse_backend import connect_lake, connect_published

PUBLISHED = (
    "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
    "and schema_name in ('staging', 'marts') order by 1, 2"
)


def _rows(con, relation: str) -> list[tuple]:
    """Every row, in one order whatever the backend: sorted with floats rounded (DuckDB sums
    floats in whatever order its threads finish, so the last digits may differ run to run)."""

    def key(row):
        return tuple((0, "") if v is None else (1, f"{v:.9g}" if isinstance(v, float) else str(v)) for v in row)

    return sorted(con.execute(f"select * from {relation}").fetchall(), key=key)


def _same(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return left == right


def test_ducklake_build_and_publish_give_the_duckdb_warehouse_row_for_row(demo_run, ducklake_settings):
    duckdb_settings, _out = demo_run
    settings = ducklake_settings
    shutil.copytree(duckdb_settings.lake_dir, settings.lake_dir)

    defs = build_definitions(load_settings())
    selection = [*warehouse_models_asset().keys, analytics_warehouse.key]  # dbt + publish, no ingest
    result = defs.resolve_job_def("daily_pipeline").execute_in_process(
        instance=DagsterInstance.ephemeral(),
        asset_selection=selection,
        tags=range_tags("2024-01-02", "2025-06-30"),
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_step_failure]
    publish = next(
        e.materialization for e in result.get_asset_materialization_events() if e.asset_key == analytics_warehouse.key
    )
    version = publish.metadata["snapshot_version"].value
    built = next(  # the snapshot the dbt step left is the one published
        e.materialization.metadata["ducklake_snapshot"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.path == ["fct_daily_market_cap"]
    )
    assert version == built
    assert publish.metadata["mode"].value == "snapshot"
    assert not settings.build_db.exists() and not settings.analytics_db.exists()  # no DuckDB file at all

    with connect_published(settings) as lake, duckdb.connect(str(duckdb_settings.analytics_db), read_only=True) as ref:
        relations = ref.execute(PUBLISHED).fetchall()
        assert lake.execute(PUBLISHED).fetchall() == relations
        assert len(relations) > 20
        for schema, name in relations:
            relation = f'"{schema}"."{name}"'
            expected, got = _rows(ref, relation), _rows(lake, relation)
            assert len(got) == len(expected), relation
            for want, have in zip(expected, got):
                assert all(_same(a, b) for a, b in zip(want, have)), (
                    relation,
                    [(a, b) for a, b in zip(want, have) if not _same(a, b)],
                )

    # the headline `make demo` prints, from the published snapshot
    ours, theirs = demo.headline_losses(settings), demo.headline_losses(duckdb_settings.analytics_db)
    ticker, _company, day, pct, change, *_ = ours[0]
    assert (ticker, str(day), f"{pct:+.2%}", round(change / 1e9, 1)) == ("NVDA", "2025-01-27", "-16.97%", -592.7)
    assert [row[:3] for row in ours] == [row[:3] for row in theirs]
    # the publication names the snapshot the build left, and the ledger knows it was published
    with connect_lake(settings, read_only=True) as con:
        assert con.execute("select max(version) from main.shockwatch_publications").fetchone()[0] == version
        assert con.execute("select build_id from main.price_marts__published").fetchone()[0] == 1
