"""One feed's response -> its rows, or an UnreadableFeed naming the feed and its URL.

feedparser wire-format quirks handled here and nowhere else:
- feedparser has no timeout, so bytes are fetched with `HttpClient` (see live.py) and handed
  to `feedparser.parse` wrapped in `io.BytesIO`: given plain bytes or str, feedparser tries
  `open(data)` first, so a response body that happens to be a local path (b"/etc/passwd")
  would be read from the local disk.
- The HTTP headers are passed on (`response_headers`) so the declared charset is honoured;
  `content-location` is set to the feed URL so relative item links become absolute.
  With response headers but no XML Content-Type, feedparser sets `bozo` (NonXMLContentType)
  even for a perfect feed: that one is logged at INFO, not WARNING.
- `bozo` with entries is a warning (items kept); `bozo` without entries is a failure of
  that feed. A body that feedparser does not recognise as any feed (an HTML consent or
  "unusual traffic" page, an empty body) comes back with bozo=0, no entries and an empty
  `version`: that is a failure too, not a silent empty feed.
- A wrong declared encoding (bytes in windows-1252 declared UTF-8) is repaired by
  feedparser and reported as bozo CharacterEncodingOverride: a warning.
- feedparser's HTML sanitiser and relative-URI rewriting of *content* are off: sanitise.py
  strips all markup anyway, and feedparser runs them over the whole untruncated value (about
  10 us per character: 1.6 s for one 160 kB summary). Item links are still made absolute.
- feedparser does not always report a malformed feed as bozo: some bodies make it raise
  (KeyError 'where' for a GeoRSS <gml:pos> outside <georss:where>, TypeError on others).
  Whatever it raises is that feed's failure, never the run's.
"""

from __future__ import annotations

import io
import logging

import feedparser
import pandas as pd

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.http import HttpResponse
from dagster_project.sources.news.normalise import NormalisedFeed, normalise_feed

log = logging.getLogger(__name__)

MESSAGE_MAX_CHARS = 400  # a parser's exception text can quote a whole document


class UnreadableFeed(ValueError):
    """A response that gives no usable feed; the message names the feed and its URL."""


def read_feed(feed: FeedConfig, url: str, response: HttpResponse, fetched_at=None) -> NormalisedFeed:
    """The rows of one feed's response, stamped `fetched_at` (default: now). Raises
    UnreadableFeed when the body is not a readable feed, and also when feedparser or the
    normalisation raise anything at all: the caller isolates feeds by catching that one
    exception."""
    try:
        parsed = parse_body(feed, url, response)
        return normalise_feed(
            feed.id,
            parsed,
            pd.Timestamp.now(tz="UTC") if fetched_at is None else fetched_at,
            feed.publisher,
            google_news=True if feed.kind == "google_news" else None,
        )
    except UnreadableFeed:
        raise
    except Exception as exc:  # noqa: BLE001 - a third-party parser crash fails this feed only
        log.debug("feed %s (%s): parsing raised", feed.id, url, exc_info=True)
        message = f"feed {feed.id} ({url}) could not be parsed: {type(exc).__name__}: {exc}"
        raise UnreadableFeed(message[:MESSAGE_MAX_CHARS]) from exc


def parse_body(feed: FeedConfig, url: str, response: HttpResponse) -> feedparser.FeedParserDict:
    """feedparser's reading of the body; UnreadableFeed when it found no feed in it."""
    headers = dict(response.headers)
    headers.setdefault("content-location", url)
    # BytesIO, never bytes: feedparser would first try open(body) as a local file name.
    parsed = feedparser.parse(
        io.BytesIO(response.body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not entries:
        raise UnreadableFeed(f"feed {feed.id} ({url}) is not a readable feed: {type(problem).__name__}: {problem}")
    if not entries and not parsed.get("version"):
        raise UnreadableFeed(
            f"feed {feed.id} ({url}) did not return an RSS or Atom document "
            f"({len(response.body)} bytes, content-type "
            f"{headers.get('content-type', 'unknown')!r})"
        )
    if parsed.get("bozo"):
        level = logging.INFO if isinstance(problem, feedparser.NonXMLContentType) else logging.WARNING
        log.log(
            level,
            "feed %s (%s) is malformed but has %d entries; keeping them: %s: %s",
            feed.id,
            url,
            len(entries),
            type(problem).__name__,
            problem,
        )
    return parsed
