"""Apple's v2 chart JSON (`{v2}/api/v2/{cc}/apps/{top-free|top-paid}/{limit}/apps.json`).

It has `feed.results[]` (`id` as a *string*, `name`, `artistName`, `genres[]` which is often
empty, and `feed.updated` as an RFC 2822 date) but no top-grossing chart.
- `genres[]` items have been seen both as objects (`{"genreId", "name", "url"}`) and as
  plain strings; the first one's name is kept, empty when there is none.
- `feed.country` names the storefront served; when present it must be the one requested,
  so a storefront fallback can never land under the wrong country.
- `feed.updated` is when Apple's CDN built the feed, not when we asked: it is only logged.
- The same API serves music, podcasts and books charts in the same shape: `results[].kind`
  ("apps") and the path of `feed.id` (".../us/apps/top-free/...") must say apps, or the
  payload is rejected by name, never stored as app ranks.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

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

log = logging.getLogger(__name__)

APP_KIND = "apps"


def _check_media_type(feed: dict) -> None:
    """feed.id names the chart served (".../api/v2/{cc}/{media}/{chart}/..."): apps only."""
    feed_id = feed.get("id")
    if not isinstance(feed_id, str):
        return
    parts = urlsplit(feed_id).path.strip("/").split("/")
    if len(parts) >= 4 and parts[0] == "api" and parts[1] == "v2" and parts[3] != APP_KIND:
        raise ChartShapeError(f"feed.id {feed_id[:120]!r} is a {parts[3]!r} chart, not an apps chart")


def normalise_v2(payload: object, chart: ChartConfig, captured_at, source: str = "apple_rss_v2") -> pd.DataFrame:
    """Apple's v2 chart JSON -> rows in APP_RANK_COLUMNS (rank = 1-based array position)."""
    feed = feed_object(payload)
    results = get_field(feed, "results", "feed.results", list)
    updated = feed.get("updated")
    if updated is not None and not isinstance(updated, str):
        raise mistyped("feed.updated", "a string", updated)
    country = feed.get("country")
    if isinstance(country, str) and country.strip().lower() != chart.country:
        raise ChartShapeError(f"feed.country is {country!r}, not the requested {chart.country!r}")
    _check_media_type(feed)
    log.debug("%s: v2 feed updated %s, %d results", chart.key, updated, len(results))
    rows = []
    for index, item in enumerate(results):
        path = f"feed.results[{index}]"
        if not isinstance(item, dict):
            raise mistyped(path, "an object", item)
        if item.get("id") is None:
            raise missing(f"{path}.id")
        kind = item.get("kind")
        if kind is not None and kind != APP_KIND:
            raise ChartShapeError(f"{path}.kind is {str(kind)[:40]!r}, not {APP_KIND!r}")
        genres = get_field(item, "genres", f"{path}.genres", list, required=False) or []
        genre = ""
        if genres:
            first = genres[0]
            if isinstance(first, dict):
                genre = parse_text(first.get("name"), f"{path}.genres[0].name", required=False)
            else:
                genre = parse_text(first, f"{path}.genres[0]", required=False)
        rows.append(
            {
                "app_id": parse_app_id(item["id"], f"{path}.id"),
                "app_name": parse_text(item.get("name"), f"{path}.name", required=True),
                "developer": parse_text(item.get("artistName"), f"{path}.artistName", required=False),
                "genre": genre,
            }
        )
    return ranked_frame(rows, chart, captured_at, source, "full")
