"""Raw news items: every configured feed, one Parquet file per publication day (UTC).

A feed is a moving window, so a day's file is the union of what earlier runs stored and
what this run fetched, one row per item by the rule of sources/news/identity.py (the row
first seen wins; every dropped duplicate is counted and logged): re-running never loses an
item that has since dropped out of its feed, and re-running with the same feed content
changes nothing.
One failing feed is logged and reported by a (non-blocking) check; the others still land.
"""

import datetime as dt
from typing import NamedTuple

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project import datasets, lake
from dagster_project.assets.ingest import preview, quarantine, write_dataset
from dagster_project.automation import NEWS_FRESHNESS
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.checks import CheckOutcome, check_results, check_specs
from dagster_project.partitions import news_day_partitions
from dagster_project.resources import SourcesResource, WatchlistResource
from dagster_project.sources.news.identity import count_by_feed, split_duplicates
from dagster_project.sources.text import clean_text

FUTURE_TOLERANCE = pd.Timedelta(days=1)
NEWS_CHECKS = {"unique_item_id": True, "published_at_valid": True, "title_not_empty": True, "all_feeds_fetched": False}


class MergedDay(NamedTuple):
    items: pd.DataFrame
    dropped: dict[str, dict[str, int]]  # feed_id -> reason -> rows dropped as the same item


def merge_day(existing: pd.DataFrame | None, fetched: pd.DataFrame) -> MergedDay:
    """A day's stored rows and this run's, one row per item (identity.py: first seen wins)."""
    frames = [f for f in (existing, fetched) if f is not None and not f.empty]
    if not frames:
        return MergedDay(fetched.iloc[0:0], {})
    merged, duplicates = split_duplicates(pd.concat(frames, ignore_index=True))
    return MergedDay(merged.sort_values(["published_at", "item_id"]).reset_index(drop=True), count_by_feed(duplicates))


@asset(
    **datasets.NEWS_ITEMS.asset_args(),
    partitions_def=news_day_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    freshness_policy=NEWS_FRESHNESS,
    check_specs=check_specs("news_items", NEWS_CHECKS),
    description=(
        "News items from the configured RSS/Atom feeds and Google News searches, one file per "
        "publication day in UTC (lake/news_items/published_date=YYYY-MM-DD). HTML is stripped "
        "from titles and summaries; one row per item (the same guid, or the same link and title; "
        "first seen wins)."
    ),
)
def news_items(
    context: AssetExecutionContext,
    settings: ShockWatchSettings,
    sources: SourcesResource,
    watchlist: WatchlistResource,
):
    days = [dt.date.fromisoformat(k) for k in context.partition_keys]
    feeds = list(watchlist.feeds)
    context.log.info(f"fetching {len(feeds)} feeds for {days[0]}..{days[-1]} from {sources.news.name}")
    result = sources.news.fetch(feeds, days[0], days[-1])
    for feed_id, message in result.failures.items():
        context.log.warning(f"feed {feed_id} failed: {message}")
    for feed_id, reasons in result.dropped.items():
        context.log.warning(f"feed {feed_id}: dropped items {reasons}")
    if feeds and sources.mode == "live" and len(result.failures) >= len(feeds):
        raise Failure(description=f"every news feed failed; nothing written: {result.failures}", allow_retries=False)

    items = result.items
    now = pd.Timestamp.now(tz="UTC")
    future = items[items["published_at"] > now + FUTURE_TOLERANCE]
    if not future.empty:
        path = quarantine(
            settings, "news_items", context.run_id, future.assign(reason="published more than a day in the future")
        )
        context.log.warning(f"{len(future)} news items dated in the future quarantined to {path}")
    items = items[items["published_at"] <= now + FUTURE_TOLERANCE]
    item_day = items["published_at"].dt.tz_convert("UTC").dt.date
    outside = int((~item_day.isin(days)).sum())
    if outside:
        context.log.info(
            f"{outside} fetched items were published outside {days[0]}..{days[-1]}; they belong to other partitions"
        )

    written, already_stored = [], {}
    for day in days:
        path = datasets.NEWS_ITEMS.path(settings.lake_dir, day.isoformat())
        existing = lake.read_parquet(path) if path.exists() else None
        merged, dropped = merge_day(existing, items[item_day == day])
        if dropped:
            # mostly items stored by an earlier run and fetched again: expected, but counted
            context.log.info(f"news_items {day}: rows already stored as the same item, not added again: {dropped}")
            already_stored[day.isoformat()] = dropped
        write_dataset(settings, datasets.NEWS_ITEMS, merged, day.isoformat())
        written.append(merged)
    stored = pd.concat(written, ignore_index=True)

    yield MaterializeResult(
        metadata={
            "dagster/row_count": len(stored),
            "fetched_items": len(items),
            "items_dropped": MetadataValue.json(result.dropped),  # feed_id -> reason -> count
            "items_already_stored": MetadataValue.json(already_stored),
            "feeds_failed": MetadataValue.json(result.failures),
            "feeds_not_modified": MetadataValue.json(result.not_modified),
            "source": sources.news.name,
            "preview": preview(
                stored.sort_values("published_at", ascending=False)[["published_at", "publisher", "title"]]
            ),
        },
        check_results=_news_checks(stored, result.failures, now),
    )


def _news_checks(stored: pd.DataFrame, failures: dict[str, str], now: pd.Timestamp) -> list[AssetCheckResult]:
    def outcome(name: str, bad: pd.DataFrame, description: str) -> CheckOutcome:
        return CheckOutcome(name, bad.empty, description, len(bad), bad["item_id"].head(10).tolist())

    dupes = stored[stored.duplicated("item_id", keep=False)]
    bad_time = stored[stored["published_at"].isna() | (stored["published_at"] > now + FUTURE_TOLERANCE)]
    # the adapter's normaliser decides what "empty" is: a title of zero-width characters is empty
    no_title = stored[stored["title"].map(clean_text) == ""]
    return check_results(
        [
            outcome("unique_item_id", dupes, "item_id is unique"),
            outcome("published_at_valid", bad_time, "every item has a date, at most 1 day ahead"),
            outcome("title_not_empty", no_title, "every item has a title"),
            CheckOutcome(
                "all_feeds_fetched",
                not failures,
                "every configured feed answered",
                len(failures),
                sorted(failures),
                blocking=False,
                extra={"failures": failures},
            ),
        ]
    )
