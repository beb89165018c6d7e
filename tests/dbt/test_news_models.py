"""fct_news_mentions and fct_news_daily on synthetic headlines (made-up items, real aliases)."""

from dagster_project.sources.news import NewsFetchResult, news_frame
from tests.assets.test_news_asset import item, with_news
from tests.pipeline import query, run_pipeline

HEADLINES = [
    ("m1", "Meta raises its AI capex guidance", "2025-01-24T15:00:00Z"),
    ("m2", "New metadata standard for podcast feeds", "2025-01-24T16:00:00Z"),
    ("m3", "Arm Holdings and Micron rally after earnings", "2025-01-24T17:00:00Z"),
    ("m4", "Keeping regulators at arm's length; a 3 micron process", "2025-01-24T18:00:00Z"),
    ("m5", "DEEPSEEK app passes ChatGPT; Nvidia slides", "2025-01-27T14:00:00Z"),
    ("m6", "deepseek-r1 benchmarks, and what they mean for NVDA", "2025-01-27T15:00:00Z"),
]


def test_entities_are_tagged_on_whole_words_with_their_case_rules(replay_settings):
    answer = NewsFetchResult(items=news_frame([item(i, t, p) for i, t, p in HEADLINES]))
    assert run_pipeline(with_news(replay_settings, [answer]), "2025-01-24", "2025-01-27", job="news_pipeline").success
    tags = query(
        replay_settings.analytics_db, "select item_id, entity from marts.fct_news_mentions order by item_id, entity"
    )
    assert tags == [
        ("m1", "META"),
        ("m3", "ARM"),
        ("m3", "MU"),
        ("m5", "ChatGPT"),
        ("m5", "DeepSeek"),
        ("m5", "NVDA"),
        ("m6", "DeepSeek"),
        ("m6", "NVDA"),
    ]
    daily = query(
        replay_settings.analytics_db,
        """select news_date::varchar, article_count from marts.fct_news_daily
                                                   where entity = 'DeepSeek' order by 1""",
    )
    assert daily == [("2025-01-24", 0), ("2025-01-25", 0), ("2025-01-26", 0), ("2025-01-27", 2)]
    spike = query(
        replay_settings.analytics_db,
        """select spike_score from marts.fct_news_daily
                                                   where entity = 'DeepSeek' and news_date = '2025-01-27'""",
    )
    assert spike == [(2.0,)]  # 2 articles against a trailing mean of 0 (std floored at 1)
