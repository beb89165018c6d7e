"""The case study's dbt build and publish through the real jobs on the DuckLake backend
(catalog on PostgreSQL, Parquet on S3: tests/conftest.py `ducklake_services`), compared row
for row with the DuckDB backend's published warehouse (`demo_run`, the session's `make demo`).

The raw lake is the demo's own (copied): the two backends differ only in where dbt builds and
how publish works, which is what is compared. One build (~30 s on 2 cores) in the first test;
the second runs two families' jobs at once in two processes (two builds, one after the other:
the `warehouse` pool, docs/DEPLOY.md "Concurrency").
"""

import math
import os
import re
import shutil

import duckdb
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from dagster_project import demo
from dagster_project.assets.dbt import warehouse_models_asset
from dagster_project.assets.dbt_metadata import CHART_MODEL
from dagster_project.assets.publish import analytics_warehouse
from dagster_project.config.settings import load_settings
from dagster_project.definitions import build_definitions
from dagster_project.lib.run_tags import range_tags
from dagster_project.reporting.data import DEFAULT_END, DEFAULT_START, load_report_data
from dagster_project.reporting.dossier import write_dossiers
from dagster_project.reporting.report import write_report
from dagster_project.shock_alerts import alert_new_shocks, published_shocks
from dagster_project.snapshot_publishing import publications
from dagster_project.warehouse_backend import connect_lake, connect_published
from tests.conftest import REPO_ROOT
from tests.reliability.helpers import RUN_TIME_COLUMNS, start_child
from tests.reporting.html_page import Page

PUBLISHED = (
    "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
    "and schema_name in ('staging', 'marts') order by 1, 2"
)


def _rows(con, relation: str, exclude: frozenset = frozenset()) -> list[tuple]:
    """Every row, in one order whatever the backend: sorted with floats rounded (DuckDB sums
    floats in whatever order its threads finish, so the last digits may differ run to run);
    without the `exclude` columns."""

    def key(row):
        return tuple((0, "") if v is None else (1, f"{v:.9g}" if isinstance(v, float) else str(v)) for v in row)

    cursor = con.execute(f"select * from {relation}")
    keep = [i for i, column in enumerate(cursor.description) if column[0] not in exclude]
    return sorted((tuple(row[i] for i in keep) for row in cursor.fetchall()), key=key)


def _same(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return left == right


def _assert_same_published(settings, duckdb_settings, exclude: frozenset = frozenset()) -> None:
    """The DuckLake's published snapshot holds the DuckDB warehouse's relations, row for row
    (but for the `exclude` columns)."""
    with connect_published(settings) as lake, duckdb.connect(str(duckdb_settings.analytics_db), read_only=True) as ref:
        relations = ref.execute(PUBLISHED).fetchall()
        assert lake.execute(PUBLISHED).fetchall() == relations
        assert len(relations) > 20
        for schema, name in relations:
            relation = f'"{schema}"."{name}"'
            expected, got = _rows(ref, relation, exclude), _rows(lake, relation, exclude)
            assert len(got) == len(expected), relation
            for want, have in zip(expected, got):
                assert all(_same(a, b) for a, b in zip(want, have)), (
                    relation,
                    [(a, b) for a, b in zip(want, have) if not _same(a, b)],
                )


def test_ducklake_build_and_publish_give_the_duckdb_warehouse_row_for_row(demo_run, ducklake_settings, tmp_path):
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
        if e.asset_key.path == [CHART_MODEL]  # the one output reported once dbt has exited
    )
    assert version == built
    assert publish.metadata["mode"].value == "snapshot"
    assert not settings.build_db.exists() and not settings.analytics_db.exists()  # no DuckDB file at all

    _assert_same_published(settings, duckdb_settings)

    # the headline `make demo` prints, from the published snapshot
    ours, theirs = demo.headline_losses(settings), demo.headline_losses(duckdb_settings.analytics_db)
    ticker, _company, day, pct, change, *_ = ours[0]
    assert (ticker, str(day), f"{pct:+.2%}", round(change / 1e9, 1)) == ("NVDA", "2025-01-27", "-16.97%", -592.7)
    assert [row[:3] for row in ours] == [row[:3] for row in theirs]
    # the publication names the snapshot the build left, and the ledger knows it was published
    with connect_lake(settings, read_only=True) as con:
        assert con.execute("select max(version) from main.shockwatch_publications").fetchone()[0] == version
        assert con.execute("select build_id from main.price_marts__published").fetchone()[0] == 1
    assert publish.metadata["new_shocks"].value == 0  # the first publish: nothing to compare with, no alert

    _assert_a_window_run_replaces_only_its_sessions(defs, settings, duckdb_settings, version)
    _assert_readers_work_on_ducklake(settings, duckdb_settings, tmp_path)


def _assert_a_window_run_replaces_only_its_sessions(defs, settings, duckdb_settings, version: int) -> None:
    """A daily run's build on DuckLake rewrites stg_prices (a table there) for its window's
    sessions only, from the lake, and the published snapshot is still the DuckDB warehouse."""
    result = defs.resolve_job_def("daily_pipeline").execute_in_process(
        instance=DagsterInstance.ephemeral(),
        asset_selection=[*warehouse_models_asset().keys, analytics_warehouse.key],
        partition_key="2025-01-27",
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_step_failure]
    with connect_lake(settings, read_only=True) as con:
        latest = con.execute("select max(version) from main.shockwatch_publications").fetchone()[0]
        assert latest > version
        changes = dict(
            con.execute(
                "select change_type, count(*) from ducklake_table_changes('lake', 'staging', 'stg_prices', ?, ?) "
                "group by all",
                [version + 1, latest],
            ).fetchall()
        )
    with duckdb.connect(str(duckdb_settings.analytics_db), read_only=True) as ref:
        window = ref.execute("select count(*) from staging.stg_prices where trade_date = '2025-01-27'").fetchone()[0]
    assert window > 10 and changes == {"delete": window, "insert": window}, changes
    _assert_same_published(settings, duckdb_settings)


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, message):
        self.lines.append(message)

    error = warning = info


def _headline(page: Page) -> dict[str, str]:
    ids = ("headline-ar", "headline-t", "headline-value", "headline-members", "headline-recovered")
    return {i: re.search(rf'id="{i}">([^<]*)<', page.raw).group(1) for i in ids}


def _assert_readers_work_on_ducklake(settings, duckdb_settings, tmp_path) -> None:
    """The dossiers, the window report and the new-shock alert read the published snapshot
    (warehouse_backend.open_published) and say what they say on the DuckDB backend."""
    # the window's dossiers (all 90 pages cost ~10 s more; the asset passes the same settings)
    written = write_dossiers(settings, tmp_path / "reports", DEFAULT_START, DEFAULT_END)
    theirs = tmp_path / "duckdb" / "reports"  # the demo's data dir stays read-only
    assert [p.name for p in written] == [
        p.name for p in write_dossiers(duckdb_settings.analytics_db, theirs, DEFAULT_START, DEFAULT_END)
    ]
    assert "2025-01-27-NVDA.html" in [p.name for p in written]
    nvda = _headline(Page((tmp_path / demo.DEEPSEEK_DOSSIER).read_text(encoding="utf-8")))
    assert nvda == _headline(Page((theirs.parent / demo.DEEPSEEK_DOSSIER).read_text(encoding="utf-8")))
    assert (nvda["headline-ar"], nvda["headline-value"], nvda["headline-members"]) == ("−13.33%", "−$465.5B", "8")

    path, data = write_report(settings, DEFAULT_START, DEFAULT_END, tmp_path / "report")
    text = Page(path.read_text(encoding="utf-8")).all_text
    assert "NVDA −$592.7B" in text and "−16.97%" in text and "142.62 → 118.42" in text
    reference = load_report_data(duckdb_settings.analytics_db, DEFAULT_START, DEFAULT_END)
    assert (len(data.events), len(data.shocks)) == (len(reference.events), len(reference.shocks))

    published = published_shocks(settings)
    assert published == published_shocks(duckdb_settings.analytics_db) and len(published) > 10
    (deepseek,) = [s for s in list_shock_ids(settings) if s[1] == "2025-01-27" and s[2] == "NVDA"]
    log = _Log()
    new = alert_new_shocks(settings, settings.data_path, published - {deepseek[0]}, log)
    assert [(s.shock_id, s.epicenter) for s in new] == [(deepseek[0], "NVDA")]
    assert log.lines == [f"new shock: {new[0].headline()}; dossier {settings.data_path / demo.DEEPSEEK_DOSSIER}"]


def list_shock_ids(settings) -> list[tuple[str, str, str]]:
    with connect_published(settings) as con:
        return con.execute("select shock_id, trade_date::varchar, epicenter_ticker from marts.fct_shocks").fetchall()


# Two families whose raw datasets the demo's lake is copied without: their jobs re-ingest
# them over the demo's own ranges (demo.CASE_STUDY_RUNS), so the end state is the demo's.
CONCURRENT_RUNS = {
    "news_pipeline": (("entities", "news_items"), "2025-01-20", "2025-02-07"),
    "app_rank_pipeline": (("highlight_apps", "app_rank_snapshots"), "2025-01-20", "2025-02-07"),
}
POOL_STEPS = ("warehouse_models", "analytics_warehouse")  # the steps in the `warehouse` pool


def _step_intervals(instance, run_id: str) -> dict[str, tuple[float, float]]:
    """step key -> (STEP_START, STEP_SUCCESS) timestamps, from the instance's event log."""
    starts, ends = {}, {}
    for entry in instance.all_logs(run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}):
        kind = starts if entry.dagster_event.event_type == DagsterEventType.STEP_START else ends
        kind[entry.step_key] = entry.timestamp
    return {step: (starts[step], ends[step]) for step in starts if step in ends}


def test_ducklake_two_families_run_at_once_and_their_builds_take_turns(
    demo_run, ducklake_settings, tmp_path, monkeypatch
):
    """news_pipeline and app_rank_pipeline started at the same moment in two processes, on one
    DuckLake and one SQLite Dagster instance (the project's dagster.yaml, pool limit 1): both
    succeed, their ingest does not wait for the other's build, their dbt and publish steps
    never overlap (the pool, across processes), and the published snapshot is the sequential
    `make demo`'s warehouse row for row: both families' new rows are in it. The second build
    is a repeated build of the lake: with two dbt threads, one in three failed to commit
    (duckdb/ducklake#1248; dbt/profiles.yml builds DuckLake with one thread)."""
    duckdb_settings, _out = demo_run
    settings = ducklake_settings
    dropped = [name for datasets, _first, _last in CONCURRENT_RUNS.values() for name in datasets]
    shutil.copytree(duckdb_settings.lake_dir, settings.lake_dir, ignore=lambda _dir, names: set(names) & set(dropped))
    assert not any((settings.lake_dir / name).exists() for name in dropped)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.instance.yaml", home / "dagster.yaml")  # what `make` installs
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # its event log lives under it (instance_storage.py)
    # its storage made before the runs, as the daemon or a first run does: two processes that
    # both find no database create its schema twice (alembic: "more than one head")
    DagsterInstance.from_config(str(home)).dispose()
    env = {name: value for name, value in os.environ.items() if name.startswith("SHOCKWATCH_")}

    children = {
        job: start_child(
            settings.data_path, [(job, first, last)], log_path=tmp_path / f"{job}.log", DAGSTER_HOME=str(home), **env
        )
        for job, (_datasets, first, last) in CONCURRENT_RUNS.items()
    }
    codes = {job: child.wait(timeout=240) for job, child in children.items()}
    logs = {job: child.log() for job, child in children.items()}
    assert codes == dict.fromkeys(CONCURRENT_RUNS, 0), {job: log[-3000:] for job, log in logs.items()}

    instance = DagsterInstance.from_config(str(home))
    try:
        runs = {run.job_name: run for run in instance.get_runs()}
        assert set(runs) == set(CONCURRENT_RUNS)
        assert all(run.status == DagsterRunStatus.SUCCESS for run in runs.values())
        steps = {job: _step_intervals(instance, run.run_id) for job, run in runs.items()}
    finally:
        instance.dispose()
    # the pool's steps, in the order they ran: each ended before the next one started
    held = sorted((steps[job][step], job, step) for job in steps for step in POOL_STEPS)
    assert len(held) == 4, steps
    for ((_, end), job, step), ((start, _), next_job, next_step) in zip(held, held[1:]):
        assert end <= start, f"{job}.{step} still held the pool when {next_job}.{next_step} started"
    # ...while ingest is in no pool: the other family ingested while the first build ran
    (_, first_build_end), first_job, _ = next(h for h in held if h[2] == "warehouse_models")
    (other_job,) = set(steps) - {first_job}
    ingested = max(end for step, (_, end) in steps[other_job].items() if step not in POOL_STEPS)
    assert ingested < first_build_end, f"{other_job}'s ingest waited for {first_job}'s build"

    # the later build saw both families' rows; what is published is the sequential demo's warehouse
    published = publications(settings)
    assert sorted(run_id for *_, run_id in published) == sorted(run.run_id for run in runs.values())
    _assert_same_published(settings, duckdb_settings, exclude=RUN_TIME_COLUMNS)  # re-fetched: new fetched_at
    with connect_published(settings) as con:
        for relation in ("staging.stg_news_items", "staging.stg_app_rank_snapshots", "marts.fct_app_rank_daily"):
            assert con.execute(f"select count(*) from {relation}").fetchone()[0] > 0, relation
