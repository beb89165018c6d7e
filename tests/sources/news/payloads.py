"""RSS/Atom payload builders and a live news source over a local HTTP server, for the news tests
(also used by the reliability suite).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import feedparser
import pandas as pd
import pyarrow as pa
import pytest

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.http import HttpClient
from dagster_project.sources.news import NEWS_COLUMNS, NEWS_SCHEMA
from dagster_project.sources.news.feed_state import FeedStateStore
from dagster_project.sources.news.live import LiveNewsSource
from tests.conftest import SHARED_REFERENCE

FETCHED = pd.Timestamp("2025-01-28T06:00:00Z")


JAN27, JAN28 = dt.date(2025, 1, 27), dt.date(2025, 1, 28)


RSS_TYPE = "application/rss+xml; charset=utf-8"


def assert_news_schema(items: pd.DataFrame) -> None:
    """What the lake writer needs: exactly NEWS_COLUMNS, instants as UTC microseconds, and a
    lossless conversion to NEWS_SCHEMA."""
    assert list(items.columns) == NEWS_COLUMNS
    for column in ("published_at", "fetched_at"):
        assert str(items[column].dtype) == "datetime64[us, UTC]", column
    table = pa.Table.from_pandas(items, schema=NEWS_SCHEMA, preserve_index=False)
    assert table.schema.equals(NEWS_SCHEMA)
    assert table.num_rows == len(items)


def reference_file(name: str) -> Path:
    path = SHARED_REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    return path


def parse(payload: bytes | str, **headers) -> feedparser.FeedParserDict:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return feedparser.parse(io.BytesIO(data), response_headers=headers or None)


def rss(items: str, title: str = "Example Feed", extra: str = "", encoding: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.com/</link>{extra}\n{items}\n</channel></rss>"
    )


def item(
    title: str,
    link: str | None = None,
    guid: str | None = None,
    date: str | None = "Mon, 27 Jan 2025 14:30:00 GMT",
    description: str | None = None,
    more: str = "",
) -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description is not None:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + more + "</item>"


GOOGLE_NEWS_FEED = rss(
    title='"Nvidia DeepSeek" - Google News',
    extra="<generator>NFE/5.0</generator>",
    items="".join(
        [
            item(
                "Nvidia shares sink as DeepSeek rattles AI investors - Reuters",
                link="https://news.google.com/rss/articles/CBMiAAA?oc=5",
                guid="CBMiAAA",
                date="Mon, 27 Jan 2025 21:05:00 GMT",
                description='&lt;a href="https://news.google.com/rss/articles/CBMiAAA?oc=5" target="_blank"&gt;Nvidia shares '
                'sink as DeepSeek rattles AI investors&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;'
                "Reuters&lt;/font&gt;",
                more='<source url="https://www.reuters.com">Reuters</source>',
            ),
            # outlet in <source> differs from a " - " inside the headline itself: keep the headline intact
            item(
                "DeepSeek - the app that topped the App Store - Financial Times",
                link="https://news.google.com/rss/articles/CBMiBBB?oc=5",
                guid="CBMiBBB",
                date="Tue, 28 Jan 2025 08:00:00 GMT",
                more='<source url="https://www.ft.com">Financial Times</source>',
            ),
            # no <source>: the " - Outlet" suffix is the only hint
            item(
                "Meta defends AI spending after DeepSeek shock - CNBC",
                link="https://news.google.com/rss/articles/CBMiCCC?oc=5",
                guid="CBMiCCC",
                date="Tue, 28 Jan 2025 15:00:00 GMT",
            ),
        ]
    ),
)


def make_source(tmp_path=None, **kwargs) -> LiveNewsSource:
    client = HttpClient(connect_timeout_s=2, read_timeout_s=2, attempts=1, sleep=lambda s: None)
    state = FeedStateStore(tmp_path / "feed_state.json") if tmp_path is not None else None
    return LiveNewsSource(client, state, **kwargs)


def serve(httpserver, path: str, body: bytes | str, content_type: str = RSS_TYPE, **headers):
    httpserver.expect_request(path).respond_with_data(body, content_type=content_type, headers=headers)
    return FeedConfig(path.strip("/").replace("/", "_").replace(".", "_"), "rss", url=httpserver.url_for(path))
