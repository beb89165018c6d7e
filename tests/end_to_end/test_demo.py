"""`make demo`'s entry point over the whole case study, into a temporary data dir and instance.

The `demo_run` fixture lives in tests/conftest.py (session-scoped): the report and analysis
tests read the same case-study warehouse, built once per test session.
"""

import pytest

from tests.pipeline import query


def test_demo_builds_the_case_study_warehouse(demo_run):
    replay_settings, out = demo_run
    first_loss = out.split(
        "Five largest single-day value losses in the warehouse (price move x the previous day's cap):\n"
    )[1].splitlines()[0]
    assert "2025-01-27" in first_loss and "NVDA" in first_loss and "-16.97%" in first_loss and "-592.7 $B" in first_loss

    db = replay_settings.analytics_db
    assert query(db, "select count(distinct ticker), count(*) from marts.fct_daily_market_cap") == [(17, 17 * 374)]
    pct, change = query(
        db,
        "select pct_change, market_cap_change_usd from marts.fct_daily_market_cap "
        "where ticker = 'NVDA' and trade_date = '2025-01-27'",
    )[0]
    assert pct == pytest.approx(-0.1697, abs=5e-5)
    assert change == pytest.approx(-5.927e11, rel=0.005)
    assert query(
        db,
        "select count(*) from (select ticker, trade_date from marts.fct_daily_market_cap group by all having count(*) > 1)",
    ) == [(0,)]
    schemas = {r[0] for r in query(db, "select distinct table_schema from information_schema.tables")}
    assert schemas == {"staging", "marts"}


def test_demo_tells_the_whole_story(demo_run):
    """The done-when of the news and app-rank families, on the full case study."""
    db = demo_run[0].analytics_db
    assert query(
        db,
        """select rank from marts.fct_app_rank_daily
                        where app_name = 'DeepSeek' and country = 'us' and chart = 'top-free'
                          and snapshot_date = '2025-01-26'""",
    ) == [(1,)]
    window = "event_date between '2025-01-24' and '2025-01-28'"
    assert query(
        db,
        f"select title from marts.fct_event_timeline where {window} and event_type = 'app_rank' "
        "and entity = 'DeepSeek' and title like '%reached #1%'",
    ) == [("DeepSeek reached #1 on US top-free (from #31)",)]
    assert query(
        db,
        f"select title, magnitude from marts.fct_event_timeline where {window} "
        "and event_type = 'price_move' and entity = 'NVDA'",
    ) == [("NVDA −16.97%, −$592.7B", pytest.approx(-0.1697, abs=5e-5))]
    news = {
        r[0]
        for r in query(
            db, f"select distinct entity from marts.fct_event_timeline where {window} and event_type = 'news'"
        )
    }
    assert {"NVDA", "DeepSeek", "META"} <= news
    curated = query(
        db,
        f"select event_date::varchar, entity, source from marts.fct_event_timeline where {window} "
        "and event_type = 'curated' order by 1, 2, 3",
    )
    assert curated == [
        ("2025-01-24", "META", "curated:capex"),
        ("2025-01-26", "DeepSeek", "curated:app_rank"),
        ("2025-01-27", "DeepSeek", "curated:incident"),
        ("2025-01-27", "DeepSeek", "curated:release"),
        ("2025-01-27", "NVDA", "curated:price_move"),
        ("2025-01-27", "NVDA", "curated:statement"),
    ]
    assert query(
        db,
        "select count(*) from (select item_id, entity from marts.fct_news_mentions group by all having count(*) > 1)",
    ) == [(0,)]
