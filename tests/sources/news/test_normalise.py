"""Parsed entries -> rows: real Google News and publisher payloads, hand-written RSS/Atom
(outlets and title suffixes, dates, ids, drops, caps, links)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from dagster_project.sources.news import NEWS_COLUMNS
from dagster_project.sources.news.normalise import normalise_feed
from tests.sources.news.payloads import FETCHED, GOOGLE_NEWS_FEED, assert_news_schema, item, parse, reference_file, rss


@pytest.mark.reference
def test_real_google_news_item():
    parsed = parse(reference_file("google_news_rss_search_example_2020-08-01.xml").read_bytes())
    items, dropped = normalise_feed("gn_msft", parsed, FETCHED, None)
    assert dropped == {}
    row = items.iloc[0]
    assert len(items) == 1
    assert row["publisher"] == "Internationales Magazin für Sicherheit (IMS)"
    assert row["title"] == "Microsoft (NASDAQ: MSFT) bei BidaskClub zu Strong-Buy aufgestockt » IMS"
    assert row["item_id"].startswith("CBMiX2h0dHA6Ly93d3cuaW1zLW1hZ2F6aW4uZGUv")
    assert (
        row["url"] == "http://www.ims-magazin.de/microsoft-nasdaq-msft-bei-bidaskclub-zu-strong-buy-aufgestockt-48972/"
    )
    assert row["published_at"] == pd.Timestamp("2020-07-15T07:00:00Z")
    assert row["summary"] == (
        "Microsoft (NASDAQ: MSFT) bei BidaskClub zu Strong-Buy aufgestockt » IMS "
        "Internationales Magazin für Sicherheit (IMS)"
    )
    assert "<" not in row["summary"] and "&nbsp;" not in row["summary"]


@pytest.mark.reference
def test_real_publisher_rss_item():
    parsed = parse(reference_file("publisher_rss2_example_yahoo_finance_msft_2020-08-01.xml").read_bytes())
    items, dropped = normalise_feed("yahoo_msft", parsed, FETCHED, "Yahoo Finance")
    assert dropped == {} and len(items) == 2
    nvda = items[items["title"] == "Is NVIDIA a Buy?"].iloc[0]
    assert nvda["item_id"] == "719429c8-0b4f-3880-b287-c6d4b2ae0241"
    assert nvda["publisher"] == "Yahoo Finance"
    assert nvda["published_at"] == pd.Timestamp("2020-08-01T14:48:00Z")
    assert nvda["url"].startswith("https://finance.yahoo.com/m/719429c8")
    tiktok = items.iloc[0]
    assert tiktok["published_at"] == pd.Timestamp("2020-08-01T20:57:44Z")
    assert len(tiktok["summary"]) <= 2000 and tiktok["summary"].endswith("…")  # the real description is longer
    assert tiktok["summary"].startswith("(Bloomberg) -- The Trump administration")


def test_google_news_shaped_feed_publisher_and_title_suffix():
    items, dropped = normalise_feed("gn", parse(GOOGLE_NEWS_FEED), FETCHED, "Google News")
    assert dropped == {}
    got = items.set_index("item_id")[["title", "publisher"]].to_dict("index")
    assert got == {
        "CBMiAAA": {"title": "Nvidia shares sink as DeepSeek rattles AI investors", "publisher": "Reuters"},
        "CBMiBBB": {"title": "DeepSeek - the app that topped the App Store", "publisher": "Financial Times"},
        "CBMiCCC": {"title": "Meta defends AI spending after DeepSeek shock", "publisher": "CNBC"},
    }
    assert items.loc[0, "summary"] == "Nvidia shares sink as DeepSeek rattles AI investors Reuters"


def test_title_suffix_is_not_split_outside_google_news():
    feed = rss(item("Nvidia - a primer", link="https://blog.test/1", guid="1"), title="A blog")
    items, _ = normalise_feed("blog", parse(feed), FETCHED, None)
    assert items.loc[0, "title"] == "Nvidia - a primer"
    assert items.loc[0, "publisher"] == "A blog"  # no default publisher: the feed title


def test_atom_entry_with_only_updated_and_html_content():
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Chip Blog</title><id>urn:chipblog</id>
<updated>2025-01-28T10:00:00+01:00</updated>
<entry><id>tag:chipblog,2025:janus-pro</id><title type="html">&lt;em&gt;Janus-Pro&lt;/em&gt; released</title>
<link href="https://chipblog.test/janus-pro"/><updated>2025-01-28T02:30:00+08:00</updated>
<content type="html">&lt;p&gt;DeepSeek&amp;#8217;s new model&lt;br/&gt;generates images.&lt;/p&gt;</content></entry>
</feed>"""
    items, dropped = normalise_feed("chipblog", parse(atom), FETCHED, None)
    assert dropped == {}
    row = items.iloc[0]
    assert row["item_id"] == "tag:chipblog,2025:janus-pro"
    assert row["title"] == "Janus-Pro released"
    assert row["published_at"] == pd.Timestamp("2025-01-27T18:30:00Z")  # offset applied
    assert row["summary"] == "DeepSeek’s new model generates images."
    assert row["publisher"] == "Chip Blog"


def test_item_id_without_a_guid_is_a_stable_hash_of_title_and_link():
    # not the link alone: distinct posts can share one link (identity.py)
    feed = rss(item("Linked story", link="https://news.test/a") + item("Unlinked story"))
    first, _ = normalise_feed("f", parse(feed), FETCHED, None)
    second, _ = normalise_feed("f", parse(feed), FETCHED + pd.Timedelta(hours=1), None)
    assert first.loc[0, "item_id"] == "sha1:" + hashlib.sha1(b"Linked story\nhttps://news.test/a").hexdigest()
    assert first.loc[0, "item_id"] == second.loc[0, "item_id"]
    expected = "sha1:" + hashlib.sha1(b"Unlinked story\n").hexdigest()
    assert first.loc[1, "item_id"] == expected == second.loc[1, "item_id"]
    assert pd.isna(first.loc[1, "url"])


def test_rows_without_date_or_title_are_dropped_and_counted():
    feed = rss(
        item("Dated", link="https://n.test/1")
        + item("Undated", link="https://n.test/2", date=None)
        + item("   ", link="https://n.test/3")
        + item("<![CDATA[<img src='x.png'/>]]>", link="https://n.test/4")
        + item("Dated", link="https://n.test/1")
    )  # same link and title, no guid: same item_id
    items, dropped = normalise_feed("f", parse(feed), FETCHED, None)
    assert list(items["title"]) == ["Dated"]
    assert dropped == {"no date": 1, "empty title": 2, "duplicate item_id": 1}


def test_summary_is_capped_and_schema_is_exact():
    feed = rss(item("Long one", link="https://n.test/long", description="word " * 1000))
    items, _ = normalise_feed("f", parse(feed), FETCHED, "Pub")
    assert len(items.loc[0, "summary"]) == 2000
    assert list(items.columns) == NEWS_COLUMNS
    assert_news_schema(items)
    assert items.loc[0, "fetched_at"] == FETCHED


def test_non_http_item_links_are_not_published_as_urls():
    feed = rss(item("Sneaky", link="javascript:alert(1)", guid="g1"))
    items, _ = normalise_feed("f", parse(feed), FETCHED, None)
    assert items.loc[0, "item_id"] == "g1" and pd.isna(items.loc[0, "url"])


def test_links_with_control_characters_or_spaces_are_not_published_as_urls():
    # found by tests/sources/test_fuzz.py: check_url alone let "\x01" through into `url`
    feed = rss(item("A", link="https://n.test/a&#1;b", guid="g1") + item("B", link="https://n.test/a b", guid="g2"))
    items, _ = normalise_feed("f", parse(feed), FETCHED, None)
    assert items["url"].isna().all()
