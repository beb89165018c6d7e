"""The live news source: RSS/Atom feeds and Google News searches over HttpClient + feedparser.

Each feed is fetched and parsed on its own: a feed that fails (bad URL, HTTP error, a body
that is no feed, a parser that raises) is reported in `NewsFetchResult.failures` under its
id, and the other feeds still land. A 304 is not a failure (`not_modified`). Validators are
stored only for feeds that were read.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from dagster_project.config.source_config import DEFAULT_GOOGLE_NEWS_BASE, FeedConfig, check_url
from dagster_project.sources.http import HttpClient, HttpError, HttpResponse
from dagster_project.sources.news.feed_state import FeedStateStore
from dagster_project.sources.news.feeds import feed_url
from dagster_project.sources.news.identity import count_by_feed, split_duplicates
from dagster_project.sources.news.normalise import NormalisedFeed
from dagster_project.sources.news.parse import read_feed
from dagster_project.sources.news.schema import NewsFetchResult, empty_news

log = logging.getLogger(__name__)


def describe_drops(reasons: dict[str, int]) -> str:
    return ", ".join(f"{n} entr{'y' if n == 1 else 'ies'} ({why})" for why, n in reasons.items())


class LiveNewsSource:
    """RSS/Atom feeds and Google News searches over HttpClient + feedparser."""

    name = "feeds"

    def __init__(
        self, client: HttpClient, state: FeedStateStore | None = None, google_news_base: str = DEFAULT_GOOGLE_NEWS_BASE
    ):
        self.client = client
        self.state = state
        self.google_news_base = check_url(google_news_base.rstrip("/"))

    def feed_url(self, feed: FeedConfig, start: dt.date, end: dt.date) -> str:
        return feed_url(feed, start, end, self.google_news_base)

    def fetch(self, feeds: list[FeedConfig], start: dt.date, end: dt.date) -> NewsFetchResult:
        frames: list[pd.DataFrame] = []
        result = NewsFetchResult(items=empty_news())
        # one instant for the whole run: which feed's copy of an item wins must not depend on
        # the order the feeds are fetched in (identity.py)
        fetched_at = pd.Timestamp.now(tz="UTC")
        for feed in feeds:
            try:
                url = self.feed_url(feed, start, end)
            except ValueError as exc:
                result.failures[feed.id] = f"feed {feed.id}: {exc}"
                continue
            etag, last_modified = self.state.get(url) if self.state else (None, None)
            try:
                response = self.client.get(url, etag=etag, last_modified=last_modified)
            except HttpError as exc:
                log.warning("feed %s: %s", feed.id, exc)
                result.failures[feed.id] = f"feed {feed.id}: {exc}"
                continue
            if response.status == 304:
                log.info("feed %s unchanged since the last run (HTTP 304): %s", feed.id, url)
                result.not_modified.append(feed.id)
                continue
            try:
                frame, dropped = self._parse(feed, url, response, fetched_at)
            except ValueError as exc:  # UnreadableFeed, whatever the parser raised
                log.warning("%s", exc)
                result.failures[feed.id] = str(exc)
                continue
            if dropped:
                result.dropped[feed.id] = dict(dropped)
            frames.append(frame)
            if self.state:
                self.state.set(url, response.etag, response.last_modified)
        if self.state:
            self.state.save()
        non_empty = [f for f in frames if not f.empty]
        if non_empty:
            result.items, duplicates = split_duplicates(pd.concat(non_empty, ignore_index=True))
            for feed_id, reasons in count_by_feed(duplicates).items():
                counts = result.dropped.setdefault(feed_id, {})
                for reason, n in reasons.items():
                    counts[reason] = counts.get(reason, 0) + n
        for feed_id, reasons in result.dropped.items():
            log.warning("feed %s: dropped %s", feed_id, describe_drops(reasons))
        return result

    def _parse(self, feed: FeedConfig, url: str, response: HttpResponse, fetched_at=None) -> NormalisedFeed:
        # the seam bench/feed_parsing.py times: everything after the bytes have arrived
        return read_feed(feed, url, response, fetched_at)
