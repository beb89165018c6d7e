"""One rule for "the same news item" (#13), in dagster_project/sources/news/identity.py, used by
the adapter (per feed and across feeds), the lake merge (assets/news.merge_day) and staging
(dbt/models/staging/stg_news_items.sql): every dropped duplicate is counted with its reason,
and distinct posts that share one link are kept."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.assets.news import merge_day
from dagster_project.sources.news import news_frame
from dagster_project.sources.news.identity import news_item_id, split_duplicates
from dagster_project.sources.news.normalise import normalise_feed
from tests.sources.news.payloads import FETCHED, JAN27, JAN28, item, make_source, parse, rss, serve

STAGING_SQL = Path(__file__).resolve().parents[3] / "dbt" / "models" / "staging" / "stg_news_items.sql"


def row(item_id, url, title, feed_id="a", fetched="2025-01-28T06:00:00Z", published="2025-01-27T12:00:00Z"):
    return {
        "feed_id": feed_id,
        "item_id": item_id,
        "url": url,
        "title": title,
        "publisher": "P",
        "published_at": pd.Timestamp(published).to_pydatetime(),
        "summary": None,
        "fetched_at": pd.Timestamp(fetched).to_pydatetime(),
    }


def test_distinct_posts_sharing_one_link_are_all_kept():
    # a live blog without guids: every post links to the same page
    feed = rss(
        item("09:00 Nvidia opens 12% down", link="https://n.test/live")
        + item("10:30 Nvidia extends losses", link="https://n.test/live")
        + item("10:30 Nvidia extends losses", link="https://n.test/live")
    )
    items, dropped = normalise_feed("live", parse(feed), FETCHED, None)
    assert list(items["title"]) == ["09:00 Nvidia opens 12% down", "10:30 Nvidia extends losses"]
    assert items["item_id"].is_unique and set(items["url"]) == {"https://n.test/live"}
    assert dropped == {"duplicate item_id": 1}


def test_item_id_is_the_guid_else_a_hash_of_title_and_link():
    assert news_item_id(" g-1 ", "https://n.test/1", "T") == "g-1"
    assert news_item_id(None, "https://n.test/1", "A") != news_item_id(None, "https://n.test/1", "B")
    assert news_item_id("", "https://n.test/1", "A") == news_item_id(None, "https://n.test/1", "A")
    assert news_item_id(None, "https://n.test/1", "A").startswith("sha1:")


def test_across_feeds_duplicates_are_counted_per_feed(httpserver):
    a = serve(
        httpserver,
        "/a.xml",
        rss(
            item("Nvidia falls", link="https://n.test/1", guid="g1")
            + item("Shared", link="https://n.test/2", guid="a2")
        ),
    )
    b = serve(
        httpserver,
        "/b.xml",
        rss(
            item("Nvidia falls (copy)", link="https://n.test/x", guid="g1")  # same guid: same item
            + item("Shared", link="https://n.test/2", guid="b2")  # same link and title: same item
            + item("Another post on that page", link="https://n.test/2", guid="b3")  # distinct: kept
        ),
    )
    result = make_source().fetch([b, a], JAN27, JAN28)  # the rule, not the config order, picks the winner
    assert sorted(zip(result.items["feed_id"], result.items["item_id"])) == [
        ("a_xml", "a2"),
        ("a_xml", "g1"),
        ("b_xml", "b3"),
    ]
    assert result.dropped == {"b_xml": {"duplicate item_id": 1, "duplicate url and title": 1}}


def test_the_lake_merge_keeps_the_first_seen_row_and_counts_the_others():
    existing = news_frame([row("g1", "https://n.test/1", "Old title", fetched="2025-01-27T06:00:00Z")])
    fetched = news_frame(
        [
            row("g1", "https://n.test/1", "New title"),
            row("g2", "https://n.test/1", "Old title", feed_id="b"),
            row("g3", "https://n.test/1", "Other post"),
        ]
    )
    merged = merge_day(existing, fetched)
    assert list(merged.items["title"]) == ["Old title", "Other post"]
    assert merged.dropped == {"a": {"duplicate item_id": 1}, "b": {"duplicate url and title": 1}}


def _staging_rows(lake: pd.DataFrame, tmp_path: Path) -> set[tuple]:
    path = tmp_path / "news.parquet"
    lake.to_parquet(path, index=False)
    sql = re.sub(r"\{\{\s*source\('lake', 'news_items'\)\s*\}\}", f"read_parquet('{path}')", STAGING_SQL.read_text())
    sql = re.sub(r"--[^\n]*", "", sql)
    with duckdb.connect() as con:
        return set(con.sql(f"select item_id, feed_id, title from ({sql})").fetchall())


def test_staging_applies_the_same_rule_as_python(tmp_path):
    # what staging sees: several day files of the lake, each already merged, that may overlap
    # (an item whose published date moved between fetches lands in two day files)
    lake = news_frame(
        [
            row("g1", "https://n.test/1", "First seen", fetched="2025-01-27T06:00:00Z"),
            row(
                "g1", "https://n.test/1", "Seen later", fetched="2025-01-28T06:00:00Z", published="2025-01-28T01:00:00Z"
            ),
            row("g2", "https://n.test/2", "Same page", feed_id="b"),
            row("g3", "https://n.test/2", "Same page", feed_id="a"),
            row("g4", "https://n.test/2", "Another post on that page"),
            row("g5", None, "No link"),
            row("g6", None, "No link"),
        ]
    )
    kept, dropped = split_duplicates(lake)
    python = set(zip(kept["item_id"], kept["feed_id"], kept["title"]))
    assert python == {
        ("g1", "a", "First seen"),
        ("g3", "a", "Same page"),
        ("g4", "a", "Another post on that page"),
        ("g5", "a", "No link"),
        ("g6", "a", "No link"),
    }
    assert sorted(dropped["reason"]) == ["duplicate item_id", "duplicate url and title"]
    assert _staging_rows(lake, tmp_path) == python
