"""The live Apple adapter over a local HTTP server: which feed serves which chart, retries,
and failures that stay with their chart (HTTP, timeouts, empty charts, unreadable JSON)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from werkzeug import Response

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts import APP_RANK_COLUMNS
from tests.sources.app_charts.payloads import TODAY, legacy_path, legacy_payload, v2_path, v2_payload


def test_top_free_and_paid_use_v2_and_grossing_uses_legacy(make_source):
    source = make_source()
    assert source.url_for(ChartConfig("jp", "top-paid", 25)).endswith("/v2/api/v2/jp/apps/top-paid/25/apps.json")
    assert source.url_for(ChartConfig("jp", "top-grossing", 25)).endswith(
        "/itunes/jp/rss/topgrossingapplications/limit=25/json"
    )
    assert "//jp" not in source.url_for(ChartConfig("jp", "top-grossing", 25))  # trailing slash of the base dropped


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


# --- isolation: whatever a parser raises fails its own chart only (#13) ----------------------------


def test_deeply_nested_json_fails_that_chart_and_the_others_land(server, make_source):
    # json.loads raises RecursionError here, which is no ValueError: it used to abort the capture
    nested = "[" * 100_000 + "]" * 100_000
    deep = v2_path("us", "top-free", 10)
    server.expect_request(deep).respond_with_data(nested, content_type="application/json")
    server.expect_request(v2_path("us", "top-paid", 10)).respond_with_json(v2_payload(10))

    result = make_source().fetch([ChartConfig("us", "top-free", 10), ChartConfig("us", "top-paid", 10)], TODAY)

    assert list(result.failures) == ["us/top-free"]
    message = result.failures["us/top-free"]
    assert message.startswith("us/top-free: unreadable JSON from ") and "RecursionError" in message
    assert server.url_for(deep) in message and len(message) < 500
    assert len(result.rows) == 10 and set(result.rows["chart"]) == {"top-paid"}


def test_a_reader_that_raises_anything_fails_that_chart_only(server, make_source, monkeypatch):
    from dagster_project.sources.app_charts import live

    def crash(payload, chart, captured_at, source):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(live, "normalise_legacy", crash)
    server.expect_request(legacy_path("us", "topgrossingapplications", 5)).respond_with_json(legacy_payload([]))
    server.expect_request(v2_path("us", "top-free", 5)).respond_with_json(v2_payload(5))

    result = make_source().fetch([ChartConfig("us", "top-grossing", 5), ChartConfig("us", "top-free", 5)], TODAY)

    assert list(result.failures) == ["us/top-grossing"]
    assert "unreadable chart payload from " in result.failures["us/top-grossing"]
    assert "TypeError: 'NoneType' object is not subscriptable" in result.failures["us/top-grossing"]
    assert len(result.rows) == 5 and set(result.rows["chart"]) == {"top-free"}
