"""The live news source over a local HTTP server: reference feeds, Google News searches,
HTTP failures per feed, de-duplication across feeds."""

from __future__ import annotations

import pytest
from werkzeug import Response

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.news import NewsFetchResult
from tests.sources.news.payloads import (
    GOOGLE_NEWS_FEED,
    JAN27,
    JAN28,
    RSS_TYPE,
    item,
    make_source,
    reference_file,
    rss,
    serve,
)


@pytest.mark.reference
def test_live_reference_feeds_land(httpserver):
    ynews = serve(
        httpserver,
        "/yahoo.xml",
        reference_file("publisher_rss2_example_yahoo_finance_msft_2020-08-01.xml").read_bytes(),
    )
    ynews = FeedConfig("yahoo_msft", "rss", url=ynews.url, publisher="Yahoo Finance")
    gnews = serve(httpserver, "/gn.xml", reference_file("google_news_rss_search_example_2020-08-01.xml").read_bytes())
    result = make_source().fetch([ynews, gnews], JAN27, JAN28)
    assert isinstance(result, NewsFetchResult)
    assert result.failures == {} and result.not_modified == []
    assert sorted(result.items["publisher"]) == [
        "Internationales Magazin für Sicherheit (IMS)",
        "Yahoo Finance",
        "Yahoo Finance",
    ]
    assert set(result.items["feed_id"]) == {"yahoo_msft", "gn_xml"}


def test_live_google_news_query_uses_the_window_and_the_configured_host(httpserver):
    seen = []

    def answer(request):
        seen.append(request.args.to_dict())
        return Response(GOOGLE_NEWS_FEED, content_type=RSS_TYPE)

    httpserver.expect_request("/rss/search").respond_with_handler(answer)
    feed = FeedConfig("gn_nvidia", "google_news", query="Nvidia DeepSeek")
    result = make_source(google_news_base=httpserver.url_for("/")).fetch([feed], JAN27, JAN28)
    assert seen == [
        {"q": "Nvidia DeepSeek after:2025-01-27 before:2025-01-29", "hl": "en-US", "gl": "US", "ceid": "US:en"}
    ]
    assert result.failures == {}
    assert sorted(result.items["publisher"]) == ["CNBC", "Financial Times", "Reuters"]
    assert "CBMiCCC" in set(result.items["item_id"])


def test_http_error_fails_that_feed_and_names_the_url(httpserver):
    httpserver.expect_request("/down.xml").respond_with_data("gone", status=410)
    down = FeedConfig("down_xml", "rss", url=httpserver.url_for("/down.xml"))
    good = serve(httpserver, "/good.xml", rss(item("Still here", link="https://n.test/h", guid="h")))
    result = make_source().fetch([down, good], JAN27, JAN28)
    assert "HTTP 410" in result.failures["down_xml"] and down.url in result.failures["down_xml"]
    assert list(result.items["item_id"]) == ["h"]


def test_items_are_deduplicated_across_feeds(httpserver):
    a = serve(
        httpserver,
        "/a.xml",
        rss(
            item("Nvidia falls", link="https://n.test/1", guid="same-guid")
            + item("DeepSeek tops the App Store", link="https://n.test/2", guid="a-2")
        ),
    )
    b = serve(
        httpserver,
        "/b.xml",
        rss(
            item("Nvidia falls (copy)", link="https://n.test/other", guid="same-guid")
            + item("DeepSeek #1 (syndicated)", link="https://n.test/2", guid="b-2")
            + item("Only in b", link="https://n.test/3", guid="b-3")
        ),
    )
    result = make_source().fetch([a, b], JAN27, JAN28)
    # same guid: the same item; the same link under another headline: another post (identity.py)
    assert list(zip(result.items["feed_id"], result.items["item_id"])) == [
        ("a_xml", "same-guid"),
        ("a_xml", "a-2"),
        ("b_xml", "b-2"),
        ("b_xml", "b-3"),
    ]
    assert result.dropped == {"b_xml": {"duplicate item_id": 1}}
