"""Shock dossiers (dagster_project/reporting/dossier.py, shock_data.py): the NVDA 2025-01-27
page `make demo` wrote says what the marts say; third-party text is escaped; the chart is
deterministic."""

import dataclasses
import datetime as dt
import re

import duckdb
import pytest

from dagster_project.lib.formatting import signed_billions, signed_pct
from dagster_project.reporting.charts import car_paths_svg
from dagster_project.reporting.dossier import dossier_file, render_dossier
from dagster_project.reporting.shock_data import Shock, ShockDossier, list_shocks, load_shock_dossier
from tests.pipeline import query
from tests.reporting.html_page import Page, assert_self_contained

DAY = dt.date(2025, 1, 27)


@pytest.fixture(scope="module")
def nvda(demo_run):
    settings = demo_run[0]
    path = settings.data_path / "reports" / "shocks" / "2025-01-27-NVDA.html"
    return settings, Page(path.read_text(encoding="utf-8"))


def _by_id(page: Page, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', page.raw)
    assert match, element_id
    return match.group(1)


def test_the_headline_is_fct_shocks(nvda):
    settings, page = nvda
    ((ar, sar, value, members, count, path),) = query(
        settings.analytics_db,
        "select epicenter_ar, epicenter_sar, epicenter_abnormal_value_usd, members, member_count, dossier_path "
        "from marts.fct_shocks where trade_date = ? and epicenter_ticker = 'NVDA'",
        [DAY],
    )
    assert path == "reports/shocks/2025-01-27-NVDA.html"
    assert _by_id(page, "headline-ar") == signed_pct(ar) == "−13.33%"
    assert _by_id(page, "headline-t") == f"{sar:+.2f}".replace("-", "−") == "−5.11"
    assert _by_id(page, "headline-value") == signed_billions(value) == "−$465.5B"
    assert _by_id(page, "headline-members") == str(count) == "8"
    assert ", ".join(members.split(",")) in page.all_text
    ((recovered,),) = query(
        settings.analytics_db,
        "select recovered_on from marts.fct_shock_spillover where trade_date = ? and is_epicenter",
        [DAY],
    )
    assert _by_id(page, "headline-recovered") == recovered.isoformat()


def test_the_event_study_and_the_holders_are_the_marts(nvda):
    settings, page = nvda
    windows = query(
        settings.analytics_db,
        "select e.window_name, e.car_market_model, e.abnormal_value_usd from marts.fct_event_study as e "
        "join marts.fct_shocks as s on e.event_id = s.shock_id "
        "where s.trade_date = ? and e.ticker = 'NVDA' order by e.window_end, e.window_start",
        [DAY],
    )
    assert [w for w, _, _ in windows] == ["[0,0]", "[-1,+1]", "[0,+1]", "[0,+5]", "[0,+10]"]
    for name, car, value in windows:
        assert re.search(rf"{re.escape(name)}</td>.*?{re.escape(signed_pct(car))}.*?{re.escape(signed_billions(value))}",
                         page.raw, re.S), name  # fmt: skip
    ((change,),) = query(
        settings.analytics_db,
        "select value_change_usd from marts.fct_holder_impact where trade_date = ? and holder like '%Jensen%'",
        [DAY],
    )
    assert signed_billions(change) == "−$1.9B" and "Jen-Hsun (Jensen) Huang" in page.all_text
    assert re.search(r"Jensen.*?−\$1\.9B", page.raw, re.S)


def test_the_capex_section_lists_what_was_filed_in_the_next_two_weeks(nvda):
    settings, page = nvda
    filed = query(
        settings.analytics_db,
        "select ticker from marts.fct_capex_quarterly where known_from > ? and known_from <= ? order by known_from",
        [DAY, DAY + dt.timedelta(days=14)],
    )
    assert {t for (t,) in filed} >= {"MSFT", "META", "GOOGL", "AMZN"}
    section = page.raw[page.raw.index("Capex filed within 14 days") : page.raw.index("Latest capex quarter known")]
    assert [t for t in re.findall(r"<tr><td>(?:<a [^>]*>)?([A-Z]+)<", section)] == [t for (t,) in filed]


def test_the_car_paths_agree_with_the_event_study(demo_run):
    settings = demo_run[0]
    with duckdb.connect(str(settings.analytics_db), read_only=True) as con:
        (shock,) = [s for s in list_shocks(con, DAY, DAY)]
        dossier = load_shock_dossier(con, shock)
        cars = dict(
            con.execute(
                "select ticker, car_market_model from marts.fct_event_study where event_id = ? and window_name = '[0,+5]'",
                [shock.shock_id],
            ).fetchall()
        )
    assert set(dossier.car_paths) == set(shock.member_list) | {"NVDA"}
    for ticker, points in dossier.car_paths.items():
        path = dict(points)
        assert path[-1] == 0.0 and min(path) == -5 and max(path) == 10
        assert path[5] == pytest.approx(cars[ticker]), ticker
    assert "DeepSeek" in dossier.news and dossier.news["DeepSeek"][DAY][0] == 4
    assert any(app.startswith("DeepSeek (US top-free)") for app in dossier.apps)


def test_the_dossier_is_self_contained(nvda):
    _, page = nvda
    assert_self_contained(page)
    assert page.count("svg") == 1 and len(page.ids("car-")) == 8


def _hostile_dossier() -> ShockDossier:
    shock = Shock(
        "s1", DAY, "NVDA", -0.1, -4.0, -1e11, "NVDA", 1, -1e11, 3.0, None, 1, "reports/shocks/2025-01-27-NVDA.html"
    )
    return ShockDossier(
        shock=shock,
        company="<b>NVIDIA</b>",
        study=[],
        car_paths={"NVDA": [(-1, 0.0), (0, -0.1)]},
        spillover=[],
        news_days=[DAY],
        news={"NVDA": {DAY: (2, 2.5)}},
        headlines=[
            (
                dt.datetime(2025, 1, 27, 12, tzinfo=dt.UTC),
                "NVDA",
                "<script>alert(1)</script> falls",
                "P",
                "javascript:alert(1)",
            ),
            (dt.datetime(2025, 1, 27, 13, tzinfo=dt.UTC), "NVDA", "a real one", "P", "https://example.com/?a=1&b=<2>"),
        ],
        app_days=[],
        apps={},
        curated=[(DAY, "X", "data link", "data:text/html,<script>alert(1)</script>", "curated:statement")],
        holders=[],
        capex_known=[],
        capex_after=[],
    )


def test_third_party_text_is_escaped_and_only_http_urls_are_links():
    html = render_dossier(_hostile_dossier(), dt.datetime(2025, 1, 28, tzinfo=dt.UTC))
    page = Page(html)
    assert page.count("script") == 0 and page.count("b") == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt; falls" in html
    assert "<script>alert(1)</script> falls" in page.all_text and "<b>NVIDIA</b>" in page.all_text
    assert "javascript:" not in html and 'href="data:' not in html
    assert page.links == {"a real one": "https://example.com/?a=1&b=<2>"}


def test_the_same_paths_draw_the_same_bytes():
    paths = {"NVDA": [(-1, 0.0), (0, -0.13), (1, -0.07)], "AVGO": [(-1, 0.0), (0, -0.14)]}
    first = car_paths_svg(paths, "NVDA", "CAR")
    assert first == car_paths_svg(dict(reversed(paths.items())), "NVDA", "CAR")
    assert first.startswith("<svg") and "Date" not in first
    assert first != car_paths_svg({**paths, "NVDA": [(-1, 0.0), (0, -0.12)]}, "NVDA", "CAR")


def test_only_dossier_paths_are_written():
    assert dossier_file("out", "reports/shocks/2025-01-27-NVDA.html").as_posix() == "out/shocks/2025-01-27-NVDA.html"
    for bad in ("reports/shocks/../x.html", "/etc/passwd", "reports/shocks/2025-01-27-nvda.html", "x.html"):
        with pytest.raises(ValueError):
            dossier_file("out", bad)
    assert dataclasses.is_dataclass(Shock)
