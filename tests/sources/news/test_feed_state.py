"""ETag / Last-Modified between runs: conditional GET, 304, failed feeds, a corrupt state file."""

from __future__ import annotations

import json

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.news.feed_state import FeedStateStore
from tests.sources.news.payloads import JAN27, JAN28, RSS_TYPE, item, make_source, rss


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
