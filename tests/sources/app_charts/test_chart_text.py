"""App chart text (#13): names and developers normalised like news text, a payload of another
kind (music, podcasts) rejected by name, a name of invisible characters only is no name."""

from __future__ import annotations

import pytest

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts.legacy_chart import normalise_legacy
from dagster_project.sources.app_charts.payload_fields import ChartShapeError
from dagster_project.sources.app_charts.v2_chart import normalise_v2
from tests.sources.app_charts.payloads import NOW, legacy_entry, legacy_payload, v2_payload

CHART = ChartConfig("us", "top-free", 10)
GROSSING = ChartConfig("us", "top-grossing", 10)


def test_control_characters_and_newlines_leave_names_and_developers():
    payload = v2_payload(2)
    payload["feed"]["results"][0]["name"] = "Chat\x00GPT\x1b[31m\nfor\r\niPhone\u200b"
    payload["feed"]["results"][1]["artistName"] = "Open\u202eAI\x07 \t L.L.C.\x85"
    rows = normalise_v2(payload, CHART, NOW)
    assert rows.loc[0, "app_name"] == "ChatGPT[31m for iPhone"
    assert rows.loc[1, "developer"] == "OpenAI L.L.C."
    legacy = legacy_payload([legacy_entry("6448311069", "Chat\x00GPT\n", "Open\x1bAI", "Produc\x00tivity")])
    rows = normalise_legacy(legacy, GROSSING, NOW)
    assert (rows.loc[0, "app_name"], rows.loc[0, "developer"], rows.loc[0, "genre"]) == (
        "ChatGPT",
        "OpenAI",
        "Productivity",
    )


@pytest.mark.parametrize("kind", ["songs", "albums", "podcasts", "music-videos"])
def test_a_v2_payload_of_another_kind_is_rejected_by_name(kind):
    payload = v2_payload(3)
    for result in payload["feed"]["results"]:
        result["kind"] = kind
    with pytest.raises(ChartShapeError, match=rf"feed\.results\[0\]\.kind is '{kind}', not 'apps'"):
        normalise_v2(payload, CHART, NOW)


def test_a_v2_feed_id_of_another_media_type_is_rejected_by_name():
    payload = v2_payload(1)
    payload["feed"]["id"] = "https://rss.applemarketingtools.com/api/v2/us/music/most-played/10/songs.json"
    payload["feed"]["results"][0].pop("kind")
    with pytest.raises(ChartShapeError, match=r"feed\.id .*music.*not an apps chart"):
        normalise_v2(payload, CHART, NOW)


def test_a_legacy_entry_of_another_content_type_is_rejected_by_name():
    entry = legacy_entry("1", "Some Album", "Some Band", "Pop")
    entry["im:contentType"] = {"attributes": {"term": "Music", "label": "Music"}}
    with pytest.raises(ChartShapeError, match=r"feed\.entry\[0\]\.im:contentType is 'Music', not 'Application'"):
        normalise_legacy(legacy_payload([entry]), GROSSING, NOW)


@pytest.mark.parametrize("name", ["\u200b\u200c\u200d", "\ufeff\u2060", "\x00\x1b", " \u00ad "])
def test_a_name_of_invisible_characters_only_fails_the_chart(name):
    payload = v2_payload(2)
    payload["feed"]["results"][1]["name"] = name
    with pytest.raises(ChartShapeError, match=r"feed\.results\[1\]\.name is empty"):
        normalise_v2(payload, CHART, NOW)
    legacy = legacy_payload([legacy_entry("6448311069", name, "OpenAI", "Productivity")])
    with pytest.raises(ChartShapeError, match=r"feed\.entry\[0\]\.im:name\.label is empty"):
        normalise_legacy(legacy, GROSSING, NOW)
