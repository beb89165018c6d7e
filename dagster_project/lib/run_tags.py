"""The run tags Dagster puts a run's partitions in, and what the project makes of them."""

from __future__ import annotations

from collections.abc import Mapping

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """(first, last) partition key of a run: one partition, a range, or None without any."""
    if tags.get(RANGE_START_TAG) and tags.get(RANGE_END_TAG):
        return tags[RANGE_START_TAG], tags[RANGE_END_TAG]
    if tags.get(PARTITION_TAG):
        return tags[PARTITION_TAG], tags[PARTITION_TAG]
    return None


def partition_label(tags: Mapping[str, str]) -> str | None:
    """'2025-01-27' or '2024-01-02..2025-06-30', for messages."""
    window = partition_range(tags)
    if window is None:
        return None
    first, last = window
    return first if first == last else f"{first}..{last}"


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags that make a run cover first..last (what a backfill of a range sets)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}
