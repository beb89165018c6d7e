"""The HTML report (dagster_project/report.py), its chart (charts.py) and its asset."""

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from dagster import materialize

from dagster_project.assets.report import shock_report
from dagster_project.charts import market_cap_change_svg
from dagster_project.report import DEFAULT_END, DEFAULT_START, Event, ReportData, build_report, main, render_report
from tests.pipeline import query

ASSET_TAGS = {"script", "img", "link", "iframe", "embed", "object", "source", "audio", "video", "use", "image", "style"}


class Page(HTMLParser):
    """What the tests look at: text, tags and attributes, event markers and the links of titles."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.markers: list[dict] = []
        self.links: dict[str, str] = {}  # link text -> href
        self._open_a: str | None = None
        self._in_marker = 0
        self.raw = text
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "g" and attrs.get("class") == "event-marker":
            self.markers.append({"date": attrs.get("data-date"), "title": ""})
            self._in_marker = 1
        elif tag == "g" and self._in_marker:
            self._in_marker += 1
        if tag == "a":
            self._open_a = attrs.get("href")

    def handle_endtag(self, tag):
        if tag == "g" and self._in_marker:
            self._in_marker -= 1
        if tag == "a":
            self._open_a = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_marker and self.markers and not self.markers[-1]["title"]:
            self.markers[-1]["title"] = data
        if self._open_a:
            self.links[data] = self._open_a

    @property
    def all_text(self) -> str:
        return " ".join(self.text)

    def count(self, tag: str, cls: str | None = None) -> int:
        return sum(1 for t, a in self.tags if t == tag and (cls is None or cls in (a.get("class") or "").split()))


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
    rows = [a["id"] for t, a in page.tags if t == "tr" and a.get("id", "").startswith("event-")]
    assert len(page.markers) == expected == len(rows)
    assert all(m["title"] for m in page.markers)
    assert sum(1 for m in page.markers if m["date"] == "2025-01-27") > 10
    assert {m["date"] for m in page.markers} <= {
        f"2025-{d}" for d in [f"01-{n:02d}" for n in range(20, 32)] + [f"02-{n:02d}" for n in range(1, 8)]
    }
    assert page.count("svg") == 1 and page.count("rect", "bar") == 14  # one bar per session in the window


def test_report_is_self_contained(report):
    _, _, page = report
    assert page.count("script") == 0
    for tag, attrs in page.tags:
        for name in ("src", "srcset", "href", "xlink:href", "data"):
            value = attrs.get(name)
            if value is None:
                continue
            assert tag == "a" and name == "href", f"<{tag} {name}={value!r}> loads something"
            assert value.startswith(("http://", "https://")), value
        assert tag not in ASSET_TAGS - {"style"}, tag
    assert "@import" not in page.raw and "url(" not in page.raw  # nothing loaded from CSS either


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
        ],
        warehouse_published=datetime(2025, 1, 4, tzinfo=UTC),
    )
    html = render_report(data)
    page = Page(html)
    assert page.count("script") == 0 and page.count("b") == 0
    assert "<script>alert(1)</script> & co" in page.all_text
    assert "javascript:" not in html  # not linked, and not in any attribute
    assert page.links["ok"] == "https://example.com/a?b=1&c=<2>"
    assert len(page.markers) == 2


def test_market_cap_change_svg_draws_bars_lines_and_markers():
    d1, d2, d3, d4 = (date(2025, 1, n) for n in (2, 3, 4, 6))
    svg = market_cap_change_svg(
        [
            (d1, "total", 5e9),
            (d2, "total", -20e9),
            (d4, "total", 1e9),
            (d1, "AAA", 2e9),
            (d2, "AAA", -15e9),
            (d4, "AAA", None),
        ],
        [(d2, "AAA fell <a lot>"), (d2, "news: it's over", "news"), (d3, "weekend thing", "curated")],
    )
    page = Page(svg)
    assert page.count("svg") == 1 and page.count("rect", "bar") == 3 and page.count("polyline") == 1
    assert [m["date"] for m in page.markers] == [d2.isoformat(), d2.isoformat(), d3.isoformat()]
    assert page.markers[0]["title"] == "1. 2025-01-03 AAA fell <a lot>"
    assert page.count("rect", "no-session") == 1  # Jan 5 has no data: shaded
    assert {"−$20B", "$0", "+$5B"} <= set(page.text)  # $B ticks from the low to the high end
    assert "Jan 2" in page.text  # the date axis


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
