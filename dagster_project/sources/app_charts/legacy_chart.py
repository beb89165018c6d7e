"""Apple's legacy iTunes chart JSON
(`{legacy}/{cc}/rss/{topfreeapplications|toppaidapplications|topgrossingapplications}/limit={N}/json`).

It carries top-grossing (which v2 lacks) and a genre; we use it for top-grossing only.
- `feed.entry` is a single object instead of a list when there is one result, and is absent
  when there are none.
- Every value hides under `label` / `attributes`: id at `entry.id.attributes["im:id"]`, name
  `im:name.label`, developer `im:artist.label`, genre `category.attributes.label`.
- `im:contentType.attributes.term` is "Application" in an apps chart; the same iTunes API
  serves songs, albums and podcasts: any other content type is rejected by name.
"""

from __future__ import annotations

import pandas as pd

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts.payload_fields import (
    ChartShapeError,
    feed_object,
    get_field,
    missing,
    mistyped,
    parse_app_id,
    parse_text,
)
from dagster_project.sources.app_charts.ranking import ranked_frame

APP_CONTENT_TYPE = "Application"


def _check_content_type(entry: dict, path: str) -> None:
    node = get_field(entry, "im:contentType", f"{path}.im:contentType", dict, required=False) or {}
    attributes = node.get("attributes")
    term = attributes.get("term") if isinstance(attributes, dict) else None
    if term is not None and term != APP_CONTENT_TYPE:
        raise ChartShapeError(f"{path}.im:contentType is {str(term)[:40]!r}, not {APP_CONTENT_TYPE!r}")


def _label(entry: dict, key: str, path: str, required: bool) -> str:
    node = get_field(entry, key, f"{path}.{key}", dict, required=required)
    if node is None:
        return ""
    return parse_text(node.get("label"), f"{path}.{key}.label", required=required)


def normalise_legacy(
    payload: object, chart: ChartConfig, captured_at, source: str = "apple_itunes_rss"
) -> pd.DataFrame:
    """Apple's legacy iTunes chart JSON -> rows in APP_RANK_COLUMNS (rank = 1-based position).

    `feed.entry` is a list, a single object (one result) or absent (no results).
    """
    feed = feed_object(payload)
    entries = feed.get("entry")
    if entries is None:
        entries = []
    elif isinstance(entries, dict):
        entries = [entries]
    elif not isinstance(entries, list):
        raise mistyped("feed.entry", "a list or an object", entries)
    rows = []
    for index, entry in enumerate(entries):
        path = f"feed.entry[{index}]"
        if not isinstance(entry, dict):
            raise mistyped(path, "an object", entry)
        _check_content_type(entry, path)
        id_node = get_field(entry, "id", f"{path}.id")
        attributes = get_field(id_node, "attributes", f"{path}.id.attributes")
        if attributes.get("im:id") is None:
            raise missing(f"{path}.id.attributes.im:id")
        category = get_field(entry, "category", f"{path}.category", dict, required=False) or {}
        category_attributes = (
            get_field(category, "attributes", f"{path}.category.attributes", dict, required=False) or {}
        )
        rows.append(
            {
                "app_id": parse_app_id(attributes["im:id"], f"{path}.id.attributes.im:id"),
                "app_name": _label(entry, "im:name", path, required=True),
                "developer": _label(entry, "im:artist", path, required=False),
                "genre": parse_text(
                    category_attributes.get("label"), f"{path}.category.attributes.label", required=False
                ),
            }
        )
    return ranked_frame(rows, chart, captured_at, source, "full")
