"""Fuzz suite (#13): the feed and chart fixtures of tests/, mutated by Hypothesis (seeded:
`derandomize=True`, the same examples on every run), through the live adapters after the
HTTP fetch. For every mutant:
- no exception escapes the adapter, and the untouched control feed/chart beside it lands;
- every input item is either emitted or counted as dropped with a reason (a feed or chart
  that fails is named in `failures`);
- no control or invisible character in any stored text, and no whole HTML tag in any text
  read from RSS (where no field declares itself plain text; an Atom type="text" field is
  text and keeps what looks like a tag, by design: tests/sources/news/test_hostile_text.py);
- every time is UTC-aware (a time that cannot be known is no row, counted).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.config.source_config import ChartConfig, FeedConfig
from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.http import HttpResponse
from dagster_project.sources.news.live import LiveNewsSource
from dagster_project.sources.news.sanitise import _WHOLE_TAG
from dagster_project.sources.text import INVISIBLE
from tests.corpus.test_corpus import HOSTILE_FEED
from tests.sources.app_charts.payloads import NOW, TODAY, legacy_entry, legacy_payload, v2_payload
from tests.sources.news.payloads import GOOGLE_NEWS_FEED, item, rss

# ~20 s for the feeds and ~5 s for the charts on 2 cores: within make test's budget of ~60 s
FUZZ = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FEED_EXAMPLES, CHART_EXAMPLES = 300, 400

ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Chip Blog</title><id>urn:chipblog</id>
<updated>2025-01-28T10:00:00+01:00</updated>
<entry><id>tag:chipblog,2025:janus-pro</id><title type="html">&lt;em&gt;Janus-Pro&lt;/em&gt; released</title>
<link href="https://chipblog.test/janus-pro"/><updated>2025-01-28T02:30:00+08:00</updated>
<content type="html">&lt;p&gt;DeepSeek&amp;#8217;s new model&lt;br/&gt;generates images.&lt;/p&gt;</content></entry>
<entry><id>tag:chipblog,2025:r1</id><title type="text">R1 &lt;beats&gt; o1</title>
<link href="https://chipblog.test/r1"/><published>2025-01-27T09:00:00 CET</published></entry>
</feed>"""
PUBLISHER_FEED = rss(
    item(
        "Nvidia &lt;NVDA.O&gt; falls",
        link="https://n.test/1",
        guid="1",
        description="&lt;p&gt;Chips &amp;amp; AI&lt;/p&gt;",
    )
    + item("Live: markets", link="https://n.test/live", date="Mon, 27 Jan 2025 09:00:00 EST")
    + item("Live: markets, later", link="https://n.test/live", date="Mon, 27 Jan 2025 10:00:00 JST")
)
FEEDS = [GOOGLE_NEWS_FEED, HOSTILE_FEED, ATOM_FEED, PUBLISHER_FEED]
CONTROL_FEED = rss(item("Control story", link="https://control.test/1", guid="control-1"))

HOSTILE = [
    "<a" * 3000,
    "<!--" * 500,
    "&lt;\x01script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "<![CDATA[<script>x</script>]]>",
    "]]>",
    "\x00\x1b[31m\x7f",
    "\u200b\u200d\ufeff\u202e",
    "&#8203;&#0;&#x1b;",
    "<b>",
    "</width></height>",
    '<georss:point xmlns:georss="http://www.georss.org/georss">1 2</georss:point>',
    '<gml:pos xmlns:gml="http://www.opengis.net/gml">1 2</gml:pos>',
    "</item><item><title>Injected</title><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>",
    "<pubDate>Mon, 27 Jan 2025 14:30:00 XYZ</pubDate>",
    "<pubDate>Thu, 01 Jan 2099 00:00:00 BST</pubDate>",
    "&amp;",
    "&",
    "<",
]
fragment = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))


@st.composite
def mutated_feed(draw) -> bytes:
    text = draw(st.sampled_from(FEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate"]))
        if action == "insert":
            text = text[:at] + draw(fragment) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 60)) :]
        elif action == "duplicate":
            text = text[:at] + text[at : at + draw(st.integers(1, 400))] + text[at:]
        else:
            text = text[: max(at, len(text) // 2)]
    return text.encode("utf-8", "surrogatepass")


class FakeClient:
    def __init__(self, bodies: dict[str, bytes]):
        self.bodies = bodies

    def get(self, url, etag=None, last_modified=None):
        return HttpResponse(url, 200, self.bodies[url], {"content-type": "application/rss+xml"})


def _entries(body: bytes) -> int:
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": "application/rss+xml", "content-location": "https://fuzz.test/feed.xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    return len(parsed.get("entries") or [])


def _assert_stored_text_is_clean(frame, check_tags: bool) -> None:
    for column in ("feed_id", "item_id", "url", "title", "publisher", "summary"):
        for value in frame[column].dropna():
            assert not INVISIBLE.search(value), (column, value)
            if check_tags and column in ("title", "summary", "publisher"):
                assert not _WHOLE_TAG.search(value), (column, value)


@settings(max_examples=FEED_EXAMPLES, **FUZZ)
@given(body=mutated_feed())
def test_a_mutated_feed_never_escapes_or_loses_an_item(body):
    fuzzed = FeedConfig("fuzzed", "rss", url="https://fuzz.test/feed.xml")
    control = FeedConfig("control", "rss", url="https://control.test/feed.xml")
    source = LiveNewsSource(FakeClient({fuzzed.url: body, control.url: CONTROL_FEED.encode()}))

    result = source.fetch([fuzzed, control], dt.date(2025, 1, 27), dt.date(2025, 1, 28))

    items = result.items
    assert list(items.loc[items["feed_id"] == "control", "item_id"]) == ["control-1"]
    assert "control" not in result.failures and "control" not in result.dropped
    if "fuzzed" in result.failures:
        assert result.failures["fuzzed"].startswith("feed fuzzed")
    else:
        emitted = int((items["feed_id"] == "fuzzed").sum())
        assert emitted + sum(result.dropped.get("fuzzed", {}).values()) == _entries(body)
    assert all(reason and n > 0 for reasons in result.dropped.values() for reason, n in reasons.items())
    _assert_stored_text_is_clean(items, check_tags=b"<feed" not in body)
    for column in ("published_at", "fetched_at"):
        assert str(items[column].dtype) == "datetime64[us, UTC]" and items[column].notna().all()


# ----------------------------------------------------------------------------- App Store charts

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | fragment,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*prefix, index))


@st.composite
def mutated_chart(draw) -> tuple[str, bytes, int]:
    grossing = draw(st.booleans())
    payload = (
        legacy_payload([legacy_entry(str(100 + i), f"App {i}", f"Dev {i}", "Games") for i in range(3)])
        if grossing
        else v2_payload(3)
    )
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(payload))[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "text"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "text" and isinstance(parent[path[-1]], str):
            parent[path[-1]] = draw(fragment) + parent[path[-1]] + draw(fragment)
        else:
            parent[path[-1]] = draw(json_value)
    body = json.dumps(payload).encode()
    if draw(st.integers(0, 9)) == 0:
        body = draw(st.sampled_from([b"[" * 100_000, body[: len(body) // 2], b"\xff" + body]))
    entries = payload.get("feed", {}) if isinstance(payload.get("feed"), dict) else {}
    listed = entries.get("entry" if grossing else "results")
    count = len(listed) if isinstance(listed, list) else (1 if isinstance(listed, dict) else 0)
    return ("top-grossing" if grossing else "top-free"), body, count


@settings(max_examples=CHART_EXAMPLES, **FUZZ)
@given(case=mutated_chart())
def test_a_mutated_chart_never_escapes_and_never_stores_bad_text(case):
    chart_name, body, entries = case
    fuzzed, control = ChartConfig("us", chart_name, 10), ChartConfig("gb", "top-paid", 10)
    source = LiveAppChartSource(client=None, clock=lambda: NOW)
    control_body = json.dumps(v2_payload(2, country="gb")).encode()
    bodies = {source.url_for(fuzzed): body, source.url_for(control): control_body}
    source.client = type("Client", (), {"get": lambda self, url: HttpResponse(url, 200, bodies[url], {})})()

    result = source.fetch([fuzzed, control], TODAY)

    rows = result.rows
    assert "gb/top-paid" not in result.failures and int((rows["country"] == "gb").sum()) == 2
    mine = rows[rows["country"] == "us"]
    if fuzzed.key in result.failures:
        assert mine.empty and result.failures[fuzzed.key].startswith(fuzzed.key)
    else:
        assert len(mine) == entries  # a chart lands whole or not at all
        assert mine["rank"].tolist() == list(range(1, entries + 1))
    for column in ("app_id", "app_name", "developer", "genre"):
        assert not any(INVISIBLE.search(v) for v in rows[column].dropna()), column
    assert (rows["app_name"].str.len() > 0).all()
    assert str(rows["captured_at"].dtype) == "datetime64[us, UTC]"
