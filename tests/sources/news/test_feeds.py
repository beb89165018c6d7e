"""Google News search URLs: the query and the window encoded, the base checked."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from dagster_project.sources.news.feeds import google_news_url
from tests.sources.news.payloads import JAN27, JAN28


def test_google_news_url_encodes_query_and_window():
    url = google_news_url("Nvidia DeepSeek", JAN27, JAN28)
    assert url == (
        "https://news.google.com/rss/search?q=Nvidia%20DeepSeek%20after%3A2025-01-27%20before%3A2025-01-29"
        "&hl=en-US&gl=US&ceid=US%3Aen"
    )


def test_google_news_url_round_trips_special_characters_and_month_ends():
    url = google_news_url(
        '"NVIDIA" & AI #chips', dt.date(2025, 1, 31), dt.date(2025, 1, 31), base="http://127.0.0.1:8080/"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:8080", "/rss/search")
    assert parts.fragment == ""  # '#' was encoded, not taken as a fragment
    params = parse_qs(parts.query)
    assert params["q"] == ['"NVIDIA" & AI #chips after:2025-01-31 before:2025-02-01']
    assert params["ceid"] == ["US:en"] and params["hl"] == ["en-US"] and params["gl"] == ["US"]


def test_google_news_url_rejects_bad_base_and_window():
    with pytest.raises(ValueError, match="only http"):
        google_news_url("x", JAN27, JAN28, base="file:///tmp")
    with pytest.raises(ValueError, match="before start"):
        google_news_url("x", JAN28, JAN27)
