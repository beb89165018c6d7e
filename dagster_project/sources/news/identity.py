"""The one rule for "the same news item", written once.

Used by the adapter (within a feed and across the feeds of a run: normalise.py, live.py), by
the lake merge (assets/news.py merge_day) and, restated in SQL, by staging
(dbt/models/staging/stg_news_items.sql; tests/sources/news/test_identity.py runs both on the
same rows and compares).

- An item's id is its guid (RSS <guid>, Atom <id>): the publisher's own name for the post.
  Without one it is "sha1:" of title and link. A link alone is no identity: live blogs,
  market wraps and "latest" pages carry several distinct posts under one link, and keying on
  it lost all but the first, silently. The price: a headline edited on a feed without guids
  arrives as a second item (visible, and counted nowhere as a loss) instead of replacing one.
- Two rows are the same item when they have the same item_id, or, both with a link, the same
  link *and* the same title (one article syndicated under two guids, e.g. by two feeds).
- Of the same item, the row first seen wins: earliest fetched_at, then the smallest feed_id,
  then the smallest item_id, then input order. Stored rows therefore never change on a
  re-run, and the winner does not depend on the order the feeds are configured in.
- Every dropped row is returned with its reason, for the caller to count and log.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from dagster_project.sources.text import collapse_whitespace, remove_invisible

DUPLICATE_ITEM_ID = "duplicate item_id"
DUPLICATE_URL_AND_TITLE = "duplicate url and title"
WINNER_ORDER = ["fetched_at", "feed_id", "item_id"]  # stg_news_items.sql orders the same way
GUID_MAX_CHARS = 500  # a longer guid is stored as its hash: an id, not a document


def news_item_id(guid: object, link: object, title: object) -> str:
    """The guid when there is one, else a stable hash of the (stored) title and the link."""
    guid = collapse_whitespace(remove_invisible(str(guid or "")))
    if len(guid) > GUID_MAX_CHARS:
        return "sha1:" + hashlib.sha1(guid.encode("utf-8", "replace")).hexdigest()
    if guid:
        return guid
    return "sha1:" + hashlib.sha1(f"{title or ''}\n{str(link or '').strip()}".encode("utf-8", "replace")).hexdigest()


def split_duplicates(items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept, dropped): one row per item by the rule above, kept rows in their input order;
    `dropped` holds the other rows with a `reason` column."""
    items = items.reset_index(drop=True)
    if items.empty:
        return items, items.assign(reason=pd.Series(dtype="string"))
    ordered = items.sort_values(WINNER_ORDER, kind="stable", na_position="last")
    same_id = ordered.duplicated(subset=["item_id"], keep="first")
    rest = ordered[~same_id]
    same_page = rest["url"].notna() & rest.duplicated(subset=["url", "title"], keep="first")
    dropped = pd.concat(
        [
            ordered[same_id].assign(reason=DUPLICATE_ITEM_ID),
            rest[same_page].assign(reason=DUPLICATE_URL_AND_TITLE),
        ]
    )
    kept = items.loc[sorted(rest.index[~same_page])]
    return kept.reset_index(drop=True), dropped.reset_index(drop=True)


def count_by_feed(dropped: pd.DataFrame) -> dict[str, dict[str, int]]:
    """feed_id -> reason -> number of rows dropped as duplicates."""
    counts: dict[str, dict[str, int]] = {}
    for (feed_id, reason), n in dropped.groupby(["feed_id", "reason"]).size().items():
        counts.setdefault(str(feed_id), {})[str(reason)] = int(n)
    return counts


def count_reasons(dropped: pd.DataFrame) -> dict[str, int]:
    """reason -> number of rows dropped as duplicates."""
    return {str(k): int(v) for k, v in dropped["reason"].value_counts(sort=False).items()}
