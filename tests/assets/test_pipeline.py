"""The whole graph on a slice of the case study: raw assets -> dbt -> published warehouse."""

import pandas as pd
import pytest

from dagster_project.definitions import build_definitions
from tests.pipeline import query, run_pipeline, step_outcomes

SLICE = ("2025-01-21", "2025-01-31")
NVDA_SHOCK_SQL = """
select close, prev_close, pct_change, shares_outstanding, market_cap_change_usd
from marts.fct_daily_market_cap where ticker = 'NVDA' and trade_date = date '2025-01-27'
"""


@pytest.fixture
def defs(replay_settings):
    return build_definitions(replay_settings)


def test_slice_reproduces_the_nvda_shock(defs, replay_settings):
    result = run_pipeline(defs, *SLICE)
    assert result.success
    close, prev_close, pct, shares, change = query(replay_settings.analytics_db, NVDA_SHOCK_SQL)[0]
    assert (close, prev_close) == (118.42, 142.62)
    assert pct == pytest.approx(-0.1697, abs=5e-5)
    assert shares == 24_490_000_000
    assert change == pytest.approx(-5.927e11, rel=0.005)
    # 17 tickers x 9 sessions (2025-01-21..31), every one in the published mart once
    assert query(
        replay_settings.analytics_db, "select count(*), count(distinct ticker) from marts.fct_daily_market_cap"
    ) == [(153, 17)]
    partitions = sorted(p.parent.name for p in (replay_settings.lake_dir / "prices").glob("*/data.parquet"))
    assert partitions[0] == "trade_date=2025-01-21" and len(partitions) == 9


def test_rerunning_the_range_leaves_the_same_rows(defs, replay_settings):
    assert run_pipeline(defs, *SLICE).success
    first = query(replay_settings.analytics_db, "select * from marts.fct_daily_market_cap order by ticker, trade_date")
    assert run_pipeline(defs, *SLICE).success
    second = query(replay_settings.analytics_db, "select * from marts.fct_daily_market_cap order by ticker, trade_date")
    assert first == second
    dupes = query(
        replay_settings.analytics_db,
        "select ticker, trade_date from marts.fct_daily_market_cap group by all having count(*) > 1",
    )
    assert dupes == []


def test_bad_bar_is_quarantined_and_blocks_publication(replay_settings, case_study_copy, monkeypatch):
    # First a good run publishes the slice.
    assert run_pipeline(build_definitions(replay_settings), *SLICE).success
    published_before = query(replay_settings.analytics_db, "select count(*) from marts.fct_daily_market_cap")

    # Then the source serves a negative close for AMD on a session of the same range.
    bars = pd.read_csv(case_study_copy / "prices_daily.csv", dtype=str)
    bars.loc[(bars.ticker == "AMD") & (bars.trade_date == "2025-01-28"), "close"] = "-1"
    bars.to_csv(case_study_copy / "prices_daily.csv", index=False)
    monkeypatch.setenv("SHOCKWATCH_CASE_STUDY_DIR", str(case_study_copy))
    from dagster_project.config.settings import load_settings

    settings = load_settings()
    result = run_pipeline(build_definitions(settings), *SLICE)

    assert not result.success
    # The good rows landed; the blocking check then fails the step, so dbt and publish never run.
    steps = step_outcomes(result)
    assert steps["prices"] == "failure"
    assert "warehouse_models" not in steps and "analytics_warehouse" not in steps
    day = pd.read_parquet(settings.lake_dir / "prices" / "trade_date=2025-01-28" / "data.parquet")
    assert len(day) == 16 and "AMD" not in set(day["ticker"])
    checks = {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert not checks["watchlist_complete"].passed
    assert "AMD 2025-01-28" in checks["watchlist_complete"].metadata["sample"].value
    quarantined = pd.concat(pd.read_parquet(p) for p in (settings.quarantine_dir / "prices").glob("*.parquet"))
    assert quarantined[["ticker", "trade_date", "reason"]].values.tolist() == [
        ["AMD", "2025-01-28", "close missing or not positive"]
    ]
    # Analysts still see the last good warehouse.
    assert query(settings.analytics_db, "select count(*) from marts.fct_daily_market_cap") == published_before


def test_a_range_without_data_fails_and_writes_nothing(defs, replay_settings):
    assert run_pipeline(defs, *SLICE).success
    before = {p: p.stat().st_mtime_ns for p in (replay_settings.lake_dir / "prices").glob("*/data.parquet")}
    result = run_pipeline(defs, "2025-06-27", "2025-07-02")  # the bundle ends 2025-06-30
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure and e.step_key == "prices")
    assert "2025-07-01" in str(failure.step_failure_data.user_failure_data.description)
    after = {p: p.stat().st_mtime_ns for p in (replay_settings.lake_dir / "prices").glob("*/data.parquet")}
    assert after == before  # not even the sessions that had data were written
