"""dbt/analyses: every worked question compiles with dbt and answers right on the case study.

dbt compiles `{{ ref('x') }}` to the build target's three-part name, `"build"."marts"."x"`
("build" is the catalog name DuckDB gives the profile's build.duckdb). The published
warehouse has the same schemas and tables, so instead of rewriting the SQL we attach
analytics.duckdb read-only under that catalog name and run the compiled SQL unchanged.
"""

import json
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.dbt_cli import dbt_executable

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
ANALYSES = sorted(p.stem for p in (DBT_DIR / "analyses").glob("*.sql"))
RELATION = re.compile(r'"(\w+)"\."(\w+)"\."(\w+)"')


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict:
    """Compile the analyses into a temporary target: {"catalog": ..., "sql": {name: compiled SQL}}."""
    tmp = tmp_path_factory.mktemp("dbt_analyses")
    (tmp / "data" / "warehouse").mkdir(parents=True)  # dbt opens an (empty) build.duckdb here
    env = {**os.environ, "SHOCKWATCH_DATA_DIR": str(tmp / "data"), "DO_NOT_TRACK": "1"}
    dbt = dbt_executable()
    result = subprocess.run(
        [
            str(dbt),
            "compile",
            "--select",
            "resource_type:analysis",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
            "--quiet",
        ],
        cwd=DBT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    catalog = manifest["nodes"]["model.shockwatch.fct_daily_market_cap"]["database"]
    out = tmp / "target" / "compiled" / "shockwatch" / "analyses"
    return {"catalog": catalog, "sql": {p.stem: p.read_text() for p in out.glob("*.sql")}}


def run_analysis(compiled: dict, name: str, analytics_db: Path) -> list[dict]:
    """Run a compiled analysis against the published warehouse (read-only); rows as dicts."""
    sql = compiled["sql"][name]
    for catalog, schema, _ in RELATION.findall(sql):
        assert (catalog, schema) in {(compiled["catalog"], "marts"), (compiled["catalog"], "staging")}
    with duckdb.connect(":memory:") as con:
        path = str(analytics_db).replace("'", "''")
        con.execute(f"attach '{path}' as \"{compiled['catalog']}\" (read_only)")
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def answer(compiled, demo_run):
    analytics_db = demo_run[0].analytics_db
    return lambda name: run_analysis(compiled, name, analytics_db)


def test_every_analysis_compiles_and_has_a_header(compiled):
    assert len(ANALYSES) >= 5
    assert set(compiled["sql"]) == set(ANALYSES)
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(ANALYSES) <= tested, f"analyses without a test: {set(ANALYSES) - tested}"
    for name in ANALYSES:
        source = (DBT_DIR / "analyses" / f"{name}.sql").read_text()
        assert source.startswith("-- Question:") and "How to read it:" in source, name
        assert "{{ ref(" in source, name
        assert '"marts".' in compiled["sql"][name], name


def test_largest_market_cap_losses(answer):
    rows = answer("largest_market_cap_losses")
    first = rows[0]
    assert (first["ticker"], first["trade_date"]) == ("NVDA", date(2025, 1, 27))
    assert first["pct_change"] == pytest.approx(-0.1697, abs=5e-5)
    assert first["change_bn"] == pytest.approx(-592.7, abs=0.05)
    assert (first["prev_close"], first["close"]) == (pytest.approx(142.62), pytest.approx(118.42))
    assert len(rows) == 10 and [r["change_bn"] for r in rows] == sorted(r["change_bn"] for r in rows)


def test_nvda_worst_day_context(answer):
    rows = answer("nvda_worst_day_context")
    first = rows[0]
    # three sessions before Monday 2025-01-27 is Wednesday 2025-01-22
    assert (first["event_date"], first["session_offset"], first["event_type"], first["entity"]) == (
        date(2025, 1, 22),
        -3,
        "price_move",
        "ARM",
    )
    assert {r["event_date"] for r in rows} <= {date(2025, 1, d) for d in range(22, 31)}
    assert max(r["session_offset"] for r in rows if r["session_offset"] is not None) <= 3
    by_key = {(r["event_date"], r["event_type"], r["entity"]): r for r in rows}
    worst = by_key[(date(2025, 1, 27), "price_move", "NVDA")]
    assert worst["session_offset"] == 0 and worst["title"] == "NVDA −16.97%, −$592.7B"
    assert worst["ticker_pct_change"] == pytest.approx(-0.1697, abs=5e-5)
    # the weekend's App Store milestone is in the window, without a session
    sunday = by_key[(date(2025, 1, 26), "app_rank", "DeepSeek")]
    assert sunday["session_offset"] is None
    assert {"price_move", "news", "app_rank", "curated", "capex"} == {r["event_type"] for r in rows}
    # the Q4 filings that came right after the shock: MSFT's 10-Q on 01-29, META's 10-K on 01-30
    capex = {(r["event_date"], r["entity"]): r["title"] for r in rows if r["event_type"] == "capex"}
    assert capex[(date(2025, 1, 29), "MSFT")] == "MSFT FY2025 Q2 (2024-Q4) capex $15.8B, +62% y/y"


def test_tickers_fell_with_nvda(answer):
    rows = answer("tickers_fell_with_nvda")
    first = rows[0]
    assert (first["trade_date"], first["ticker"]) == (date(2025, 1, 27), "MRVL")
    assert first["pct_change"] == pytest.approx(-0.1910, abs=5e-5)
    assert first["nvda_pct_change"] == pytest.approx(-0.1697, abs=5e-5)
    assert first["also_abnormal"] is True
    on_the_day = {r["ticker"]: r for r in rows if r["trade_date"] == date(2025, 1, 27)}
    assert {"AVGO", "TSM", "ORCL", "MU", "SMCI", "QQQ"} <= set(on_the_day)
    assert on_the_day["AVGO"]["change_bn"] == pytest.approx(-198.8, abs=0.05)  # 4,670.6M cover-page shares
    assert "NVDA" not in {r["ticker"] for r in rows}
    # NVDA's other abnormal down day (2024-04-19, -10.0%) follows the worst one
    assert {r["trade_date"] for r in rows} == {date(2025, 1, 27), date(2024, 4, 19)}


def test_theme_market_cap_change(answer):
    rows = answer("theme_market_cap_change")
    first = rows[0]
    assert (first["theme"], first["trade_date"]) == ("ai_chips", date(2025, 1, 27))
    assert first["change_bn"] == pytest.approx(-821.4, abs=0.05)
    assert first["pct_change"] == pytest.approx(-0.1642, abs=5e-4)
    assert first["day_change_bn"] == pytest.approx(-1101.8, abs=0.05)
    assert "benchmark" not in {r["theme"] for r in rows}
    assert all(date(2025, 1, 20) <= r["trade_date"] <= date(2025, 2, 7) for r in rows)


def test_deepseek_rank_path(answer):
    rows = answer("deepseek_rank_path")
    assert [(r["snapshot_date"], r["rank"], r["best_rank_so_far"]) for r in rows] == [
        (date(2025, 1, 24), 31, 31),
        (date(2025, 1, 26), 1, 1),
        (date(2025, 1, 27), 1, 1),
    ]
    assert rows[1]["rank_change"] == 30 and rows[1]["prev_snapshot_date"] == date(2025, 1, 24)


def test_news_spikes(answer):
    first = answer("news_spikes")[0]
    assert (first["entity"], first["news_date"], first["article_count"]) == ("DeepSeek", date(2025, 1, 27), 4)
    assert "DeepSeek overtakes OpenAI's ChatGPT" in first["headlines"]


def test_deepseek_event_study(answer):
    rows = answer("deepseek_event_study")
    assert len(rows) == 15  # every company of the watchlist, no benchmark
    nvda = rows[0]
    assert nvda["ticker"] == "NVDA"
    assert nvda["beta"] == pytest.approx(2.69, abs=0.005)
    assert nvda["ar"] == pytest.approx(-0.1333, abs=5e-5) and nvda["ar_adj"] == pytest.approx(-0.1555, abs=5e-5)
    assert nvda["t_0"] == pytest.approx(-5.11, abs=0.005)
    assert nvda["abnormal_bn"] == pytest.approx(-465.5, abs=0.05)
    assert [r["ticker"] for r in rows[:3]] == ["NVDA", "AVGO", "TSM"]
    assert all(r["ar"] is not None for r in rows)


def test_capex_vs_chip_value(answer):
    rows = {r["calendar_quarter"]: r for r in answer("capex_vs_chip_value")}
    q4 = rows["2024-Q4"]
    # MSFT 15,804 + GOOGL 14,276 + AMZN 27,834 (no ORCL quarter is bundled), against 35,342 a year earlier
    assert (q4["hyperscaler_capex_bn"], q4["tickers_counted"]) == (57.9, 3)
    assert q4["hyperscaler_yoy_growth"] == pytest.approx(57_914 / 35_342 - 1)
    assert q4["big_tech_capex_bn"] == 75.3  # + META 14,425 + AAPL 2,940
    assert q4["chips_value_date"] == date(2024, 12, 31) and q4["ai_chips_value_bn"] > 1000
    assert rows["2023-Q1"]["ai_chips_value_bn"] is None  # prices start 2024-01-02
    year_2024 = sum(rows[f"2024-Q{q}"]["hyperscaler_capex_bn"] for q in range(1, 5))
    assert year_2024 == pytest.approx(191.1, abs=0.05)  # MSFT 55.6 + GOOGL 52.5 + AMZN 83.0
