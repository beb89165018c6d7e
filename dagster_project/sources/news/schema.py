"""The news interface: the raw schema every news source writes, its result and its protocol."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from dagster_project.config.source_config import FeedConfig

NEWS_COLUMNS = ["feed_id", "item_id", "url", "title", "publisher", "published_at", "summary", "fetched_at"]
NEWS_SCHEMA = pa.schema(
    [
        ("feed_id", pa.string()),
        ("item_id", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("publisher", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("summary", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


def empty_news() -> pd.DataFrame:
    return NEWS_SCHEMA.empty_table().to_pandas()


def news_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts with NEWS_COLUMNS) -> a frame with exactly NEWS_SCHEMA's types."""
    if not rows:
        return empty_news()
    return pa.Table.from_pylist(rows, schema=NEWS_SCHEMA).to_pandas()


@dataclass
class NewsFetchResult:
    items: pd.DataFrame  # NEWS_COLUMNS, one row per item (identity.py) across feeds; not filtered by date
    failures: dict[str, str] = field(default_factory=dict)  # feed_id -> why it failed
    not_modified: list[str] = field(default_factory=list)  # feed ids answered 304
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)  # feed_id -> reason -> count (duplicates too)


class NewsSource(Protocol):
    name: str

    def fetch(self, feeds: list[FeedConfig], start: dt.date, end: dt.date) -> NewsFetchResult:
        """Items of `feeds` (a Google News query is searched within [start, end])."""
