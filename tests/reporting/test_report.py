"""The window report (dagster_project/reporting/report.py), its chart (reporting/charts.py),
the CLI (reporting/__main__.py) and its asset."""

import re
from datetime import UTC, date, datetime

import pytest
from dagster import materialize

from dagster_project.assets.report import shock_report
from dagster_project.reporting.__main__ import main
from dagster_project.reporting.charts import market_cap_change_svg
from dagster_project.reporting.report import (
    DEFAULT_END,
    DEFAULT_START,
    Event,
    ReportData,
    ShockRow,
    build_report,
    render_report,
)
from tests.pipeline import query
from tests.reporting.html_page import Page, assert_self_contained


@pytest.fixture(scope="module")
def report(demo_run, tmp_path_factory):
    settings = demo_run[0]
    path = build_report(settings.analytics_db, DEFAULT_START, DEFAULT_END, tmp_path_factory.mktemp("report"))
    return settings, path, Page(path.read_text(encoding="utf-8"))


def test_report_shows_the_shock(report):
    settings, path, page = report
    assert path.name == "2025-01-20_2025-02-07.html"
    text = page.all_text
    assert "NVDA −$592.7B" in text and "−16.97%" in text and "142.62 → 118.42" in text
    assert "DeepSeek reached #1 on US top-free (from #31)" in text
    meta = "Meta plans $60-65B of capital spending in 2025, most of it for AI data centres"
    assert page.links[meta] == "https://www.foxbusiness.com/technology/facebook-owner-investing-65-billion-ai-2025"
    assert "NVDA −16.97%, −$592.7B" in text  # the price-move row of the timeline


def test_one_marker_per_event_in_the_window(report):
    settings, _, page = report
    # the report shows each news item once (the timeline has one row per item and entity)
    (expected,) = query(
        settings.analytics_db,
        """
        select count(*) from (select distinct event_date, event_type, title, url from marts.fct_event_timeline
                              where event_date between ? and ?)""",
        [DEFAULT_START, DEFAULT_END],
    )[0]
    assert expected > 30
    rows = [a["id"] for t, a in page.tags if t == "tr" and a.get("id", "").startswith("event-row-")]
    assert len(page.markers) == expected == len(rows)
    assert all(m["title"] for m in page.markers)
    assert sum(1 for m in page.markers if m["date"] == "2025-01-27") > 10
    assert {m["date"] for m in page.markers} <= {
        f"2025-{d}" for d in [f"01-{n:02d}" for n in range(20, 32)] + [f"02-{n:02d}" for n in range(1, 8)]
    }
    assert page.count("svg") == 1 and len(page.ids("bar-")) == 14  # one bar per session in the window


def test_report_is_self_contained(report):
    assert_self_contained(report[2])


def test_report_links_the_dossiers_of_the_windows_shocks(report):
    settings, path, page = report
    shocks = query(
        settings.analytics_db,
        "select dossier_path from marts.fct_shocks where trade_date between ? and ? order by trade_date",
        [DEFAULT_START, DEFAULT_END],
    )
    dossier_links = [a["href"] for t, a in page.tags if t == "a" and "dossier" in (a.get("class") or "")]
    assert dossier_links == [p.removeprefix("reports/") for (p,) in shocks]
    assert "shocks/2025-01-27-NVDA.html" in dossier_links
    # the price move of the timeline links its shock's dossier too
    assert page.links["NVDA −16.97%, −$592.7B"] == "shocks/2025-01-27-NVDA.html"


def test_report_escapes_what_it_shows(tmp_path):
    data = ReportData(
        start=date(2025, 1, 1),
        end=date(2025, 1, 3),
        losses=[],
        totals=[(date(2025, 1, 2), -1e9, 2)],
        movers=[],
        events=[
            Event(date(2025, 1, 2), "news", "<b>X</b>", "<script>alert(1)</script> & co", "javascript:alert(1)"),
            Event(date(2025, 1, 2), "curated", "Y", "ok", "https://example.com/a?b=1&c=<2>"),
            Event(date(2025, 1, 2), "news", "Z", "relative", "reports/shocks/2025-01-02-X.html"),  # not a price move
            Event(date(2025, 1, 2), "price_move", "X", "dossier", "reports/shocks/2025-01-02-X.html"),
            Event(date(2025, 1, 2), "price_move", "X", "escape", "reports/shocks/../../etc/passwd.html"),
        ],
        warehouse_published=datetime(2025, 1, 4, tzinfo=UTC),
        shocks=[ShockRow(date(2025, 1, 2), "X", -0.1, -4.0, -1e9, 1, "javascript:alert(1)//.html")],
    )
    html = render_report(data)
    page = Page(html)
    assert page.count("script") == 0 and page.count("b") == 0
    assert "<script>alert(1)</script> & co" in page.all_text
    assert "javascript:" not in html  # not linked, and not in any attribute
    assert page.links["ok"] == "https://example.com/a?b=1&c=<2>"
    assert page.links["dossier"] == "shocks/2025-01-02-X.html"
    assert "relative" not in page.links and "escape" not in page.links
    assert len(page.markers) == 5


def _sample_svg(title: str = "t") -> str:
    d1, d2, d3, d4 = (date(2025, 1, n) for n in (2, 3, 4, 6))
    return market_cap_change_svg(
        [
            (d1, "total", 5e9),
            (d2, "total", -20e9),
            (d4, "total", 1e9),
            (d1, "AAA", 2e9),
            (d2, "AAA", -15e9),
            (d4, "AAA", None),
        ],
        [(d2, "AAA fell <a lot>"), (d2, "news: it's over", "news"), (d3, "weekend thing", "curated")],
        title=title,
    )


def test_market_cap_change_svg_draws_bars_lines_and_markers():
    svg = _sample_svg()
    page = Page(svg)
    assert svg.startswith("<svg") and page.count("svg") == 1 and page.count("script") == 0
    assert page.ids("bar-") == ["bar-2025-01-02", "bar-2025-01-03", "bar-2025-01-06"]
    assert [m["date"] for m in page.markers] == ["2025-01-03", "2025-01-03", "2025-01-04"]
    assert page.markers[0]["title"] == "1. 2025-01-03 AAA fell <a lot>"  # escaped in the SVG, read back as text
    assert "<a lot>" not in svg
    assert "−$20B" in page.text and "Jan 2" in page.all_text  # $B ticks, the date axis
    assert "AAA" in page.text  # the line's legend


def test_the_same_data_draws_the_same_bytes():
    assert _sample_svg() == _sample_svg()
    assert _sample_svg("a") != _sample_svg("b")
    assert "Date" not in _sample_svg() and "dc:date" not in _sample_svg()


def test_report_cli_and_asset(demo_run, tmp_path, monkeypatch, capsys):
    settings = demo_run[0]
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(settings.data_path))
    assert main(["--start", "2025-01-24", "--end", "2025-01-28", "--out-dir", str(tmp_path)]) == 0
    out = tmp_path / "2025-01-24_2025-01-28.html"
    assert out.exists() and str(out) in capsys.readouterr().out
    (events,) = query(
        settings.analytics_db,
        """
        select count(*) from (select distinct event_date, event_type, title, url from marts.fct_event_timeline
                              where event_date between '2025-01-24' and '2025-01-28')""",
    )[0]
    assert len(Page(out.read_text()).markers) == events

    result = materialize([shock_report], resources={"settings": settings})
    assert result.success
    (mat,) = result.asset_materializations_for_node("shock_report")
    assert mat.metadata["dagster/row_count"].value == len(
        Page((settings.data_path / "reports" / "2025-01-20_2025-02-07.html").read_text()).markers
    )
    assert mat.metadata["path"].value == str(settings.data_path / "reports" / "2025-01-20_2025-02-07.html")

    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "nothing"))
    assert main([]) == 1
    assert "make demo" in capsys.readouterr().err


def test_a_warehouse_published_by_an_older_version_gets_a_clear_error(tmp_path, monkeypatch, capsys):
    import duckdb

    warehouse = tmp_path / "data" / "warehouse"
    warehouse.mkdir(parents=True)
    with duckdb.connect(str(warehouse / "analytics.duckdb")) as con:  # marts from before value_change_usd
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_daily_market_cap (ticker varchar, trade_date date, pct_change double, "
            "market_cap_change_usd double, prev_close double, close double)"
        )
        con.execute("create table marts.dim_company (ticker varchar, company_name varchar, is_benchmark boolean)")
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    assert main([]) == 1
    err = capsys.readouterr().err
    # the first relation it reads lacks the value change the report is built on
    assert "value_change_usd" in err and "older ShockWatch" in err and "make demo" in err
    assert "Traceback" not in err


def test_the_capex_section_is_point_in_time(report):
    """Filed during the window: the Q4 2024 quarters of the hyperscalers (MSFT 2025-01-29 ..
    AMZN 2025-02-07, all after the DeepSeek Monday); known at its start: nothing later than Q3."""
    settings, _, page = report
    section = page.raw[page.raw.index("Capex: the demand side") : page.raw.index("Event timeline</h2>")]
    filed_part, known_part = section.split("Latest capex quarter known at the window")
    filed = query(
        settings.analytics_db,
        "select ticker from marts.fct_capex_quarterly where known_from > ? and known_from <= ? order by known_from, ticker",
        [DEFAULT_START, DEFAULT_END],
    )
    ticker_cells = r"<tr><td>(?:<a [^>]*>)?([A-Z]+)<"
    assert re.findall(ticker_cells, filed_part) == [t for (t,) in filed]
    assert {"MSFT", "META", "GOOGL", "AMZN"} <= {t for (t,) in filed}
    assert "2024-Q4" in filed_part
    known = re.findall(ticker_cells, known_part)
    assert len(known) == len(set(known)) >= 4  # one latest quarter per company
    assert "2024-Q4" not in known_part and "2024-Q3" in known_part


def test_the_dbt_step_s_chart_reads_what_it_draws_and_nothing_more(demo_run):
    """chart_only (the dbt step's chart): the report's totals, movers and events, without the
    tables only the report shows (their queries scan fct_daily_market_cap at every daily run)."""
    from dagster_project.reporting.data import load_report_data

    settings = demo_run[0]
    full = load_report_data(settings.analytics_db, DEFAULT_START, DEFAULT_END)
    chart = load_report_data(settings.analytics_db, DEFAULT_START, DEFAULT_END, chart_only=True)
    assert (chart.totals, chart.movers, chart.events) == (full.totals, full.movers, full.events)
    assert full.losses and full.shocks and full.capex_known
    assert not (chart.losses or chart.shocks or chart.capex_known or chart.capex_filed)
