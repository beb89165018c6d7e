"""What the UI shows on dbt materializations: row counts that match the warehouse, previews of
the marts' latest rows, and the market-cap chart with the timeline's events on the chart model
(fct_theme_daily). Read from the Dagster instance `make demo` wrote (demo_run)."""

import base64
import datetime as dt
import json
import re

import pytest
from dagster import AssetCheckResult, AssetKey, DagsterInstance, Output

from dagster_project.assets.dbt_metadata import (
    CHART_MODEL,
    markdown_table,
    reported_after_dbt_exits,
    with_model_metadata,
)
from dagster_project.config.settings import REPO_ROOT
from dagster_project.reporting.charts import MAX_MARKED_EVENTS
from tests.pipeline import query


@pytest.fixture(scope="module")
def materializations(demo_run):
    settings, _ = demo_run
    home = settings.data_path.parent / "dagster_home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))  # the instance's event log lives under it
        with DagsterInstance.from_config(str(home)) as instance:

            def latest(name):
                event = instance.get_latest_materialization_event(AssetKey(name))
                assert event is not None, f"{name} was never materialized"
                return event.asset_materialization.metadata

            yield settings, latest


@pytest.mark.parametrize(
    "model, schema",
    [
        ("stg_prices", "staging"),
        ("stg_news_items", "staging"),
        ("curated_events", "staging"),
        ("dim_company", "marts"),
        ("fct_daily_market_cap", "marts"),
        ("fct_event_timeline", "marts"),
        ("fct_theme_daily", "marts"),
        ("fct_app_rank_daily", "marts"),
    ],
)
def test_every_model_reports_the_row_count_of_its_relation(materializations, model, schema):
    settings, latest = materializations
    (count,) = query(settings.analytics_db, f"select count(*) from {schema}.{model}")[0]
    assert count > 0
    assert latest(model)["dagster/row_count"].value == count


def test_marts_preview_their_latest_rows_and_staging_does_not(materializations):
    settings, latest = materializations
    table = latest("fct_daily_market_cap")["preview"].value.splitlines()
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header[:3] == ["ticker", "trade_date", "close"]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table[2:]]
    (last_session,) = query(settings.analytics_db, "select max(trade_date) from marts.fct_daily_market_cap")[0]
    assert len(rows) == 10
    assert {r[1] for r in rows} == {last_session.isoformat()}
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert "preview" in latest("fct_event_timeline") and "preview" in latest("dim_company")
    assert "preview" not in latest("stg_prices")


def test_the_market_cap_chart_marks_the_events_around_the_largest_move(materializations):
    settings, latest = materializations
    metadata = latest(CHART_MODEL)
    (peak,) = query(
        settings.analytics_db,
        """
        select trade_date from marts.fct_theme_daily group by trade_date
        order by abs(sum(market_cap_change_usd)) desc limit 1""",
    )[0]
    start, end = peak - dt.timedelta(days=14), peak + dt.timedelta(days=7)
    events = query(
        settings.analytics_db,
        "select count(distinct (event_date, event_type, title, url)) from marts.fct_event_timeline "
        "where event_date between ? and ?",
        [start, end],
    )[0][0]
    assert events > 0
    marked = min(events, MAX_MARKED_EVENTS)
    how_many = f"{marked} events marked" if marked == events else f"{marked} of {events} events marked"
    assert metadata["chart_window"].value == f"{start}..{end} ({how_many})"

    encoded = re.fullmatch(r"!\[[^\]]*\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", metadata["chart"].value)
    assert encoded, metadata["chart"].value[:200]
    svg = base64.b64decode(encoded.group(1)).decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count('class="event-marker"') == marked
    assert f'data-date="{peak.isoformat()}"' in svg  # the move itself is a price_move event


def test_markdown_cells_cannot_break_the_table():
    table = markdown_table(["a", "b"], [("x|y\nz", 1.5e12), (None, 0.123456789)])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y z | 1,500,000,000,000 |", "|  | 0.123457 |"]


def _figures(tmp_path, name, count, rows=()):
    """What dbt/macros/dagster_figures.sql writes for a model, in DuckDB's JSON lines."""
    figures = tmp_path / "figures"
    figures.mkdir(exist_ok=True)
    (figures / f"{name}.count.json").write_text(json.dumps({"row_count": count}) + "\n")
    if rows:
        (figures / f"{name}.preview.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return figures


def _node(name, *parents, resource_type="model"):
    return f"{resource_type}.x.{name}", {"name": name, "resource_type": resource_type, "depends_on": {"nodes": parents}}


# dim_company -> fct_daily_market_cap -> the chart model -> a (made-up) mart downstream of it
MANIFEST = {
    "nodes": dict(
        [
            _node("dim_company"),
            _node("fct_daily_market_cap", "model.x.dim_company"),
            _node(CHART_MODEL, "model.x.fct_daily_market_cap"),
            _node("unique_chart_model", f"model.x.{CHART_MODEL}", resource_type="test"),
            _node("fct_downstream_of_the_chart", f"model.x.{CHART_MODEL}"),
        ]
    )
}


def test_the_chart_model_and_everything_downstream_of_it_wait_for_dbt_to_exit():
    assert reported_after_dbt_exits(MANIFEST) == {CHART_MODEL, "fct_downstream_of_the_chart"}
    # in the project the chart model is a leaf: it alone waits
    assert reported_after_dbt_exits(json.loads((REPO_ROOT / "dbt" / "target" / "manifest.json").read_text())) == {
        CHART_MODEL
    }


def test_models_are_reported_as_dbt_finishes_them_and_the_chart_model_once_dbt_exits(tmp_path):
    """Each output leaves with the figures dbt wrote for it before dbt has finished; the chart
    model's output and its checks, and what is downstream of it, wait for the end, in their
    order (a check must follow its model's materialization)."""
    figures = _figures(tmp_path, "dim_company", 3, [{"ticker": "NVDA", "is_benchmark": False}])
    _figures(tmp_path, "fct_daily_market_cap", 7)
    _figures(tmp_path, CHART_MODEL, 5)
    _figures(tmp_path, "fct_downstream_of_the_chart", 2)
    dbt_finished = []

    def check(model):
        return AssetCheckResult(asset_key=AssetKey(model), check_name=f"unique_{model}", passed=True)

    def dbt_events():  # dbt's order; its threads interleave the branches
        yield Output(None, output_name="dim_company")
        yield Output(None, output_name="fct_daily_market_cap")
        yield Output(None, output_name=CHART_MODEL)
        yield check("fct_daily_market_cap")
        yield check(CHART_MODEL)
        yield Output(None, output_name="fct_downstream_of_the_chart")
        yield check("dim_company")
        dbt_finished.append(True)

    reported = []
    for event in with_model_metadata(dbt_events(), tmp_path / "no_build.duckdb", figures, MANIFEST, None, log=None):
        reported.append((getattr(event, "output_name", None) or event.check_name, bool(dbt_finished)))
    assert reported == [
        ("dim_company", False),
        ("fct_daily_market_cap", False),
        ("unique_fct_daily_market_cap", False),
        ("unique_dim_company", False),
        (CHART_MODEL, True),
        (f"unique_{CHART_MODEL}", True),
        ("fct_downstream_of_the_chart", True),
    ]
    events = list(with_model_metadata(dbt_events(), tmp_path / "no_build.duckdb", figures, MANIFEST, None, log=None))
    dim_company, market_cap, chart_model = events[0], events[1], events[4]
    assert dim_company.metadata["dagster/row_count"].value == 3
    assert dim_company.metadata["preview"].value.splitlines() == [
        "| ticker | is_benchmark |",
        "|---|---|",
        "| NVDA | False |",
    ]
    assert market_cap.metadata["dagster/row_count"].value == 7 and "preview" not in market_cap.metadata
    assert chart_model.metadata["dagster/row_count"].value == 5


def test_a_failed_build_still_reports_what_it_built_then_fails(tmp_path):
    figures = _figures(tmp_path, "dim_company", 3)

    def dbt_events():
        yield Output(None, output_name="dim_company")
        raise RuntimeError("dbt build failed: fct_daily_market_cap")

    seen = []
    with pytest.raises(RuntimeError, match="fct_daily_market_cap"):
        for event in with_model_metadata(dbt_events(), tmp_path / "build.duckdb", figures, MANIFEST, None, log=None):
            seen.append(event)
    assert [e.output_name for e in seen] == ["dim_company"]
    assert seen[0].metadata["dagster/row_count"].value == 3


def test_a_model_dbt_wrote_no_figures_for_is_reported_without_them_and_named(tmp_path):
    """E.g. a dbt project without the post-hook: the output still leaves, and the log says which."""
    warnings = []

    class Log:
        def warning(self, message):
            warnings.append(message)

    figures = _figures(tmp_path, "dim_company", 3)
    outputs = [Output(None, output_name="dim_company"), Output(None, output_name="stg_prices")]
    events = list(with_model_metadata(outputs, tmp_path / "build.duckdb", figures, MANIFEST, None, log=Log()))
    assert [e.output_name for e in events] == ["dim_company", "stg_prices"]
    assert "dagster/row_count" not in events[1].metadata
    assert len(warnings) == 1 and "stg_prices" in warnings[0] and "dim_company" not in warnings[0]


def test_an_empty_mart_is_reported_with_its_row_count_and_no_preview(tmp_path):
    figures = _figures(tmp_path, "fct_shocks", 0)
    (figures / "fct_shocks.preview.json").write_text("")  # what DuckDB's COPY writes for no rows
    (event,) = with_model_metadata(
        [Output(None, output_name="fct_shocks")], tmp_path / "build.duckdb", figures, MANIFEST, None, log=None
    )
    assert event.metadata["dagster/row_count"].value == 0 and "preview" not in event.metadata
