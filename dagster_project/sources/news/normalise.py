"""Parsed feed entries -> rows in NEWS_COLUMNS, and de-duplication across feeds.

- feedparser returns `*_parsed` times as UTC struct_time (offsets already applied).
  Atom entries often have only `updated`; feedparser 6 no longer copies it to `published`,
  so we fall back explicitly.
- RSS items without <guid> have no `id`: item_id falls back to the link, then to a SHA-1
  of title + link (stable across runs).
- Google News: item titles end in " - <Outlet>" and the outlet is also in
  `<source url=...>Outlet</source>` (feedparser: `entry.source.title`). The <source> text
  wins; the suffix is stripped from the title. Item links are news.google.com redirect URLs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import feedparser
import pandas as pd

from dagster_project.config.source_config import check_url
from dagster_project.sources.news.sanitise import html_to_text
from dagster_project.sources.news.schema import news_frame

SUMMARY_MAX_CHARS = 2000
TITLE_MAX_CHARS = 1000


class NormalisedFeed(NamedTuple):
    items: pd.DataFrame
    dropped: dict[str, int]  # reason -> number of entries dropped for it


def _utc(value) -> dt.datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _struct_to_utc(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _is_google_news(parsed) -> bool:
    feed = parsed.get("feed", {}) or {}
    generator = str(feed.get("generator") or "")
    link_host = urlsplit(str(feed.get("link") or "")).netloc.lower()
    title = str(feed.get("title") or "")
    return generator.startswith("NFE/") or link_host == "news.google.com" or title.endswith("- Google News")


def _http_url(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return check_url(value)
    except ValueError:
        return None  # javascript:, data:, relative leftovers: never hand analysts a non-web link


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
    feed_title = html_to_text((parsed.get("feed") or {}).get("title")) or None
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    for entry in parsed.get("entries", []):
        title = html_to_text(entry.get("title"), TITLE_MAX_CHARS)
        link = (entry.get("link") or "").strip()
        source = entry.get("source") or {}
        outlet = html_to_text(source.get("title")) if isinstance(source, dict) else ""
        if outlet and title.endswith(f" - {outlet}"):
            title = title[: -len(f" - {outlet}")].rstrip()
        elif google_news and not outlet and " - " in title:
            head, _, tail = title.rpartition(" - ")
            if head.strip() and tail.strip():
                title, outlet = head.strip(), tail.strip()
        if not title:
            drop("empty title")
            continue
        published = _struct_to_utc(entry.get("published_parsed")) or _struct_to_utc(entry.get("updated_parsed"))
        if published is None:
            drop("no date")
            continue
        item_id = (entry.get("id") or "").strip() or link
        if not item_id:
            raw_title = str(entry.get("title") or "")
            item_id = "sha1:" + hashlib.sha1(f"{raw_title}\n{link}".encode()).hexdigest()
        if item_id in seen:
            drop("duplicate item_id")
            continue
        seen.add(item_id)
        summary = entry.get("summary")
        if not summary and entry.get("content"):
            summary = entry["content"][0].get("value")
        rows.append(
            {
                "feed_id": feed_id,
                "item_id": item_id,
                "url": _http_url(link),
                "title": title,
                "publisher": outlet or default_publisher or feed_title,
                "published_at": published,
                "summary": html_to_text(summary, SUMMARY_MAX_CHARS) or None,
                "fetched_at": fetched,
            }
        )
    return NormalisedFeed(news_frame(rows), dropped)


def dedupe_items(items: pd.DataFrame) -> pd.DataFrame:
    """Keep the first row per item_id, then the first per (non-null) url."""
    if items.empty:
        return items
    items = items.drop_duplicates(subset=["item_id"], keep="first")
    has_url = items["url"].notna()
    repeated_url = has_url & items["url"].duplicated(keep="first")
    return items[~repeated_url].reset_index(drop=True)
