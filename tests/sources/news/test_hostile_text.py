"""Hostile text in feeds (#13): bounded cost, control characters before markup, plain text kept.

Each test here failed on the sanitiser before #13 (see the docstrings for how).
"""

from __future__ import annotations

import time

import feedparser
import pandas as pd

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.http import HttpResponse
from dagster_project.sources.news.normalise import SUMMARY_MAX_CHARS, TITLE_MAX_CHARS, normalise_feed
from dagster_project.sources.news.parse import read_feed
from dagster_project.sources.news.sanitise import html_to_text
from tests.sources.news.payloads import FETCHED, RSS_TYPE, item, parse, rss

# CPython's HTMLParser rescans to the end of the value from every unclosed "<a": quadratic.
# Before #13 a 40 kB value took seconds (160 kB: about a minute); now it is cut before parsing.
QUADRATIC_MARKUP = ["<a" * 20_000, "<!--" * 10_000, "</a" * 13_000, "<a b='" * 7_000, "&lt;a" * 8_000]


def test_pathological_markup_is_bounded_before_parsing():
    for value in QUADRATIC_MARKUP:
        started = time.perf_counter()
        text = html_to_text(value, SUMMARY_MAX_CHARS)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.5, f"{value[:12]!r}…: {elapsed:.2f} s"
        assert len(text) <= SUMMARY_MAX_CHARS and "<a" not in text


def test_a_huge_hostile_summary_costs_one_feed_little():
    body = rss(item("Big one", link="https://n.test/big", description="&lt;a" * 40_000)).encode()
    feed = FeedConfig("big", "rss", url="https://n.test/feed.xml")
    started = time.perf_counter()
    items, dropped = read_feed(feed, feed.url, HttpResponse(feed.url, 200, body, {"content-type": RSS_TYPE}))
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert dropped == {} and items.loc[0, "title"] == "Big one"
    assert pd.isna(items.loc[0, "summary"])  # nothing but unclosed tags: no text at all


def test_control_characters_go_before_markup_is_stripped():
    # before #13 the tag was stripped first, then \x01 removed: a live "<script>" was stored
    assert "<script" not in html_to_text("&lt;\x01script&gt;alert(1)&lt;/\x01script&gt;").lower()
    assert "<script" not in html_to_text("&lt;\u200bscript&gt;alert(1)&lt;/script&gt;").lower()
    assert "<img" not in html_to_text("&lt;\x1bimg src=x onerror=alert(1)&gt;").lower()
    assert html_to_text("Nvi\u200bdia\x00 falls\x1b[2J") == "Nvidia falls[2J"
    assert html_to_text("&lt;p&gt;a&#8203;b&lt;/p&gt;") == "ab"  # invisible from an entity too


def _entry(title: str, title_type: str) -> feedparser.FeedParserDict:
    return feedparser.FeedParserDict(
        title=title,
        title_detail={"type": title_type, "value": title},
        link="https://n.test/p",
        published_parsed=(2025, 1, 27, 12, 0, 0, 0, 27, 0),
    )


def test_plain_text_titles_are_unescaped_never_stripped():
    feed = rss(
        item("Nvidia &lt;NVDA.O&gt; falls", link="https://n.test/1", guid="1")
        + item("Shares fall to &lt;a third of their peak", link="https://n.test/2", guid="2")
    )
    items, dropped = normalise_feed("f", parse(feed), FETCHED, None)
    assert dropped == {}
    assert list(items["title"]) == ["Nvidia <NVDA.O> falls", "Shares fall to <a third of their peak"]
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Web history</title><id>urn:w</id><updated>2025-01-27T10:00:00Z</updated>
<entry><id>urn:w:1</id><title type="text">Netscape &lt;blink&gt; returns</title><updated>2025-01-27T10:00:00Z</updated></entry>
<entry><id>urn:w:2</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title><updated>2025-01-27T10:00:00Z</updated></entry>
</feed>"""
    items, _ = normalise_feed("w", parse(atom), FETCHED, None)
    assert list(items["title"]) == ["Netscape <blink> returns", "Bold move"]
    # a field declared plain text is unescaped once, and keeps what looks like a tag
    plain = feedparser.FeedParserDict(
        feed={}, version="atom10", entries=[_entry("AT&amp;T &lt;T&gt; <b>up</b>", "text/plain")]
    )
    items, _ = normalise_feed("p", plain, FETCHED, None)
    assert items.loc[0, "title"] == "AT&T <T> <b>up</b>"
    # in RSS, where "plain" is feedparser's guess, a whole HTML tag is still markup
    plain["version"] = "rss20"
    items, _ = normalise_feed("p", plain, FETCHED, None)
    assert items.loc[0, "title"] == "AT&T <T> up"


def test_titles_empty_after_normalisation_are_dropped_with_a_reason():
    feed = rss(
        item("&#8203;&#8204;&#8205;&#xFEFF;", link="https://n.test/1", guid="1")
        + item("\u2060 \u00ad", link="https://n.test/2", guid="2")
        + item("Kept", link="https://n.test/3", guid="3")
    )
    items, dropped = normalise_feed("f", parse(feed), FETCHED, None)
    assert list(items["title"]) == ["Kept"]
    assert dropped == {"empty title": 2}
    plain = feedparser.FeedParserDict(feed={}, entries=[_entry("\u200b\x00\x1b", "text/plain")])
    items, dropped = normalise_feed("p", plain, FETCHED, None)
    assert items.empty and dropped == {"empty title": 1}


def test_title_and_summary_are_capped():
    feed = rss(item("T" * 5000, link="https://n.test/1", guid="1", description="w " * 10_000))
    items, _ = normalise_feed("f", parse(feed), FETCHED, None)
    assert len(items.loc[0, "title"]) == TITLE_MAX_CHARS and items.loc[0, "title"].endswith("…")
    assert len(items.loc[0, "summary"]) <= SUMMARY_MAX_CHARS
