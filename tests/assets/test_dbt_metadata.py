"""What the UI shows on dbt materializations: row counts that match the warehouse, previews of
the marts' latest rows, and the market-cap chart with the timeline's events on
fct_daily_market_cap. Read from the Dagster instance `make demo` wrote (demo_run)."""

import base64
import datetime as dt
import re

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, Output

from dagster_project.assets.dbt_metadata import markdown_table, with_model_metadata
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
    metadata = latest("fct_daily_market_cap")
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


def test_a_failed_build_still_reports_what_it_built_then_fails(tmp_path):
    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts; create table marts.dim_company as select 1 as ticker from range(3)")
    manifest = {
        "nodes": {
            "model.x.dim_company": {
                "resource_type": "model",
                "name": "dim_company",
                "schema": "marts",
                "alias": "dim_company",
                "fqn": ["x", "marts", "dim_company"],
                "config": {"materialized": "table"},
            }
        }
    }

    def dbt_events():
        yield Output(None, output_name="dim_company")
        raise RuntimeError("dbt build failed: fct_daily_market_cap")

    seen = []
    with pytest.raises(RuntimeError, match="fct_daily_market_cap"):
        for event in with_model_metadata(dbt_events(), build, manifest, None, log=None):
            seen.append(event)
    assert [e.output_name for e in seen] == ["dim_company"]
    assert seen[0].metadata["dagster/row_count"].value == 3
