"""News feeds: configuration, normalisation of real and hand-written RSS/Atom payloads,
the live source over a local HTTP server (pytest-httpserver), conditional GET, dedup,
Google News URLs and the case-study replay bundle."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pandas as pd
import pyarrow as pa
import pytest
from werkzeug import Response

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.http import HttpClient
from dagster_project.sources.news import NEWS_COLUMNS, NEWS_SCHEMA, NewsFetchResult
from dagster_project.sources.news.feed_state import FeedStateStore
from dagster_project.sources.news.feeds import google_news_url
from dagster_project.sources.news.live import LiveNewsSource
from dagster_project.sources.news.normalise import normalise_feed
from dagster_project.sources.news.replay import CaseStudyNewsSource
from dagster_project.sources.news.sanitise import html_to_text

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT.parent / "shared" / "reference"
CASE_STUDY = REPO_ROOT / "case_study"
FETCHED = pd.Timestamp("2025-01-28T06:00:00Z")
JAN27, JAN28 = dt.date(2025, 1, 27), dt.date(2025, 1, 28)
RSS_TYPE = "application/rss+xml; charset=utf-8"


def assert_news_schema(items: pd.DataFrame) -> None:
    """What the lake writer needs: exactly NEWS_COLUMNS, instants as UTC microseconds, and a
    lossless conversion to NEWS_SCHEMA."""
    assert list(items.columns) == NEWS_COLUMNS
    for column in ("published_at", "fetched_at"):
        assert str(items[column].dtype) == "datetime64[us, UTC]", column
    table = pa.Table.from_pandas(items, schema=NEWS_SCHEMA, preserve_index=False)
    assert table.schema.equals(NEWS_SCHEMA)
    assert table.num_rows == len(items)


def reference_file(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    return path


def parse(payload: bytes | str, **headers) -> feedparser.FeedParserDict:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return feedparser.parse(io.BytesIO(data), response_headers=headers or None)


def rss(items: str, title: str = "Example Feed", extra: str = "", encoding: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.com/</link>{extra}\n{items}\n</channel></rss>"
    )


def item(
    title: str,
    link: str | None = None,
    guid: str | None = None,
    date: str | None = "Mon, 27 Jan 2025 14:30:00 GMT",
    description: str | None = None,
    more: str = "",
) -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description is not None:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + more + "</item>"


GOOGLE_NEWS_FEED = rss(
    title='"Nvidia DeepSeek" - Google News',
    extra="<generator>NFE/5.0</generator>",
    items="".join(
        [
            item(
                "Nvidia shares sink as DeepSeek rattles AI investors - Reuters",
                link="https://news.google.com/rss/articles/CBMiAAA?oc=5",
                guid="CBMiAAA",
                date="Mon, 27 Jan 2025 21:05:00 GMT",
                description='&lt;a href="https://news.google.com/rss/articles/CBMiAAA?oc=5" target="_blank"&gt;Nvidia shares '
                'sink as DeepSeek rattles AI investors&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;'
                "Reuters&lt;/font&gt;",
                more='<source url="https://www.reuters.com">Reuters</source>',
            ),
            # outlet in <source> differs from a " - " inside the headline itself: keep the headline intact
            item(
                "DeepSeek - the app that topped the App Store - Financial Times",
                link="https://news.google.com/rss/articles/CBMiBBB?oc=5",
                guid="CBMiBBB",
                date="Tue, 28 Jan 2025 08:00:00 GMT",
                more='<source url="https://www.ft.com">Financial Times</source>',
            ),
            # no <source>: the " - Outlet" suffix is the only hint
            item(
                "Meta defends AI spending after DeepSeek shock - CNBC",
                link="https://news.google.com/rss/articles/CBMiCCC?oc=5",
                guid="CBMiCCC",
                date="Tue, 28 Jan 2025 15:00:00 GMT",
            ),
        ]
    ),
)


# --------------------------------------------------------------------------- google_news_url


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


# --------------------------------------------------------------------------- normalise: real wire format


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


# --------------------------------------------------------------------------- normalise: hand-written payloads


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


def test_item_id_falls_back_to_link_then_to_a_stable_hash():
    feed = rss(item("Linked story", link="https://news.test/a") + item("Unlinked story"))
    first, _ = normalise_feed("f", parse(feed), FETCHED, None)
    second, _ = normalise_feed("f", parse(feed), FETCHED + pd.Timedelta(hours=1), None)
    assert first.loc[0, "item_id"] == "https://news.test/a"
    expected = "sha1:" + hashlib.sha1(b"Unlinked story\n").hexdigest()
    assert first.loc[1, "item_id"] == expected == second.loc[1, "item_id"]
    assert pd.isna(first.loc[1, "url"])


def test_script_and_style_never_reach_the_summary():
    escaped = (
        "&lt;p&gt;Nvidia &lt;script&gt;document.write('pwned')&lt;/script&gt;falls"
        "&lt;style&gt;p { color: red }&lt;/style&gt; 17%&lt;/p&gt;"
    )
    items, _ = normalise_feed(
        "f", parse(rss(item("Nvidia falls", link="https://n.test/1", description=escaped))), FETCHED, None
    )
    assert items.loc[0, "summary"] == "Nvidia falls 17%"
    # feedparser sanitises already; our own stripping must hold without it too
    unsanitised = feedparser.FeedParserDict(
        feed={},
        entries=[
            feedparser.FeedParserDict(
                title="<b>Alert</b>",
                link="https://n.test/2",
                published_parsed=(2025, 1, 27, 12, 0, 0, 0, 27, 0),
                summary="<div>Before<script>steal()</script><style>.x{}</style> after &amp; &lt;done&gt;</div>",
            )
        ],
    )
    items, _ = normalise_feed("f", unsanitised, FETCHED, None)
    assert items.loc[0, "summary"] == "Before after & <done>"
    assert items.loc[0, "title"] == "Alert"


def test_cdata_html_summary_is_plain_text():
    description = (
        "<![CDATA[<p>DeepSeek&#8217;s app hit <b>No.&nbsp;1</b> on the US App Store,</p>\n\n"
        "<p>overtaking   ChatGPT &amp; Gemini.</p><img src='x.png'/>]]>"
    )
    items, _ = normalise_feed(
        "f", parse(rss(item("DeepSeek tops charts", link="https://n.test/3", description=description))), FETCHED, None
    )
    assert items.loc[0, "summary"] == "DeepSeek’s app hit No. 1 on the US App Store, overtaking ChatGPT & Gemini."


def test_rows_without_date_or_title_are_dropped_and_counted():
    feed = rss(
        item("Dated", link="https://n.test/1")
        + item("Undated", link="https://n.test/2", date=None)
        + item("   ", link="https://n.test/3")
        + item("<![CDATA[<img src='x.png'/>]]>", link="https://n.test/4")
        + item("Dated again", link="https://n.test/1")
    )  # same link, no guid: same item_id
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


def test_html_to_text_edge_cases():
    assert html_to_text(None) == ""
    assert html_to_text("AT&amp;T &lt; Verizon") == "AT&T < Verizon"
    assert html_to_text("<p>a</p><p>b</p>") == "a b"
    assert html_to_text("x" * 50, max_chars=10) == "x" * 9 + "…"


# --------------------------------------------------------------------------- live source over HTTP


def make_source(tmp_path=None, **kwargs) -> LiveNewsSource:
    client = HttpClient(connect_timeout_s=2, read_timeout_s=2, attempts=1, sleep=lambda s: None)
    state = FeedStateStore(tmp_path / "feed_state.json") if tmp_path is not None else None
    return LiveNewsSource(client, state, **kwargs)


def serve(httpserver, path: str, body: bytes | str, content_type: str = RSS_TYPE, **headers):
    httpserver.expect_request(path).respond_with_data(body, content_type=content_type, headers=headers)
    return FeedConfig(path.strip("/").replace("/", "_").replace(".", "_"), "rss", url=httpserver.url_for(path))


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


def test_relative_links_are_resolved_against_the_feed_url(httpserver):
    feed = serve(httpserver, "/news/feed.xml", rss(item("Relative", link="/story/1", guid="r1")))
    result = make_source().fetch([feed], JAN27, JAN28)
    assert result.items.loc[0, "url"] == httpserver.url_for("/story/1")


def test_wrong_declared_encoding_is_repaired_with_a_warning(httpserver, caplog):
    body = rss(item("Café owners cheer Nvidia rebound", link="https://n.test/cafe", guid="c1")).encode("windows-1252")
    feed = serve(httpserver, "/latin.xml", body, content_type="application/rss+xml")
    with caplog.at_level(logging.WARNING, logger="dagster_project.sources.news"):
        result = make_source().fetch([feed], JAN27, JAN28)
    assert result.failures == {}
    assert result.items.loc[0, "title"] == "Café owners cheer Nvidia rebound"
    assert "CharacterEncodingOverride" in caplog.text and "latin_xml" in caplog.text


def test_malformed_feed_with_entries_is_kept_with_a_warning(httpserver, caplog):
    broken = rss(item("Nvidia rebounds 9%", link="https://n.test/ok", guid="ok1")).replace(
        "</channel></rss>", "<item><title>AT&T & broken</title>"
    )
    feed = serve(httpserver, "/broken.xml", broken)
    with caplog.at_level(logging.WARNING, logger="dagster_project.sources.news"):
        result = make_source().fetch([feed], JAN27, JAN28)
    assert result.failures == {}
    assert "ok1" in set(result.items["item_id"])
    assert "malformed but has" in caplog.text and "broken_xml" in caplog.text


def test_truncated_feed_without_entries_fails_alone(httpserver):
    bad = serve(httpserver, "/truncated.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Cut off')
    good = serve(httpserver, "/good.xml", rss(item("Nvidia recovers", link="https://n.test/g", guid="g")))
    result = make_source().fetch([bad, good], JAN27, JAN28)
    assert list(result.failures) == ["truncated_xml"]
    message = result.failures["truncated_xml"]
    assert "truncated_xml" in message and bad.url in message and "SAXParseException" in message
    assert list(result.items["item_id"]) == ["g"]


@pytest.mark.parametrize(
    "content_type, why",
    [
        ("text/html", "NonXMLContentType"),  # bozo, no entries
        ("application/xml", "did not return an RSS or Atom document"),  # not bozo, but no feed either
    ],
)
def test_html_page_instead_of_a_feed_fails(httpserver, content_type, why):
    page = serve(
        httpserver,
        "/consent",
        "<html><body>Our systems detected unusual traffic</body></html>",
        content_type=content_type,
    )
    result = make_source().fetch([page], JAN27, JAN28)
    assert why in result.failures["consent"] and page.url in result.failures["consent"]
    assert result.items.empty and list(result.items.columns) == NEWS_COLUMNS


def test_a_body_naming_a_local_file_is_not_read_from_disk(httpserver, tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text(rss(item("LOCAL SECRET", link="https://n.test/s", guid="s")))
    feed = serve(httpserver, "/path.xml", str(secret), content_type="text/plain")
    assert feedparser.parse(str(secret).encode()).entries  # what feedparser does with bare bytes
    result = make_source().fetch([feed], JAN27, JAN28)
    assert "path_xml" in result.failures
    assert result.items.empty


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
    assert list(zip(result.items["feed_id"], result.items["item_id"])) == [
        ("a_xml", "same-guid"),
        ("a_xml", "a-2"),
        ("b_xml", "b-3"),
    ]


def test_conditional_get_uses_stored_validators_and_304_is_not_a_failure(httpserver, tmp_path):
    stamp = "Mon, 27 Jan 2025 22:00:00 GMT"
    body = rss(item("Nvidia falls 17%", link="https://n.test/1", guid="n1"))
    httpserver.expect_ordered_request("/cond.xml").respond_with_data(
        body, content_type=RSS_TYPE, headers={"ETag": 'W/"v1"', "Last-Modified": stamp}
    )
    httpserver.expect_ordered_request(
        "/cond.xml", headers={"If-None-Match": 'W/"v1"', "If-Modified-Since": stamp}
    ).respond_with_data("", status=304)
    feed = FeedConfig("cond", "rss", url=httpserver.url_for("/cond.xml"))

    first = make_source(tmp_path).fetch([feed], JAN27, JAN28)
    assert list(first.items["item_id"]) == ["n1"]
    state = json.loads((tmp_path / "feed_state.json").read_text())
    assert state == {feed.url: {"etag": 'W/"v1"', "last_modified": stamp}}
    assert [p.name for p in tmp_path.iterdir()] == ["feed_state.json"]  # no temp file left behind

    second = make_source(tmp_path).fetch([feed], JAN27, JAN28)  # a new run: validators come from the file
    assert second.not_modified == ["cond"] and second.failures == {} and second.items.empty
    httpserver.check_assertions()
    first_request, _ = httpserver.log[0]
    assert "If-None-Match" not in first_request.headers


def test_failed_feeds_do_not_update_the_state(httpserver, tmp_path):
    store = FeedStateStore(tmp_path / "feed_state.json")
    bad_url = httpserver.url_for("/bad.xml")
    store.set(bad_url, '"old"', None)
    store.save()
    httpserver.expect_request("/bad.xml").respond_with_data(
        "<html>not a feed</html>", content_type="text/html", headers={"ETag": '"new"'}
    )
    result = make_source(tmp_path).fetch([FeedConfig("bad", "rss", url=bad_url)], JAN27, JAN28)
    assert "bad" in result.failures
    assert FeedStateStore(tmp_path / "feed_state.json").get(bad_url) == ('"old"', None)


def test_state_store_survives_a_corrupt_file(tmp_path):
    path = tmp_path / "state" / "feed_state.json"
    path.parent.mkdir()
    path.write_text("{not json")
    store = FeedStateStore(path)
    assert store.get("https://x.test/feed") == (None, None)
    store.set("https://x.test/feed", None, "Mon, 27 Jan 2025 12:00:00 GMT")
    store.save()
    assert json.loads(path.read_text()) == {"https://x.test/feed": {"last_modified": "Mon, 27 Jan 2025 12:00:00 GMT"}}


# --------------------------------------------------------------------------- case-study replay


@pytest.fixture(scope="module")
def bundle() -> pd.DataFrame:
    return CaseStudyNewsSource(CASE_STUDY).fetch([], dt.date(2025, 1, 20), dt.date(2025, 2, 7)).items


def test_case_study_filters_by_utc_date(bundle):
    source = CaseStudyNewsSource(CASE_STUDY)
    monday = source.fetch([], JAN27, JAN27).items
    assert len(monday) >= 2
    assert set(monday["published_at"].dt.date) == {JAN27}
    assert source.fetch([], dt.date(2025, 3, 1), dt.date(2025, 3, 31)).items.empty
    assert (
        len(bundle) == 13
        and bundle["published_at"].dt.date.between(JAN27 - dt.timedelta(days=3), dt.date(2025, 1, 31)).all()
    )
    assert_news_schema(bundle)
    assert bundle["item_id"].is_unique and (bundle["item_id"] == bundle["url"]).all()


def test_case_study_tells_the_deepseek_week(bundle):
    by_day = {d: list(g["title"]) for d, g in bundle.groupby(bundle["published_at"].dt.date)}
    assert any("Nvidia" in t for t in by_day[JAN27])
    assert any("Nvidia" in t for t in by_day[JAN28])
    assert any("DeepSeek" in t and "No. 1" in t and "ChatGPT" in t for t in by_day[JAN27])
    assert any("Janus-Pro" in t for t in by_day[JAN28])
    assert any("Meta" in t for t in by_day[dt.date(2025, 1, 24)])


def test_case_study_rows_match_the_reference_and_titles_are_our_own(bundle):
    path = reference_file("headlines_deepseek_nvidia_2025-01.csv")
    with path.open(encoding="utf-8") as handle:
        reference = {row["url"]: row for row in csv.DictReader(handle)}
    for row in bundle.itertuples():
        ref = reference[row.url]  # every item is a real, referenced page
        assert row.published_at.date().isoformat() == ref["published_at"]
        assert row.published_at.time() == dt.time(12, 0)
        if ref["title"]:
            assert row.title.casefold() != ref["title"].casefold()
