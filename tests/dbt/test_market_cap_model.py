"""fct_daily_market_cap on a tiny synthetic case study (made-up tickers and figures)."""

import pytest

from dagster_project.definitions import build_definitions
from dagster_project.config.settings import load_settings
from tests.pipeline import query, run_pipeline

WATCHLIST = """
themes:
  ai_chips: synthetic test theme
  benchmark: synthetic benchmark
companies:
  - {ticker: AAA, name: "Synthetic A", theme: ai_chips}
  - {ticker: BBB, name: "Synthetic B", theme: ai_chips}
  - {ticker: IDX, name: "Synthetic index", theme: benchmark, benchmark: true}
"""
PRICES = """trade_date,ticker,open,high,low,close,adj_close,volume,price_basis,origin
2025-01-17,AAA,10,10,10,10,10,100,split_adjusted,synthetic
2025-01-21,AAA,10,11,9,10,10,100,split_adjusted,synthetic
2025-01-22,AAA,10,12,10,12,12,100,split_adjusted,synthetic
2025-01-23,AAA,12,12,8,9,9,100,split_adjusted,synthetic
2025-01-17,BBB,5,5,5,5,5,100,split_adjusted,synthetic
2025-01-21,BBB,5,5,5,5,5,100,split_adjusted,synthetic
2025-01-22,BBB,5,6,5,6,6,100,split_adjusted,synthetic
2025-01-23,BBB,6,6,5,5,5,100,split_adjusted,synthetic
2025-01-17,IDX,1,1,1,1,1,100,dividend_adjusted,synthetic
2025-01-21,IDX,1,1,1,1,1,100,dividend_adjusted,synthetic
2025-01-22,IDX,1,1,1,1,1,100,dividend_adjusted,synthetic
2025-01-23,IDX,1,1,1,1,1,100,dividend_adjusted,synthetic
"""
# AAA's first count describes 2025-01-10 but is only filed on 2025-01-22: no look-ahead.
# Its cover-page count of 2025-01-23 is filed the same day as an average for an earlier date.
SHARES = """ticker,as_of_date,filing_date,shares,measure,source_document
AAA,2025-01-10,2025-01-22,100,weighted_avg_basic_shares_quarter,synthetic
AAA,2025-01-15,2025-01-23,150,weighted_avg_basic_shares_quarter,synthetic
AAA,2025-01-23,2025-01-23,200,cover_page_shares_outstanding,synthetic
"""


@pytest.fixture
def synthetic_settings(tmp_path, monkeypatch, replay_settings):
    case = tmp_path / "synthetic_case"
    case.mkdir()
    (case / "prices_daily.csv").write_text(PRICES.lstrip())
    (case / "shares_outstanding.csv").write_text(SHARES.lstrip())
    (tmp_path / "watchlist.yml").write_text(WATCHLIST)
    monkeypatch.setenv("SHOCKWATCH_CASE_STUDY_DIR", str(case))
    monkeypatch.setenv("SHOCKWATCH_WATCHLIST", str(tmp_path / "watchlist.yml"))
    return load_settings()


def test_market_cap_uses_counts_only_once_public_and_compares_across_the_holiday(synthetic_settings):
    assert run_pipeline(build_definitions(synthetic_settings), "2025-01-17", "2025-01-23").success
    rows = query(synthetic_settings.analytics_db, """
        select ticker, trade_date::varchar, prev_close, pct_change, shares_outstanding,
               market_cap_usd, market_cap_change_usd
        from marts.fct_daily_market_cap order by ticker, trade_date""")
    aaa = [r for r in rows if r[0] == "AAA"]
    assert aaa == [
        ("AAA", "2025-01-17", None, None, None, None, None),
        # 2025-01-20 was MLK Day: the previous session of the 21st is the 17th
        ("AAA", "2025-01-21", 10.0, 0.0, None, None, None),
        ("AAA", "2025-01-22", 10.0, pytest.approx(0.2), 100, 1200.0, None),
        ("AAA", "2025-01-23", 12.0, pytest.approx(-0.25), 200, 1800.0, 600.0),
    ]
    assert all(r[5] is None for r in rows if r[0] in ("BBB", "IDX"))  # no count known: null, not zero
    assert query(synthetic_settings.analytics_db,
                 "select ticker, is_benchmark from marts.dim_company order by 1") == [
        ("AAA", False), ("BBB", False), ("IDX", True)]
