"""news_items: per-day files that only grow, isolated feed failures, checks that gate dbt."""

import dataclasses

import pandas as pd

from dagster_project.config.watchlist import load_watchlist
from dagster_project.definitions import build_definitions
from dagster_project.resources import sources_for
from dagster_project.sources.news import NewsFetchResult, news_frame
from tests.pipeline import check_results, query, run_pipeline, step_outcomes


def item(item_id, title, published_at, feed_id="gn_deepseek"):
    return {
        "feed_id": feed_id,
        "item_id": item_id,
        "url": f"https://example.test/{item_id}",
        "title": title,
        "publisher": "Example Wire",
        "published_at": pd.Timestamp(published_at, tz="UTC").to_pydatetime(),
        "summary": None,
        "fetched_at": pd.Timestamp("2025-01-28T06:00:00Z").to_pydatetime(),
    }


class ScriptedNews:
    """A live-mode news source whose answers the test scripts (synthetic items)."""

    name = "scripted"

    def __init__(self, answers):
        self.answers = list(answers)

    def fetch(self, feeds, start, end):
        return self.answers.pop(0)


def with_news(settings, answers):
    sources = dataclasses.replace(sources_for(settings), news=ScriptedNews(answers), mode="live")
    return build_definitions(settings, sources=sources)


def test_case_study_news_lands_per_day_and_rerun_is_identical(replay_settings):
    defs = build_definitions(replay_settings)
    assert run_pipeline(defs, "2025-01-27", "2025-01-28", job="news_pipeline").success
    first = query(replay_settings.analytics_db, "select * from staging.stg_news_items order by item_id")
    assert run_pipeline(defs, "2025-01-27", "2025-01-28", job="news_pipeline").success
    second = query(replay_settings.analytics_db, "select * from staging.stg_news_items order by item_id")
    assert first == second and len(first) > 0
    days = query(
        replay_settings.analytics_db, "select distinct published_date::varchar from staging.stg_news_items order by 1"
    )
    assert days == [("2025-01-27",), ("2025-01-28",)]
    files = sorted(
        p.parent.name for p in (replay_settings.lake_dir / "news_items").glob("published_date=*/data.parquet")
    )
    assert files == ["published_date=2025-01-27", "published_date=2025-01-28"]


def test_one_failing_feed_is_reported_and_the_others_land(replay_settings):
    answer = NewsFetchResult(
        items=news_frame([item("a1", "DeepSeek tops the charts", "2025-01-27T09:00:00Z")]),
        failures={"yahoo_nvda": "GET https://feeds.example/nvda failed: HTTP 503"},
    )
    result = run_pipeline(with_news(replay_settings, [answer]), "2025-01-27", "2025-01-27", job="news_pipeline")
    assert result.success  # a warning, not a blocker
    checks = check_results(result)
    assert not checks["all_feeds_fetched"].passed
    assert "yahoo_nvda" in checks["all_feeds_fetched"].metadata["failures"].value
    assert query(replay_settings.analytics_db, "select item_id, entity from marts.fct_news_mentions") == [
        ("a1", "DeepSeek")
    ]


def test_items_seen_earlier_are_kept_when_they_leave_the_feed(replay_settings):
    first = NewsFetchResult(items=news_frame([item("a1", "DeepSeek tops the charts", "2025-01-27T09:00:00Z")]))
    later = NewsFetchResult(
        items=news_frame([item("a2", "Nvidia answers DeepSeek", "2025-01-27T20:00:00Z")]), not_modified=[]
    )
    defs = with_news(replay_settings, [first, later])
    assert run_pipeline(defs, "2025-01-27", "2025-01-27", job="news_pipeline", only=["news_items"]).success
    assert run_pipeline(defs, "2025-01-27", "2025-01-27", job="news_pipeline").success
    assert query(replay_settings.analytics_db, "select item_id from staging.stg_news_items order by 1") == [
        ("a1",),
        ("a2",),
    ]


def test_every_feed_failing_fails_the_run_and_keeps_the_previous_file(replay_settings):
    good = NewsFetchResult(items=news_frame([item("a1", "DeepSeek tops the charts", "2025-01-27T09:00:00Z")]))
    feeds = load_watchlist(replay_settings.watchlist_path).feeds
    broken = NewsFetchResult(items=news_frame([]), failures={f.id: "HTTP 500" for f in feeds})
    defs = with_news(replay_settings, [good, broken])
    assert run_pipeline(defs, "2025-01-27", "2025-01-27", job="news_pipeline", only=["news_items"]).success
    path = replay_settings.lake_dir / "news_items" / "published_date=2025-01-27" / "data.parquet"
    before = path.read_bytes()
    result = run_pipeline(defs, "2025-01-27", "2025-01-27", job="news_pipeline")
    assert not result.success
    assert step_outcomes(result)["news_items"] == "failure"
    assert path.read_bytes() == before


def test_items_dated_in_the_future_are_quarantined(replay_settings):
    answer = NewsFetchResult(
        items=news_frame(
            [
                item("ok", "DeepSeek tops the charts", "2025-01-27T09:00:00Z"),
                item("future", "Nvidia in 2099", "2099-01-01T00:00:00Z"),
            ]
        )
    )
    result = run_pipeline(with_news(replay_settings, [answer]), "2025-01-27", "2025-01-27", job="news_pipeline")
    assert result.success
    quarantined = pd.concat(
        pd.read_parquet(p) for p in (replay_settings.quarantine_dir / "news_items").glob("*.parquet")
    )
    assert quarantined[["item_id", "reason"]].values.tolist() == [["future", "published more than a day in the future"]]
    assert query(replay_settings.analytics_db, "select item_id from staging.stg_news_items") == [("ok",)]


def test_a_title_of_invisible_characters_fails_title_not_empty():
    # #13: the check used str.strip(), which keeps zero-width characters
    from dagster_project.assets.news import _news_checks

    stored = news_frame(
        [item("a1", "\u200b\u200d\ufeff", "2025-01-27T09:00:00Z"), item("a2", "Fine", "2025-01-27T10:00:00Z")]
    )
    checks = {c.check_name: c for c in _news_checks(stored, {}, pd.Timestamp("2025-01-28T00:00:00Z"))}
    assert not checks["title_not_empty"].passed
    assert checks["title_not_empty"].metadata["sample"].value == ["a1"]
