"""Where a configured feed is fetched from: its own URL, or a dated Google News search."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from dagster_project.config.source_config import DEFAULT_GOOGLE_NEWS_BASE, FeedConfig, check_url


def google_news_url(query: str, start: dt.date, end: dt.date, base: str = DEFAULT_GOOGLE_NEWS_BASE) -> str:
    """Google News RSS search for `query` published in [start, end] (inclusive): `before:`
    is exclusive, so it is end + 1 day. A dated search lets a backfill fetch history."""
    if end < start:
        raise ValueError(f"google_news_url: end {end} is before start {start}")
    base = check_url(base.rstrip("/"))
    q = f"{query} after:{start.isoformat()} before:{(end + dt.timedelta(days=1)).isoformat()}"
    params = urlencode({"q": q, "hl": "en-US", "gl": "US", "ceid": "US:en"}, quote_via=quote)
    return f"{base}/rss/search?{params}"


def feed_url(feed: FeedConfig, start: dt.date, end: dt.date, google_news_base: str = DEFAULT_GOOGLE_NEWS_BASE) -> str:
    """The URL to fetch for `feed`; raises ValueError for a URL that is not http(s)."""
    if feed.kind == "google_news":
        return google_news_url(feed.query or "", start, end, google_news_base)
    return check_url(feed.url or "")
