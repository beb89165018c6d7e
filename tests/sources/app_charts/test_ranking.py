"""The checks one chart must pass: each app once, ranks within the requested limit."""

from __future__ import annotations

from dagster_project.config.source_config import ChartConfig
from tests.sources.app_charts.payloads import TODAY, v2_path, v2_payload


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
