"""Publishing in proportion to the change (dagster_project/publishing.py): after window runs,
the delta-published warehouse holds exactly what a full publish of the same build holds."""

import os
import shutil

import duckdb
from dagster import DagsterInstance

from dagster_project.dbt_cli import partial_parse_seed
from dagster_project.definitions import build_definitions
from dagster_project.publishing import publish_warehouse
from tests.pipeline import run_pipeline


def _contents(db) -> dict[str, list[tuple]]:
    """Every row of every published relation, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        relations = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ('staging', 'marts') order by 1, 2"
        ).fetchall()
        return {f"{s}.{t}": con.execute(f'select * from "{s}"."{t}" order by all').fetchall() for s, t in relations}


def _publish_mode(result, field: str = "mode") -> str:
    """The mode (or another field) the run's publish step reported."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path == ["analytics_warehouse"]:
            return materialization.metadata[field].value
    raise AssertionError("no publish in the run")


def test_window_runs_publish_their_change_and_equal_a_full_publish(replay_settings, tmp_path):
    defs = build_definitions(replay_settings)
    first = run_pipeline(defs, "2025-01-21", "2025-01-24")
    assert first.success and _publish_mode(first) == "full"  # nothing published yet

    instance = DagsterInstance.ephemeral()
    runs = [
        defs.resolve_job_def("daily_pipeline").execute_in_process(instance=instance, partition_key="2025-01-27"),
        defs.resolve_job_def("news_pipeline").execute_in_process(instance=instance, partition_key="2025-01-27"),
        defs.resolve_job_def("daily_pipeline").execute_in_process(instance=instance, partition_key="2025-01-28"),
    ]
    assert [_publish_mode(r) for r in runs] == ["delta", "delta", "delta"]
    # the first copies the file it replaces, the others bring the generation kept before it up to date
    assert [_publish_mode(r, "base") for r in runs] == ["copy", "in place", "in place"]

    delta = _contents(replay_settings.analytics_db)
    full = publish_warehouse(replay_settings.build_db, tmp_path / "full.duckdb")
    assert full.mode == "full"  # a new file: nothing to start from
    assert delta == _contents(tmp_path / "full.duckdb")
    nvda = [r for r in delta["marts.fct_daily_market_cap"] if r[0] == "NVDA"]
    assert [str(r[1]) for r in nvda][-2:] == ["2025-01-27", "2025-01-28"]  # the window sessions landed
    # the dbt parse the runs kept for this data dir (dagster_project/dbt_cli.py)
    assert partial_parse_seed(replay_settings.warehouse_dir).stat().st_size > 0


def test_an_analytics_file_not_published_from_this_build_is_replaced_whole(replay_settings, tmp_path):
    defs = build_definitions(replay_settings)
    assert run_pipeline(defs, "2025-01-21", "2025-01-24").success
    analytics = replay_settings.analytics_db
    # another file in its place (a restored backup, a copy from another build)
    shutil.copyfile(analytics, tmp_path / "backup.duckdb")
    os.replace(tmp_path / "backup.duckdb", analytics)
    published = publish_warehouse(replay_settings.build_db, analytics)
    assert published.mode == "full" and "not the one last published" in published.reason
    # the file it just published is the ledger's: the next publish is a delta again
    assert publish_warehouse(replay_settings.build_db, analytics).mode == "delta"
    publish_warehouse(replay_settings.build_db, tmp_path / "fresh.duckdb")
    assert _contents(analytics) == _contents(tmp_path / "fresh.duckdb")
