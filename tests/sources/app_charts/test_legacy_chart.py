"""The legacy iTunes chart JSON: one entry as an object, a list in order, a wrong shape named by field."""

from __future__ import annotations

import pytest

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts.legacy_chart import normalise_legacy
from dagster_project.sources.app_charts.payload_fields import ChartShapeError
from tests.sources.app_charts.payloads import (
    NOW,
    TODAY,
    legacy_entry,
    legacy_entry_template,
    legacy_path,
    legacy_payload,
)


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


def test_wrong_legacy_shape_names_the_field():
    entries = [legacy_entry("1", "A", "a", "g"), legacy_entry("2", "B", "b", "g")]
    del entries[1]["id"]["attributes"]["im:id"]
    with pytest.raises(ChartShapeError, match=r"feed\.entry\[1\]\.id\.attributes\.im:id missing"):
        normalise_legacy(legacy_payload(entries), ChartConfig("us", "top-grossing", 2), NOW)
    with pytest.raises(ChartShapeError, match=r"feed\.entry must be a list or an object"):
        normalise_legacy(legacy_payload("nope"), ChartConfig("us", "top-grossing", 2), NOW)
