"""Publication times (#13): zones by name resolved to their offset or the time unknown, never
silently UTC; dates outside a sane range dropped with a reason (year 1 never becomes year 100)."""

from __future__ import annotations

import pandas as pd
import pytest

from dagster_project.sources.news.normalise import normalise_feed
from tests.sources.news.payloads import FETCHED, item, parse, rss


def _published(date: str, kind: str = "rss"):
    if kind == "atom":
        feed = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
<entry><id>urn:a:1</id><title>Dated</title><updated>{date}</updated></entry></feed>"""
    else:
        feed = rss(item("Dated", link="https://n.test/1", guid="1", date=date))
    items, dropped = normalise_feed("f", parse(feed), FETCHED, None)
    return (items.loc[0, "published_at"] if len(items) else None), dropped


@pytest.mark.parametrize(
    "date, utc",
    [
        ("Mon, 27 Jan 2025 14:30:00 CET", "2025-01-27T13:30:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 CEST", "2025-01-27T07:00:00Z"),
        ("Sun, 26 Jan 2025 09:00:00 BST", "2025-01-26T08:00:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 JST", "2025-01-27T00:00:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 EST", "2025-01-27T14:00:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 PST", "2025-01-27T17:00:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 AEDT", "2025-01-26T22:00:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 GMT", "2025-01-27T09:00:00Z"),
        ("Mon, 27 Jan 2025 09:00:00 +0530", "2025-01-27T03:30:00Z"),
        ("27 Jan 25 09:00 EET", "2025-01-27T07:00:00Z"),
    ],
)
def test_time_zones_by_name_get_their_offset(date, utc):
    published, dropped = _published(date)
    assert dropped == {}
    assert published == pd.Timestamp(utc)


@pytest.mark.parametrize(
    "date, reason",
    [
        ("Mon, 27 Jan 2025 14:30:00 XYZ", "unknown time zone"),
        ("Mon, 27 Jan 2025 14:30:00 IST", "unknown time zone"),  # India, Ireland or Israel
        ("Mon, 27 Jan 2025 14:30:00", "no time zone"),
    ],
)
def test_an_unknown_zone_is_no_time_never_utc(date, reason):
    published, dropped = _published(date)
    assert published is None
    assert dropped == {reason: 1}


def test_an_iso_time_without_offset_is_no_time():
    published, dropped = _published("2025-01-27T14:30:00", kind="atom")
    assert published is None and dropped == {"no time zone": 1}
    published, dropped = _published("2025-01-27T14:30:00+09:00", kind="atom")
    assert published == pd.Timestamp("2025-01-27T05:30:00Z") and dropped == {}


@pytest.mark.parametrize(
    "date, kind",
    [
        ("Mon, 01 Jan 0001 00:00:00 GMT", "rss"),
        ("0001-01-01T00:00:00Z", "atom"),
        ("Fri, 01 Dec 1989 12:00:00 GMT", "rss"),
        ("Thu, 01 Jan 1970 00:00:00 GMT", "rss"),
    ],
)
def test_dates_before_1990_are_dropped_with_a_reason(date, kind):
    # no lake partition goes back that far: such an item would be lost without a word
    published, dropped = _published(date, kind)
    assert published is None
    assert dropped == {"date out of range": 1}


@pytest.mark.parametrize("date, kind", [("Fri, 07 Feb 2025 12:00:00 GMT", "rss"), ("9999-12-31T23:59:59Z", "atom")])
def test_future_dates_are_kept_exactly_for_the_asset_to_quarantine(date, kind):
    # the news asset quarantines items more than a day ahead, with a reason
    # (tests/corpus/test_corpus.py::test_a_hostile_feed_never_reaches_a_mart_unsanitised)
    published, dropped = _published(date, kind)
    assert dropped == {} and published.year in (2025, 9999)


def test_a_bad_published_falls_back_to_updated():
    feed = rss(
        item("Dated", link="https://n.test/1", guid="1", date="Mon, 27 Jan 2025 14:30:00 XYZ").replace(
            "</item>",
            "<atom:updated xmlns:atom='http://www.w3.org/2005/Atom'>2025-01-27T15:00:00+01:00</atom:updated></item>",
        )
    )
    items, dropped = normalise_feed("f", parse(feed), FETCHED, None)
    assert dropped == {} and items.loc[0, "published_at"] == pd.Timestamp("2025-01-27T14:00:00Z")
