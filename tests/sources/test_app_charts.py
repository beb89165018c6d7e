"""App Store charts: Apple's two JSON formats over a local HTTP server, replay.

Payloads are built from real Apple responses (shared/reference when present, else the inline
copies below, which restate the same shape): the v2 feed of 2023-10-05 and one legacy
iTunes `entry` (ChatGPT).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading

import pyarrow as pa
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts import APP_RANK_COLUMNS, APP_RANK_SCHEMA
from dagster_project.sources.app_charts.legacy_chart import normalise_legacy
from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.app_charts.payload_fields import ChartShapeError
from dagster_project.sources.app_charts.replay import CaseStudyAppChartSource
from dagster_project.sources.app_charts.v2_chart import normalise_v2
from dagster_project.sources.http import HttpClient
from tests.conftest import CASE_STUDY, SHARED_REFERENCE

NOW = dt.datetime(2025, 1, 26, 15, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
V2_REFERENCE = SHARED_REFERENCE / "apple_rss_v2_top_free_us_example_2023-10-05.json"
LEGACY_REFERENCE = SHARED_REFERENCE / "apple_legacy_rss_topfree_entry_example.json"
FACTS_REFERENCE = SHARED_REFERENCE / "app_rank_facts_2025-01.csv"

# The real v2 response's shape (header plus its first result), as in V2_REFERENCE.
V2_INLINE = {
    "feed": {
        "title": "Top Free Apps",
        "id": "https://rss.applemarketingtools.com/api/v2/us/apps/top-free/50/apps.json",
        "author": {"name": "Apple", "url": "https://www.apple.com/"},
        "links": [{"self": "https://rss.applemarketingtools.com/api/v2/us/apps/top-free/50/apps.json"}],
        "copyright": "Copyright © 2023 Apple Inc. All rights reserved.",
        "country": "us",
        "icon": "https://www.apple.com/favicon.ico",
        "updated": "Thu, 5 Oct 2023 19:57:28 +0000",
        "results": [
            {
                "artistName": "SNOW Corporation",
                "id": "1577705074",
                "name": "EPIK - AI Photo Editor",
                "releaseDate": "2021-08-14",
                "kind": "apps",
                "artworkUrl100": "https://is1-ssl.mzstatic.com/image/thumb/Purple116/v4/d9/28/62/"
                "d9286279-2a4a-dd7c-a7e7-daefbdc0b249/AppIcon-0-1x_U007emarketing-0-7-0-85-220.png/100x100bb.png",
                "genres": [],
                "url": "https://apps.apple.com/us/app/epik-ai-photo-editor/id1577705074",
            }
        ],
    }
}
# The real legacy entry's shape (ChatGPT), trimmed of images, summary and the scraper's $position.
LEGACY_ENTRY_INLINE = {
    "im:name": {"label": "ChatGPT"},
    "im:price": {"label": "Get", "attributes": {"amount": "0.00", "currency": "USD"}},
    "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
    "rights": {"label": "© 2023 OpenAI OpCo L.L.C."},
    "title": {"label": "ChatGPT - OpenAI"},
    "link": [
        {
            "attributes": {
                "rel": "alternate",
                "type": "text/html",
                "href": "https://apps.apple.com/us/app/chatgpt/id6448311069?uo=2",
            }
        }
    ],
    "id": {
        "label": "https://apps.apple.com/us/app/chatgpt/id6448311069?uo=2",
        "attributes": {"im:id": "6448311069", "im:bundleId": "com.openai.chat"},
    },
    "im:artist": {
        "label": "OpenAI",
        "attributes": {"href": "https://apps.apple.com/us/developer/openai/id1684349733?uo=2"},
    },
    "category": {
        "attributes": {
            "im:id": "6007",
            "term": "Productivity",
            "scheme": "https://apps.apple.com/us/genre/ios-productivity/id6007?uo=2",
            "label": "Productivity",
        }
    },
    "im:releaseDate": {"label": "2023-05-18T00:00:00-07:00", "attributes": {"label": "May 18, 2023"}},
}
LEGACY_WRAPPER = {
    "author": {"name": {"label": "iTunes Store"}},
    "updated": {"label": "2025-01-26T07:00:00-07:00"},
    "title": {"label": "iTunes Store: Top Grossing Applications"},
}


def v2_template() -> dict:
    if V2_REFERENCE.exists():
        return json.loads(V2_REFERENCE.read_text(encoding="utf-8"))
    return copy.deepcopy(V2_INLINE)


def legacy_entry_template() -> dict:
    if LEGACY_REFERENCE.exists():
        entry = json.loads(LEGACY_REFERENCE.read_text(encoding="utf-8"))[0]
        entry.pop("$position", None)  # added by the scraper, not Apple's
        return entry
    return copy.deepcopy(LEGACY_ENTRY_INLINE)


def v2_payload(n: int, country: str = "us") -> dict:
    """A v2 response with n results: the real first result, then copies with other ids/names."""
    payload = v2_template()
    first = payload["feed"]["results"][0]
    results = [first]
    for i in range(1, n):
        item = copy.deepcopy(first)
        item["id"] = str(1_500_000_000 + i)
        item["name"] = f"App {i + 1}"
        item["artistName"] = f"Developer {i + 1}"
        item["url"] = f"https://apps.apple.com/{country}/app/app-{i + 1}/id{item['id']}"
        results.append(item)
    payload["feed"]["results"] = results[:n]
    payload["feed"]["country"] = country
    return payload


def legacy_entry(app_id: str, name: str, developer: str, genre: str) -> dict:
    entry = legacy_entry_template()
    entry["id"]["attributes"]["im:id"] = app_id
    entry["im:name"]["label"] = name
    entry["im:artist"]["label"] = developer
    entry["category"]["attributes"]["label"] = genre
    return entry


def legacy_payload(entry) -> dict:
    feed = dict(LEGACY_WRAPPER)
    if entry is not None:
        feed["entry"] = entry
    return {"feed": feed}


@pytest.fixture(scope="module")
def _running_server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # threaded: a slow handler blocks no one
    srv.start()
    yield srv
    srv.stop()  # ~0.5 s (werkzeug's poll interval): once per module, not per test


@pytest.fixture
def server(_running_server):
    _running_server.clear()
    yield _running_server
    _running_server.clear()


@pytest.fixture
def make_source(server, sleeps):
    def make(attempts: int = 3, read_timeout_s: float = 5.0, clock=lambda: NOW) -> LiveAppChartSource:
        client = HttpClient(
            connect_timeout_s=2.0,
            read_timeout_s=read_timeout_s,
            attempts=attempts,
            base_delay_s=0.01,
            sleep=sleeps.append,
        )
        base = server.url_for("/").rstrip("/")
        return LiveAppChartSource(client, v2_base=base + "/v2", legacy_base=base + "/itunes/", clock=clock)

    return make


def v2_path(country: str, chart: str, limit: int) -> str:
    return f"/v2/api/v2/{country}/apps/{chart}/{limit}/apps.json"


def legacy_path(country: str, feed: str, limit: int) -> str:
    return f"/itunes/{country}/rss/{feed}/limit={limit}/json"


# --- live source: the happy paths ---------------------------------------------------------------


def test_v2_full_chart_of_100_gives_100_ranked_rows(server, make_source):
    server.expect_request(v2_path("us", "top-free", 100)).respond_with_json(v2_payload(100))
    source = make_source()

    result = source.fetch([ChartConfig("us", "top-free", 100)], TODAY)

    assert result.failures == {}
    rows = result.rows
    assert list(rows.columns) == APP_RANK_COLUMNS
    assert len(rows) == 100
    assert rows["rank"].tolist() == list(range(1, 101))
    assert rows["app_id"].map(type).eq(str).all() and rows["app_id"].is_unique
    first = rows.iloc[0]
    assert (first["app_id"], first["app_name"], first["developer"], first["genre"]) == (
        "1577705074",
        "EPIK - AI Photo Editor",
        "SNOW Corporation",
        "",
    )  # genres[] is empty in the real feed
    assert rows.iloc[99]["app_name"] == "App 100"
    assert set(rows["country"]) == {"us"} and set(rows["chart"]) == {"top-free"}
    assert set(rows["snapshot_kind"]) == {"full"}
    assert set(rows["source"]) == {server.url_for(v2_path("us", "top-free", 100))}
    assert (rows["captured_at"] == NOW).all()
    assert str(rows["rank"].dtype) == "int32" and str(rows["captured_at"].dtype) == "datetime64[us, UTC]"
    assert pa.Table.from_pandas(rows, schema=APP_RANK_SCHEMA, preserve_index=False).num_rows == 100


def test_inline_v2_shape_is_the_reference_shape():
    if not V2_REFERENCE.exists():
        pytest.skip("shared/reference not present")
    reference = json.loads(V2_REFERENCE.read_text(encoding="utf-8"))
    assert reference == V2_INLINE


def test_v2_genre_objects_give_the_first_genre_name():
    payload = v2_payload(2)
    payload["feed"]["results"][0]["genres"] = [{"genreId": "6008", "name": "Photo & Video", "url": "x"}]
    payload["feed"]["results"][1]["genres"] = ["Games"]
    rows = normalise_v2(payload, ChartConfig("us", "top-free", 2), NOW)
    assert rows["genre"].tolist() == ["Photo & Video", "Games"]


def test_legacy_single_entry_object_gives_one_row(server, make_source):
    server.expect_request(legacy_path("us", "topgrossingapplications", 1)).respond_with_json(
        legacy_payload(legacy_entry_template())
    )  # `entry` is an object, not a list

    result = make_source().fetch([ChartConfig("us", "top-grossing", 1)], TODAY)

    assert result.failures == {}
    assert result.rows[["rank", "app_id", "app_name", "developer", "genre", "chart"]].values.tolist() == [
        [1, "6448311069", "ChatGPT", "OpenAI", "Productivity", "top-grossing"]
    ]


def test_legacy_list_keeps_developer_and_genre_in_order(server, make_source):
    entries = [
        legacy_entry("6448311069", "ChatGPT", "OpenAI", "Productivity"),
        legacy_entry("1111111111", "Some Game", "Game Studio Ltd", "Games"),
        legacy_entry("2222222222", "Some Stream", "Stream Co", "Entertainment"),
    ]
    server.expect_request(legacy_path("gb", "topgrossingapplications", 3)).respond_with_json(legacy_payload(entries))

    rows = make_source().fetch([ChartConfig("gb", "top-grossing", 3)], TODAY).rows

    assert rows[["rank", "app_id", "developer", "genre"]].values.tolist() == [
        [1, "6448311069", "OpenAI", "Productivity"],
        [2, "1111111111", "Game Studio Ltd", "Games"],
        [3, "2222222222", "Stream Co", "Entertainment"],
    ]
    assert set(rows["country"]) == {"gb"}


def test_top_free_and_paid_use_v2_and_grossing_uses_legacy(make_source):
    source = make_source()
    assert source.url_for(ChartConfig("jp", "top-paid", 25)).endswith("/v2/api/v2/jp/apps/top-paid/25/apps.json")
    assert source.url_for(ChartConfig("jp", "top-grossing", 25)).endswith(
        "/itunes/jp/rss/topgrossingapplications/limit=25/json"
    )
    assert "//jp" not in source.url_for(ChartConfig("jp", "top-grossing", 25))  # trailing slash of the base dropped


# --- live source: failures stay per chart -------------------------------------------------------


@pytest.mark.parametrize(
    "break_payload, expected",
    [
        (lambda p: p["feed"]["results"][3].pop("id"), "feed.results[3].id missing"),
        (lambda p: p["feed"]["results"][4].update(name=7), "feed.results[4].name must be a string"),
        (lambda p: p["feed"].pop("results"), "feed.results missing"),
        (lambda p: p["feed"].update(results={"0": {}}), "feed.results must be a list"),
        (lambda p: p.pop("feed"), "feed missing"),
    ],
)
def test_wrong_v2_shape_fails_that_chart_and_names_the_field(server, make_source, break_payload, expected):
    broken = v2_payload(10)
    break_payload(broken)
    server.expect_request(v2_path("us", "top-free", 10)).respond_with_json(broken)
    server.expect_request(v2_path("us", "top-paid", 10)).respond_with_json(v2_payload(10))

    result = make_source().fetch([ChartConfig("us", "top-free", 10), ChartConfig("us", "top-paid", 10)], TODAY)

    assert list(result.failures) == ["us/top-free"]
    assert expected in result.failures["us/top-free"]
    assert v2_path("us", "top-free", 10) in result.failures["us/top-free"]  # names the URL too
    assert len(result.rows) == 10 and set(result.rows["chart"]) == {"top-paid"}


def test_wrong_legacy_shape_names_the_field():
    entries = [legacy_entry("1", "A", "a", "g"), legacy_entry("2", "B", "b", "g")]
    del entries[1]["id"]["attributes"]["im:id"]
    with pytest.raises(ChartShapeError, match=r"feed\.entry\[1\]\.id\.attributes\.im:id missing"):
        normalise_legacy(legacy_payload(entries), ChartConfig("us", "top-grossing", 2), NOW)
    with pytest.raises(ChartShapeError, match=r"feed\.entry must be a list or an object"):
        normalise_legacy(legacy_payload("nope"), ChartConfig("us", "top-grossing", 2), NOW)


def test_a_500_then_200_succeeds_after_one_backoff(server, make_source, sleeps):
    path = v2_path("us", "top-free", 5)
    server.expect_oneshot_request(path).respond_with_data("upstream error", status=500)
    server.expect_request(path).respond_with_json(v2_payload(5))

    result = make_source().fetch([ChartConfig("us", "top-free", 5)], TODAY)

    assert result.failures == {}
    assert len(result.rows) == 5
    assert len(server.log) == 2 and len(sleeps) == 1 and 0 <= sleeps[0] <= 0.01


def test_retry_after_is_honoured(server, make_source, sleeps):
    path = v2_path("us", "top-free", 5)
    server.expect_oneshot_request(path).respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    server.expect_request(path).respond_with_json(v2_payload(5))

    result = make_source().fetch([ChartConfig("us", "top-free", 5)], TODAY)

    assert result.failures == {} and sleeps == [7.0]


def test_a_timeout_fails_that_chart_only(server, make_source, sleeps):
    release = threading.Event()

    def slow(request):
        release.wait(1.0)
        return Response(json.dumps(v2_payload(5)), content_type="application/json")

    server.expect_request(v2_path("us", "top-free", 5)).respond_with_handler(slow)
    server.expect_request(v2_path("us", "top-paid", 5)).respond_with_json(v2_payload(5))
    try:
        result = make_source(attempts=2, read_timeout_s=0.2).fetch(
            [ChartConfig("us", "top-free", 5), ChartConfig("us", "top-paid", 5)], TODAY
        )
    finally:
        release.set()

    assert list(result.failures) == ["us/top-free"]
    assert "timed out" in result.failures["us/top-free"]
    assert len(sleeps) == 1  # one retry, then given up
    assert set(result.rows["chart"]) == {"top-paid"}


def test_a_404_fails_without_retry(server, make_source, sleeps):
    server.expect_request(v2_path("xx", "top-free", 5)).respond_with_data("not found", status=404)
    result = make_source().fetch([ChartConfig("xx", "top-free", 5)], TODAY)
    assert "HTTP 404" in result.failures["xx/top-free"] and sleeps == []


def test_a_duplicated_app_fails_naming_it(server, make_source):
    payload = v2_payload(8)
    payload["feed"]["results"][5]["id"] = payload["feed"]["results"][2]["id"]
    duplicate = payload["feed"]["results"][2]["id"]
    server.expect_request(v2_path("us", "top-free", 8)).respond_with_json(payload)

    result = make_source().fetch([ChartConfig("us", "top-free", 8)], TODAY)

    assert result.rows.empty
    message = result.failures["us/top-free"]
    assert "duplicate app id" in message and f"app {duplicate} at ranks 3, 6" in message


def test_more_entries_than_the_limit_fails_naming_the_ranks(server, make_source):
    server.expect_request(v2_path("us", "top-free", 10)).respond_with_json(v2_payload(12))
    result = make_source().fetch([ChartConfig("us", "top-free", 10)], TODAY)
    assert "rank(s) [11, 12] outside 1..10" in result.failures["us/top-free"]


def test_storefront_other_than_requested_fails(server, make_source):
    server.expect_request(v2_path("cn", "top-free", 5)).respond_with_json(v2_payload(5, country="us"))
    result = make_source().fetch([ChartConfig("cn", "top-free", 5)], TODAY)
    assert "feed.country is 'us', not the requested 'cn'" in result.failures["cn/top-free"]


def test_an_empty_chart_is_a_failure(server, make_source):
    server.expect_request(v2_path("us", "top-free", 10)).respond_with_json(v2_payload(0))
    server.expect_request(legacy_path("us", "topgrossingapplications", 10)).respond_with_json(legacy_payload(None))

    result = make_source().fetch([ChartConfig("us", "top-free", 10), ChartConfig("us", "top-grossing", 10)], TODAY)

    assert result.rows.empty and list(result.rows.columns) == APP_RANK_COLUMNS
    assert set(result.failures) == {"us/top-free", "us/top-grossing"}
    assert all("0 entries" in message for message in result.failures.values())


def test_malformed_json_fails_naming_chart_and_url(server, make_source):
    path = v2_path("de", "top-paid", 10)
    server.expect_request(path).respond_with_data('{"feed": {"results": [', content_type="application/json")
    server.expect_request(v2_path("de", "top-free", 10)).respond_with_json(v2_payload(10, country="de"))

    result = make_source().fetch([ChartConfig("de", "top-paid", 10), ChartConfig("de", "top-free", 10)], TODAY)

    message = result.failures["de/top-paid"]
    assert message.startswith("de/top-paid: malformed JSON") and server.url_for(path) in message
    assert len(result.rows) == 10


def test_capture_date_other_than_today_is_refused_before_any_request(server, make_source):
    source = make_source(clock=lambda: dt.datetime(2025, 1, 27, 0, 5, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match=r"only show the current chart; cannot capture 2025-01-26 live"):
        source.fetch([ChartConfig("us", "top-free", 10)], dt.date(2025, 1, 26))
    assert server.log == []


def test_today_is_the_utc_date_of_the_clock(server, make_source):
    # 2025-01-26 21:00 in New York is already 2025-01-27 in UTC.
    ny = dt.timezone(dt.timedelta(hours=-5))
    server.expect_request(v2_path("us", "top-free", 3)).respond_with_json(v2_payload(3))
    source = make_source(clock=lambda: dt.datetime(2025, 1, 26, 21, 0, tzinfo=ny))
    with pytest.raises(ValueError, match="cannot capture 2025-01-26"):
        source.fetch([ChartConfig("us", "top-free", 3)], dt.date(2025, 1, 26))
    rows = source.fetch([ChartConfig("us", "top-free", 3)], dt.date(2025, 1, 27)).rows
    assert rows["captured_at"].iloc[0] == dt.datetime(2025, 1, 27, 2, 0, tzinfo=dt.UTC)


# --- replay -------------------------------------------------------------------------------------


def test_case_study_has_deepseek_at_one_on_2025_01_26():
    source = CaseStudyAppChartSource(CASE_STUDY)
    result = source.fetch([ChartConfig("us", "top-free", 100)], dt.date(2025, 1, 26))
    assert result.failures == {}
    rows = result.rows
    assert list(rows.columns) == APP_RANK_COLUMNS
    assert rows[["rank", "app_id", "app_name", "snapshot_kind"]].values.tolist() == [
        [1, "6737597349", "DeepSeek", "partial"]
    ]
    assert rows["developer"].iloc[0] == "Hangzhou DeepSeek Artificial Intelligence Co., Ltd."
    assert rows["captured_at"].iloc[0].date() == dt.date(2025, 1, 26)


def test_case_study_filters_by_chart_and_limit():
    source = CaseStudyAppChartSource(CASE_STUDY)
    day = dt.date(2025, 1, 27)
    assert source.fetch([ChartConfig("us", "top-free", 100)], day).rows["rank"].tolist() == [1, 2, 14]
    assert source.fetch([ChartConfig("us", "top-free", 10)], day).rows["app_name"].tolist() == ["DeepSeek", "ChatGPT"]
    assert source.fetch([ChartConfig("us", "top-paid", 100)], day).rows.empty
    assert source.fetch([ChartConfig("gb", "top-free", 100)], day).rows.empty
    assert source.fetch([ChartConfig("us", "top-free", 100)], dt.date(2025, 1, 25)).rows.empty


def test_case_study_rows_are_exactly_the_documented_app_store_positions():
    if not FACTS_REFERENCE.exists():
        pytest.skip("shared/reference not present")
    import pandas as pd

    facts = pd.read_csv(FACTS_REFERENCE, dtype=str)
    facts = facts[facts["store"] == "app_store"]
    expected = sorted(
        zip(
            facts["observed_date"],
            facts["country"],
            facts["chart"],
            facts["app"],
            facts["rank"].astype(int),
            facts["source_url"],
        )
    )
    bundle = pd.read_csv(CASE_STUDY / "app_rank_snapshots.csv", dtype=str, keep_default_na=False)
    got = sorted(
        zip(
            bundle["captured_at"].str[:10],
            bundle["country"],
            bundle["chart"],
            bundle["app_name"],
            bundle["rank"].astype(int),
            bundle["source"],
        )
    )
    assert got == expected
    assert set(bundle["snapshot_kind"]) == {"partial"}
