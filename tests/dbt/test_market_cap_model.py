"""fct_daily_market_cap on a tiny synthetic case study (made-up tickers and figures)."""

import pytest

from dagster_project.config.settings import load_settings
from dagster_project.definitions import build_definitions
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
AAA,2025-01-10,2025-01-22,1000000000,weighted_avg_basic_shares_quarter,synthetic
AAA,2025-01-15,2025-01-23,1500000000,weighted_avg_basic_shares_quarter,synthetic
AAA,2025-01-23,2025-01-23,2000000000,cover_page_shares_outstanding,synthetic
BBB,2024-09-01,,10000000000,weighted_avg_basic_shares_quarter,synthetic
BBB,2025-01-20,,20000000000,weighted_avg_basic_shares_quarter,synthetic
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
    rows = query(
        synthetic_settings.analytics_db,
        """
        select ticker, trade_date::varchar, prev_close, pct_change, shares_outstanding,
               market_cap_usd, market_cap_change_usd
        from marts.fct_daily_market_cap order by ticker, trade_date""",
    )
    aaa = [r for r in rows if r[0] == "AAA"]
    assert aaa == [
        ("AAA", "2025-01-17", None, None, None, None, None),
        # 2025-01-20 was MLK Day: the previous session of the 21st is the 17th
        ("AAA", "2025-01-21", 10.0, 0.0, None, None, None),
        ("AAA", "2025-01-22", 10.0, pytest.approx(0.2), 1_000_000_000, 12e9, None),
        ("AAA", "2025-01-23", 12.0, pytest.approx(-0.25), 2_000_000_000, 18e9, 6e9),
    ]
    assert all(r[5] is None for r in rows if r[0] == "IDX")  # no count known: null, not zero
    assert query(synthetic_settings.analytics_db, "select ticker, is_benchmark from marts.dim_company order by 1") == [
        ("AAA", False),
        ("BBB", False),
        ("IDX", True),
    ]


def test_value_change_is_the_price_move_and_the_count_switch_is_split_out(synthetic_settings):
    assert run_pipeline(build_definitions(synthetic_settings), "2025-01-17", "2025-01-23").success
    rows = query(
        synthetic_settings.analytics_db,
        """
        select trade_date::varchar, market_cap_change_usd, value_change_usd, share_count_effect_usd,
               shares_known_from::varchar
        from marts.fct_daily_market_cap where ticker = 'AAA' and trade_date >= '2025-01-22' order by 1""",
    )
    # the 23rd: the price fell 25% on yesterday's 1e9 shares (12e9 -> -3e9), and the cover-page
    # count of 2e9 took effect the same day (9 x +1e9 = +9e9): together the +6e9 of the cap
    assert rows == [
        ("2025-01-22", None, None, None, "2025-01-22"),
        ("2025-01-23", 6e9, pytest.approx(-3e9), 9e9, "2025-01-23"),
    ]
    theme = query(
        synthetic_settings.analytics_db,
        """
        select value_change_usd, pct_change from marts.fct_theme_daily
        where theme = 'ai_chips' and trade_date = '2025-01-23'""",
    )
    # AAA's -3e9 on 12e9 plus BBB's -1e10 (6 -> 5 on 1e10 shares) on 6e10: value-based, no +9e9
    assert theme == [(pytest.approx(-13e9), pytest.approx(-13e9 / 72e9))]


def test_a_count_without_filing_date_waits_for_the_latest_report_deadline(synthetic_settings):
    assert run_pipeline(build_definitions(synthetic_settings), "2025-01-17", "2025-01-23").success
    rows = query(
        synthetic_settings.analytics_db,
        """
        select distinct shares_outstanding, shares_as_of_date::varchar, shares_known_from::varchar
        from marts.fct_daily_market_cap where ticker = 'BBB'""",
    )
    # BBB's count of 2024-09-01 counts from 120 days later; the one of 2025-01-20 (not filed)
    # would only count from 2025-05-20, so the earlier count stays in use: no look-ahead
    assert rows == [(10_000_000_000, "2024-09-01", "2024-12-30")]
