"""News items: the raw schema and the NewsSource interface (re-exported here, so callers need
not know the module layout), with one module per job:

- feeds.py       what URL a configured feed is fetched from (Google News searches);
- parse.py       response bytes -> feedparser result, and when that is a failed feed;
- sanitise.py    feed text -> plain text (markup stripped, plain text unescaped), bounded;
- dates.py       raw date strings -> UTC instants, or why the time is unknown;
- identity.py    the one rule for "the same item" (adapter, lake merge, staging);
- normalise.py   parsed entries -> rows in NEWS_COLUMNS, every drop counted with its reason;
- feed_state.py  ETag / Last-Modified kept between runs;
- live.py        the live RSS/Atom adapter (HttpClient + feedparser);
- replay.py      the case-study replay source.

What to fetch (FeedConfig) is validated configuration, from dagster_project.config.
"""

from dagster_project.sources.news.schema import (
    NEWS_COLUMNS,
    NEWS_SCHEMA,
    NewsFetchResult,
    NewsSource,
    empty_news,
    news_frame,
)

__all__ = ["NEWS_COLUMNS", "NEWS_SCHEMA", "NewsFetchResult", "NewsSource", "empty_news", "news_frame"]
