"""A response's body -> its feed, over a local HTTP server: charset, relative links, malformed
and truncated feeds, pages that are no feed, bodies naming local files, parsers that raise."""

from __future__ import annotations

import io
import json
import logging

import feedparser
import pytest

from dagster_project.sources.news import NEWS_COLUMNS
from tests.sources.news.payloads import JAN27, JAN28, item, make_source, rss, serve


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


# --- isolation: whatever the parser raises fails its own feed only (#13) --------------------------

GEORSS = 'xmlns:georss="http://www.georss.org/georss" xmlns:gml="http://www.opengis.net/gml"'


def test_a_feed_that_makes_feedparser_raise_fails_alone(httpserver, caplog):
    # a GeoRSS <gml:pos> outside <georss:where>: feedparser 6 raises KeyError('where') instead of
    # reporting bozo, which used to abort the whole fetch
    body = rss(item("Somewhere", link="https://n.test/geo", guid="geo") + "<gml:pos>1 2</gml:pos>").replace(
        '<rss version="2.0">', f'<rss version="2.0" {GEORSS}>'
    )
    with pytest.raises(KeyError):
        feedparser.parse(io.BytesIO(body.encode()))
    bad = serve(httpserver, "/geo.xml", body)
    good = serve(httpserver, "/good.xml", rss(item("Nvidia recovers", link="https://n.test/g", guid="g")))

    with caplog.at_level(logging.WARNING, logger="dagster_project.sources.news"):
        result = make_source().fetch([bad, good], JAN27, JAN28)

    assert list(result.failures) == ["geo_xml"]
    assert result.failures["geo_xml"] == f"feed geo_xml ({bad.url}) could not be parsed: KeyError: 'where'"
    assert result.failures["geo_xml"] in caplog.text
    assert list(result.items["item_id"]) == ["g"]


def test_a_stray_width_end_tag_makes_feedparser_raise_and_fails_that_feed_alone(httpserver):
    # feedparser 6 raises TypeError on </width> or </height> outside <image>, instead of bozo
    body = rss(item("Sized", link="https://n.test/w", guid="w") + "</width>")
    with pytest.raises(TypeError):
        feedparser.parse(io.BytesIO(body.encode()))
    bad = serve(httpserver, "/width.xml", body)
    good = serve(httpserver, "/good.xml", rss(item("Nvidia recovers", link="https://n.test/g", guid="g")))

    result = make_source().fetch([bad, good], JAN27, JAN28)

    assert list(result.failures) == ["width_xml"]
    assert result.failures["width_xml"].startswith(f"feed width_xml ({bad.url}) could not be parsed: TypeError: ")
    assert list(result.items["item_id"]) == ["g"]


def test_any_exception_of_the_parser_fails_only_that_feed(httpserver, tmp_path, monkeypatch):
    first = serve(httpserver, "/first.xml", rss(item("First", link="https://n.test/1", guid="1")), ETag='"f1"')
    cursed = serve(httpserver, "/cursed.xml", rss(item("Cursed", link="https://n.test/2", guid="2")), ETag='"c1"')
    last = serve(httpserver, "/last.xml", rss(item("Last", link="https://n.test/3", guid="3")))
    real_parse = feedparser.parse

    def parse_unless_cursed(stream, response_headers=None, **kwargs):
        if (response_headers or {}).get("content-location") == cursed.url:
            raise TypeError("unhashable type: 'list'")
        return real_parse(stream, response_headers=response_headers, **kwargs)

    monkeypatch.setattr(feedparser, "parse", parse_unless_cursed)
    result = make_source(tmp_path).fetch([first, cursed, last], JAN27, JAN28)

    assert result.failures == {
        "cursed_xml": f"feed cursed_xml ({cursed.url}) could not be parsed: TypeError: unhashable type: 'list'"
    }
    assert list(result.items["item_id"]) == ["1", "3"]
    saved = json.loads((tmp_path / "feed_state.json").read_text())
    assert cursed.url not in saved and first.url in saved  # a feed that was not read keeps no validators
