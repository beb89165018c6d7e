"""Apple's v2 chart JSON: the real shape, genres, storefront, and a wrong shape named by field."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts import APP_RANK_COLUMNS, APP_RANK_SCHEMA
from dagster_project.sources.app_charts.v2_chart import normalise_v2
from tests.sources.app_charts.payloads import NOW, TODAY, V2_INLINE, V2_REFERENCE, v2_path, v2_payload


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


@pytest.mark.reference
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


def test_storefront_other_than_requested_fails(server, make_source):
    server.expect_request(v2_path("cn", "top-free", 5)).respond_with_json(v2_payload(5, country="us"))
    result = make_source().fetch([ChartConfig("cn", "top-free", 5)], TODAY)
    assert "feed.country is 'us', not the requested 'cn'" in result.failures["cn/top-free"]
