"""News items: the raw schema, the NewsSource interface, the live
RSS/Atom adapter (HttpClient + feedparser) and the case-study replay source. What to fetch
(FeedConfig) is validated configuration, from dagster_project.config.

Wire-format quirks handled here and nowhere else:
- feedparser has no timeout, so bytes are fetched with `HttpClient` (timeouts, size cap,
  retries, conditional GET) and handed to `feedparser.parse` wrapped in `io.BytesIO`:
  given plain bytes or str, feedparser tries `open(data)` first, so a response body that
  happens to be a local path (b"/etc/passwd") would be read from the local disk.
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
- feedparser returns `*_parsed` times as UTC struct_time (offsets already applied).
  Atom entries often have only `updated`; feedparser 6 no longer copies it to `published`,
  so we fall back explicitly.
- RSS items without <guid> have no `id`: item_id falls back to the link, then to a SHA-1
  of title + link (stable across runs).
- Google News: item titles end in " - <Outlet>" and the outlet is also in
  `<source url=...>Outlet</source>` (feedparser: `entry.source.title`). The <source> text
  wins; the suffix is stripped from the title. Item links are news.google.com redirect URLs.
- feedparser sanitises HTML (drops <script>/<style> with their content); we still strip
  all markup ourselves so title and summary are plain text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import io
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote, urlencode, urlsplit

import feedparser
import pandas as pd
import pyarrow as pa

from dagster_project.config.source_config import DEFAULT_GOOGLE_NEWS_BASE, FeedConfig, check_url
from dagster_project.sources.http import HttpClient, HttpError

log = logging.getLogger(__name__)

SUMMARY_MAX_CHARS = 2000
TITLE_MAX_CHARS = 1000

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


def google_news_url(query: str, start: dt.date, end: dt.date, base: str = DEFAULT_GOOGLE_NEWS_BASE) -> str:
    """Google News RSS search for `query` published in [start, end] (inclusive): `before:`
    is exclusive, so it is end + 1 day. A dated search lets a backfill fetch history."""
    if end < start:
        raise ValueError(f"google_news_url: end {end} is before start {start}")
    base = check_url(base.rstrip("/"))
    q = f"{query} after:{start.isoformat()} before:{(end + dt.timedelta(days=1)).isoformat()}"
    params = urlencode({"q": q, "hl": "en-US", "gl": "US", "ceid": "US:en"}, quote_via=quote)
    return f"{base}/rss/search?{params}"


# --------------------------------------------------------------------------- normalisation


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "template", "noscript"}
    _BREAKS = {
        "br",
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "table",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip_depth:
            self.parts.append(data)


# HTML elements (and comments) as they appear in text after one unescape: a feed that escaped
# its markup twice (`&amp;lt;script&amp;gt;`) gives "<script>…</script>" as *text*. That is
# still markup and is stripped too, as is any tag with an attribute (`<x onfocus=…>`); a "<"
# that opens no HTML element ("AT&T < Verizon", "<done>") is text and stays.
_HTML_MARKUP = re.compile(
    r"<(?:!--|!\[CDATA\[|/?(?:a|abbr|applet|area|article|aside|audio|b|base|bdi|bdo|big|blink|blockquote|body|br|"
    r"button|canvas|caption|center|cite|code|col|colgroup|data|dd|del|details|dfn|dialog|div|dl|dt|em|embed|"
    r"fieldset|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    r"ins|kbd|label|legend|li|link|main|map|mark|marquee|math|meta|meter|nav|noscript|object|ol|optgroup|"
    r"option|output|p|param|picture|pre|progress|q|s|samp|script|section|select|slot|small|source|span|strike|"
    r"strong|style|sub|summary|sup|svg|table|tbody|td|template|textarea|tfoot|th|thead|time|title|tr|track|tt|"
    r"u|ul|var|video|wbr|xmp)(?=[\s/>]|$)|[a-z][\w:.-]*\s[^<>]*=)[^>]*>?",
    re.IGNORECASE,
)


# C0/C1 control characters that are not whitespace (NUL, the ESC of terminal escape sequences,
# DEL, ...): feedparser's lenient parser passes them through; they are no text an analyst should
# see (or a terminal should run). Whitespace controls are collapsed with the other whitespace.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def _extract_text(value: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(value)
        parser.close()
        return "".join(parser.parts)
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; fall back to a crude strip
        return html.unescape(re.sub(r"<[^>]*>", " ", value))


def html_to_text(value: str | None, max_chars: int | None = None) -> str:
    """Markup -> plain text: no tags, no script/style content, entities unescaped, control
    characters dropped, whitespace collapsed, at most `max_chars` characters (cut with an
    ellipsis). Markup escaped more than once is markup too (see _HTML_MARKUP)."""
    if not value:
        return ""
    text = _extract_text(str(value))
    for _ in range(3):
        if not _HTML_MARKUP.search(text):
            break
        text = _extract_text(text)
    text = _HTML_MARKUP.sub(" ", text)  # whatever is left, e.g. an unclosed "<img src=x onerror=…"
    text = _CONTROL.sub("", text)
    text = re.sub(r"\s+", " ", text).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


class NormalisedFeed(NamedTuple):
    items: pd.DataFrame
    dropped: dict[str, int]  # reason -> number of entries dropped for it


def empty_news() -> pd.DataFrame:
    return NEWS_SCHEMA.empty_table().to_pandas()


def news_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts with NEWS_COLUMNS) -> a frame with exactly NEWS_SCHEMA's types."""
    if not rows:
        return empty_news()
    return pa.Table.from_pylist(rows, schema=NEWS_SCHEMA).to_pandas()


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


# --------------------------------------------------------------------------- the interface


@dataclass
class NewsFetchResult:
    items: pd.DataFrame  # NEWS_COLUMNS, deduplicated across feeds; not filtered by date
    failures: dict[str, str] = field(default_factory=dict)  # feed_id -> why it failed
    not_modified: list[str] = field(default_factory=list)  # feed ids answered 304
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)  # feed_id -> reason -> count


class NewsSource(Protocol):
    name: str

    def fetch(self, feeds: list[FeedConfig], start: dt.date, end: dt.date) -> NewsFetchResult:
        """Items of `feeds` (a Google News query is searched within [start, end])."""


class FeedStateStore:
    """ETag / Last-Modified per feed URL, kept between runs in a small JSON file.

    A cache: an unreadable file is logged and treated as empty. Written atomically
    (temp file in the same folder, then os.replace).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._state: dict[str, dict[str, str]] = self._load()

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("feed state %s is unreadable (%s); starting without validators", self.path, exc)
            return {}
        if not isinstance(data, dict):
            log.warning("feed state %s is not a JSON object; starting without validators", self.path)
            return {}
        return {
            str(k): {kk: str(vv) for kk, vv in v.items() if kk in ("etag", "last_modified") and vv}
            for k, v in data.items()
            if isinstance(v, dict)
        }

    def get(self, url: str) -> tuple[str | None, str | None]:
        entry = self._state.get(url, {})
        return entry.get("etag"), entry.get("last_modified")

    def set(self, url: str, etag: str | None, last_modified: str | None) -> None:
        entry = {k: v for k, v in (("etag", etag), ("last_modified", last_modified)) if v}
        if entry:
            self._state[url] = entry
        else:
            self._state.pop(url, None)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._state, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# --------------------------------------------------------------------------- live


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
        if feed.kind == "google_news":
            return google_news_url(feed.query or "", start, end, self.google_news_base)
        return check_url(feed.url or "")

    def fetch(self, feeds: list[FeedConfig], start: dt.date, end: dt.date) -> NewsFetchResult:
        frames: list[pd.DataFrame] = []
        result = NewsFetchResult(items=empty_news())
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
                frame, dropped = self._parse(feed, url, response)
            except ValueError as exc:
                log.warning("%s", exc)
                result.failures[feed.id] = str(exc)
                continue
            if dropped:
                result.dropped[feed.id] = dropped
                log.warning(
                    "feed %s: dropped %s",
                    feed.id,
                    ", ".join(f"{n} entr{'y' if n == 1 else 'ies'} ({why})" for why, n in dropped.items()),
                )
            frames.append(frame)
            if self.state:
                self.state.set(url, response.etag, response.last_modified)
        if self.state:
            self.state.save()
        non_empty = [f for f in frames if not f.empty]
        if non_empty:
            result.items = dedupe_items(pd.concat(non_empty, ignore_index=True))
        return result

    def _parse(self, feed: FeedConfig, url: str, response) -> NormalisedFeed:
        headers = dict(response.headers)
        headers.setdefault("content-location", url)
        # BytesIO, never bytes: feedparser would first try open(body) as a local file name.
        parsed = feedparser.parse(io.BytesIO(response.body), response_headers=headers)
        entries = parsed.get("entries") or []
        problem = parsed.get("bozo_exception")
        if parsed.get("bozo") and not entries:
            raise ValueError(f"feed {feed.id} ({url}) is not a readable feed: {type(problem).__name__}: {problem}")
        if not entries and not parsed.get("version"):
            raise ValueError(
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
        return normalise_feed(
            feed.id,
            parsed,
            pd.Timestamp.now(tz="UTC"),
            feed.publisher,
            google_news=True if feed.kind == "google_news" else None,
        )


# --------------------------------------------------------------------------- replay


class CaseStudyNewsSource:
    """The bundled case-study items (case_study/news_items.csv), filtered to [start, end] by
    the UTC date of published_at. The configured feeds are not consulted: the bundle is its
    own feed (feed_id `case_study_reports`)."""

    name = "case_study"
    CSV_COLUMNS = ["feed_id", "item_id", "url", "title", "publisher", "published_at", "summary"]

    def __init__(self, case_study_dir: Path):
        self.path = Path(case_study_dir) / "news_items.csv"

    @cached_property
    def _items(self) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(f"case-study news items not found at {self.path}")
        frame = pd.read_csv(self.path, dtype=str, keep_default_na=False)
        missing = [c for c in self.CSV_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.path}: missing column(s) {missing}")
        frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True, format="ISO8601")
        return frame

    def fetch(self, feeds: list[FeedConfig], start: dt.date, end: dt.date) -> NewsFetchResult:
        items = self._items
        day = items["published_at"].dt.date
        chosen = items[(day >= start) & (day <= end)]
        fetched = pd.Timestamp.now(tz="UTC").to_pydatetime()
        rows = [
            {
                "feed_id": r.feed_id,
                "item_id": r.item_id,
                "url": r.url or None,
                "title": r.title,
                "publisher": r.publisher or None,
                "published_at": r.published_at.to_pydatetime(),
                "summary": r.summary or None,
                "fetched_at": fetched,
            }
            for r in chosen.itertuples(index=False)
        ]
        return NewsFetchResult(items=news_frame(rows))
