"""Parsed feed entries -> rows in NEWS_COLUMNS.

- Text fields are read by their declared type (sanitise.field_text): plain text is unescaped,
  markup is stripped; both are capped before they are read.
- Times come from the raw date strings (dates.py): zones by name, unknown zones and dates
  outside a sane range are the entry's drop reason, never a silent UTC.
- item_id and "the same item" are identity.py's one rule; duplicates are dropped and counted.
- Google News: item titles end in " - <Outlet>" and the outlet is also in
  `<source url=...>Outlet</source>` (feedparser: `entry.source.title`). The <source> text
  wins; the suffix is stripped from the title. Item links are news.google.com redirect URLs.
Every entry is either a row or counted in `dropped` under a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import feedparser
import pandas as pd

from dagster_project.config.source_config import check_url
from dagster_project.sources.news.dates import Unknown, entry_published
from dagster_project.sources.news.identity import count_reasons, news_item_id, split_duplicates
from dagster_project.sources.news.sanitise import field_text
from dagster_project.sources.news.schema import news_frame
from dagster_project.sources.text import INVISIBLE

SUMMARY_MAX_CHARS = 2000
TITLE_MAX_CHARS = 1000
PUBLISHER_MAX_CHARS = 200
URL_MAX_CHARS = 2048
EMPTY_TITLE = "empty title"


class NormalisedFeed(NamedTuple):
    items: pd.DataFrame
    dropped: dict[str, int]  # reason -> number of entries dropped for it


def _utc(value) -> dt.datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _is_google_news(parsed) -> bool:
    feed = parsed.get("feed", {}) or {}
    generator = str(feed.get("generator") or "")
    link_host = urlsplit(str(feed.get("link") or "")).netloc.lower()
    title = str(feed.get("title") or "")
    return generator.startswith("NFE/") or link_host == "news.google.com" or title.endswith("- Google News")


def _http_url(value: str | None) -> str | None:
    value = (value or "").strip()
    # a URL holds no whitespace and no control or invisible character: such a "link" is broken
    # or hostile, never one to hand an analyst
    if not value or len(value) > URL_MAX_CHARS or re.search(r"\s", value) or INVISIBLE.search(value):
        return None
    try:
        return check_url(value)
    except ValueError:
        return None  # javascript:, data:, relative leftovers: never hand analysts a non-web link


def _declares_types(parsed) -> bool:
    """Atom and JSON Feed declare a field's type; in RSS feedparser guesses it."""
    return str(parsed.get("version") or "").startswith(("atom", "json"))


def _text(node, key: str, max_chars: int, declared: bool) -> str:
    """node[key] as text, read by node[key + '_detail'].type."""
    if not isinstance(node, dict):
        return ""
    return field_text(node.get(key), node.get(f"{key}_detail"), max_chars, declared=declared)


def _summary(entry, declared: bool) -> str:
    if entry.get("summary"):
        return _text(entry, "summary", SUMMARY_MAX_CHARS, declared)
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return field_text(content[0].get("value"), content[0], SUMMARY_MAX_CHARS, declared=declared)
    return ""


def normalise_feed(
    feed_id: str,
    parsed: feedparser.FeedParserDict,
    fetched_at,
    default_publisher: str | None = None,
    *,
    google_news: bool | None = None,
) -> NormalisedFeed:
    """One parsed feed -> rows in NEWS_COLUMNS, plus the count of dropped entries by reason.

    `google_news` says whether " - Outlet" title suffixes are Google News outlet names;
    None detects it from the feed (generator NFE/…, link on news.google.com).
    """
    fetched = _utc(fetched_at)
    if google_news is None:
        google_news = _is_google_news(parsed)
    declared = _declares_types(parsed)
    feed_title = _text(parsed.get("feed") or {}, "title", PUBLISHER_MAX_CHARS, declared) or None
    rows: list[dict[str, Any]] = []
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    for entry in parsed.get("entries", []):
        if not isinstance(entry, dict):
            drop("not an entry")
            continue
        title = _text(entry, "title", TITLE_MAX_CHARS, declared)
        link = str(entry.get("link") or "").strip()
        outlet = _text(entry.get("source"), "title", PUBLISHER_MAX_CHARS, declared)
        if outlet and title.endswith(f" - {outlet}"):
            title = title[: -len(f" - {outlet}")].rstrip()
        elif google_news and not outlet and " - " in title:
            head, _, tail = title.rpartition(" - ")
            if head.strip() and tail.strip():
                title, outlet = head.strip(), tail.strip()
        if not title:
            drop(EMPTY_TITLE)
            continue
        published = entry_published(entry)
        if isinstance(published, Unknown):
            drop(str(published))
            continue
        rows.append(
            {
                "feed_id": feed_id,
                "item_id": news_item_id(entry.get("id"), link, title),
                "url": _http_url(link),
                "title": title,
                "publisher": outlet or default_publisher or feed_title,
                "published_at": published,
                "summary": _summary(entry, declared) or None,
                "fetched_at": fetched,
            }
        )
    items, duplicates = split_duplicates(news_frame(rows))
    for reason, n in count_reasons(duplicates).items():
        dropped[reason] = dropped.get(reason, 0) + n
    return NormalisedFeed(items, dropped)
