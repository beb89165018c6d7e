"""App Store top charts: the raw schema, the AppChartSource interface, the live Apple adapter
and the case-study replay. Which charts to capture (ChartConfig) is validated configuration,
from dagster_project.config.

Apple wire-format quirks handled here and nowhere else:
- Apple's feeds only ever show the chart *now*: there is no history endpoint. A live capture
  for any other day than today (UTC) is refused; past days come from replay or from having
  captured daily.
- Two feeds. The v2 JSON (`{v2}/api/v2/{cc}/apps/{top-free|top-paid}/{limit}/apps.json`)
  has `feed.results[]` (`id` as a *string*, `name`, `artistName`, `genres[]` which is often
  empty, and `feed.updated` as an RFC 2822 date) but no top-grossing chart. The legacy iTunes
  JSON (`{legacy}/{cc}/rss/{topfreeapplications|toppaidapplications|topgrossingapplications}/limit={N}/json`)
  carries top-grossing and a genre; we use it for top-grossing only.
- Neither feed states a rank: the rank is the 1-based position in the array.
- Legacy `feed.entry` is a single object instead of a list when there is one result, and is
  absent when there are none. Every legacy value hides under `label` / `attributes`:
  id at `entry.id.attributes["im:id"]`, name `im:name.label`, developer `im:artist.label`,
  genre `category.attributes.label`.
- v2 `genres[]` items have been seen both as objects (`{"genreId", "name", "url"}`) and as
  plain strings; the first one's name is kept, empty when there is none.
- v2 `feed.country` names the storefront served; when present it must be the one requested,
  so a storefront fallback can never land under the wrong country.
- `feed.updated` is when Apple's CDN built the feed, not when we asked. `captured_at` is our
  own clock at the start of the capture (one instant for every chart of one capture), so a
  capture always lands on the date it was asked for; `feed.updated` is only logged.

A chart whose payload is not what we asked for (wrong shape, repeated rank or app, a rank
beyond the requested limit, 0 entries, malformed JSON, HTTP failure) is reported in
`ChartFetchResult.failures` under its key ("us/top-free") and the other charts still land.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from dagster_project.config.source_config import (
    APP_ID_PATTERN,
    DEFAULT_LEGACY_BASE_URL,
    DEFAULT_V2_BASE_URL,
    ChartConfig,
    check_url,
)
from dagster_project.sources.http import HttpClient, HttpError

log = logging.getLogger(__name__)

APP_RANK_COLUMNS = [
    "captured_at",
    "country",
    "chart",
    "rank",
    "app_id",
    "app_name",
    "developer",
    "genre",
    "source",
    "snapshot_kind",
]
APP_RANK_SCHEMA = pa.schema(
    [
        ("captured_at", pa.timestamp("us", tz="UTC")),
        ("country", pa.string()),
        ("chart", pa.string()),
        ("rank", pa.int32()),
        ("app_id", pa.string()),
        ("app_name", pa.string()),
        ("developer", pa.string()),
        ("genre", pa.string()),
        ("source", pa.string()),
        ("snapshot_kind", pa.string()),
    ]
)
SNAPSHOT_KINDS = ("full", "partial")
V2_FEEDS = {"top-free": "top-free", "top-paid": "top-paid"}  # v2 has no top-grossing
LEGACY_FEEDS = {
    "top-free": "topfreeapplications",
    "top-paid": "toppaidapplications",
    "top-grossing": "topgrossingapplications",
}


class ChartShapeError(ValueError):
    """A chart payload is not the chart we asked for; the message names the field or the entries."""


# --- normalising Apple's payloads -------------------------------------------------------------


def _missing(path: str) -> ChartShapeError:
    return ChartShapeError(f"{path} missing")


def _mistyped(path: str, expected: str, value: object) -> ChartShapeError:
    return ChartShapeError(f"{path} must be {expected}, got {type(value).__name__} {str(value)[:60]!r}")


def _get(mapping: dict, key: str, path: str, expected: type | tuple = dict, required: bool = True):
    if key not in mapping or mapping[key] is None:
        if required:
            raise _missing(path)
        return None
    value = mapping[key]
    if not isinstance(value, expected) or isinstance(value, bool):
        names = {dict: "an object", list: "a list", str: "a string"}
        wanted = " or ".join(
            names.get(t, t.__name__) for t in (expected if isinstance(expected, tuple) else (expected,))
        )
        raise _mistyped(path, wanted, value)
    return value


def _app_id(value: object, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _mistyped(path, "a digit string", value)
    if not APP_ID_PATTERN.match(value):
        raise ChartShapeError(f"{path} must be a digit string, got {value!r}")
    return value


def _text(value: object, path: str, required: bool) -> str:
    if value is None:
        if required:
            raise _missing(path)
        return ""
    if not isinstance(value, str):
        raise _mistyped(path, "a string", value)
    if required and not value.strip():
        raise ChartShapeError(f"{path} is empty")
    return value.strip()


def _feed(payload: object) -> dict:
    if not isinstance(payload, dict):
        raise _mistyped("top level", "an object", payload)
    return _get(payload, "feed", "feed")


def _frame(rows: list[dict], chart: ChartConfig, captured_at, source: str, snapshot_kind: str) -> pd.DataFrame:
    captured = pd.Timestamp(captured_at)
    captured = captured.tz_localize("UTC") if captured.tzinfo is None else captured.tz_convert("UTC")
    for rank, row in enumerate(rows, start=1):
        row.update(
            captured_at=captured.to_pydatetime(),
            country=chart.country,
            chart=chart.chart,
            rank=rank,
            source=source,
            snapshot_kind=snapshot_kind,
        )
    check_ranks(rows, chart)
    table = pa.Table.from_pylist(rows, schema=APP_RANK_SCHEMA) if rows else APP_RANK_SCHEMA.empty_table()
    return table.to_pandas()[APP_RANK_COLUMNS]


def check_ranks(rows: list[dict], chart: ChartConfig) -> None:
    """One chart's rows: ranks unique and in 1..limit, each app once. Raises ChartShapeError."""
    ranks: dict[int, list[str]] = {}
    apps: dict[str, list[int]] = {}
    for row in rows:
        ranks.setdefault(row["rank"], []).append(row["app_id"])
        apps.setdefault(row["app_id"], []).append(row["rank"])
    out_of_range = sorted(r for r in ranks if not 1 <= r <= chart.limit)
    if out_of_range:
        raise ChartShapeError(
            f"{chart.key}: rank(s) {out_of_range[:5]} outside 1..{chart.limit} "
            f"({len(rows)} entries for a top-{chart.limit} request)"
        )
    repeated_ranks = {r: ids for r, ids in ranks.items() if len(ids) > 1}
    if repeated_ranks:
        detail = "; ".join(f"rank {r}: apps {', '.join(ids)}" for r, ids in sorted(repeated_ranks.items())[:5])
        raise ChartShapeError(f"{chart.key}: duplicate rank(s): {detail}")
    repeated_apps = {a: rs for a, rs in apps.items() if len(rs) > 1}
    if repeated_apps:
        detail = "; ".join(f"app {a} at ranks {', '.join(map(str, rs))}" for a, rs in list(repeated_apps.items())[:5])
        raise ChartShapeError(f"{chart.key}: duplicate app id(s): {detail}")


def normalise_v2(payload: object, chart: ChartConfig, captured_at, source: str = "apple_rss_v2") -> pd.DataFrame:
    """Apple's v2 chart JSON -> rows in APP_RANK_COLUMNS (rank = 1-based array position)."""
    feed = _feed(payload)
    results = _get(feed, "results", "feed.results", list)
    updated = feed.get("updated")
    if updated is not None and not isinstance(updated, str):
        raise _mistyped("feed.updated", "a string", updated)
    country = feed.get("country")
    if isinstance(country, str) and country.strip().lower() != chart.country:
        raise ChartShapeError(f"feed.country is {country!r}, not the requested {chart.country!r}")
    log.debug("%s: v2 feed updated %s, %d results", chart.key, updated, len(results))
    rows = []
    for index, item in enumerate(results):
        path = f"feed.results[{index}]"
        if not isinstance(item, dict):
            raise _mistyped(path, "an object", item)
        if item.get("id") is None:
            raise _missing(f"{path}.id")
        genres = _get(item, "genres", f"{path}.genres", list, required=False) or []
        genre = ""
        if genres:
            first = genres[0]
            if isinstance(first, dict):
                genre = _text(first.get("name"), f"{path}.genres[0].name", required=False)
            else:
                genre = _text(first, f"{path}.genres[0]", required=False)
        rows.append(
            {
                "app_id": _app_id(item["id"], f"{path}.id"),
                "app_name": _text(item.get("name"), f"{path}.name", required=True),
                "developer": _text(item.get("artistName"), f"{path}.artistName", required=False),
                "genre": genre,
            }
        )
    return _frame(rows, chart, captured_at, source, "full")


def _label(entry: dict, key: str, path: str, required: bool) -> str:
    node = _get(entry, key, f"{path}.{key}", dict, required=required)
    if node is None:
        return ""
    return _text(node.get("label"), f"{path}.{key}.label", required=required)


def normalise_legacy(
    payload: object, chart: ChartConfig, captured_at, source: str = "apple_itunes_rss"
) -> pd.DataFrame:
    """Apple's legacy iTunes chart JSON -> rows in APP_RANK_COLUMNS (rank = 1-based position).

    `feed.entry` is a list, a single object (one result) or absent (no results).
    """
    feed = _feed(payload)
    entries = feed.get("entry")
    if entries is None:
        entries = []
    elif isinstance(entries, dict):
        entries = [entries]
    elif not isinstance(entries, list):
        raise _mistyped("feed.entry", "a list or an object", entries)
    rows = []
    for index, entry in enumerate(entries):
        path = f"feed.entry[{index}]"
        if not isinstance(entry, dict):
            raise _mistyped(path, "an object", entry)
        id_node = _get(entry, "id", f"{path}.id")
        attributes = _get(id_node, "attributes", f"{path}.id.attributes")
        if attributes.get("im:id") is None:
            raise _missing(f"{path}.id.attributes.im:id")
        category = _get(entry, "category", f"{path}.category", dict, required=False) or {}
        category_attributes = _get(category, "attributes", f"{path}.category.attributes", dict, required=False) or {}
        rows.append(
            {
                "app_id": _app_id(attributes["im:id"], f"{path}.id.attributes.im:id"),
                "app_name": _label(entry, "im:name", path, required=True),
                "developer": _label(entry, "im:artist", path, required=False),
                "genre": _text(category_attributes.get("label"), f"{path}.category.attributes.label", required=False),
            }
        )
    return _frame(rows, chart, captured_at, source, "full")


# --- sources ----------------------------------------------------------------------------------


def empty_app_ranks() -> pd.DataFrame:
    return APP_RANK_SCHEMA.empty_table().to_pandas()


@dataclass
class ChartFetchResult:
    """Rows of every chart that landed, and a message per chart that did not ("us/top-free")."""

    rows: pd.DataFrame
    failures: dict[str, str] = field(default_factory=dict)


class AppChartSource(Protocol):
    name: str

    def fetch(self, charts: list[ChartConfig], capture_date: dt.date) -> ChartFetchResult:
        """Rows in APP_RANK_COLUMNS for `charts` as captured on `capture_date` (UTC)."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _unique(charts: list[ChartConfig]) -> list[ChartConfig]:
    return list(dict.fromkeys(charts))


class LiveAppChartSource:
    """Today's charts from Apple: v2 JSON for top-free/top-paid, legacy iTunes JSON for top-grossing."""

    name = "apple_rss"

    def __init__(
        self,
        client: HttpClient,
        v2_base: str = DEFAULT_V2_BASE_URL,
        legacy_base: str = DEFAULT_LEGACY_BASE_URL,
        clock: Callable[[], dt.datetime] = _utc_now,
    ):
        self.client = client
        self.v2_base = check_url(v2_base).rstrip("/")
        self.legacy_base = check_url(legacy_base).rstrip("/")
        self.clock = clock

    def url_for(self, chart: ChartConfig) -> str:
        if chart.chart in V2_FEEDS:
            return f"{self.v2_base}/api/v2/{chart.country}/apps/{V2_FEEDS[chart.chart]}/{chart.limit}/apps.json"
        return f"{self.legacy_base}/{chart.country}/rss/{LEGACY_FEEDS[chart.chart]}/limit={chart.limit}/json"

    def _now(self) -> pd.Timestamp:
        now = pd.Timestamp(self.clock())
        return now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")

    def fetch(self, charts: list[ChartConfig], capture_date: dt.date) -> ChartFetchResult:
        captured_at = self._now()
        today = captured_at.date()
        if capture_date != today:
            raise ValueError(
                f"Apple's charts only show the current chart; cannot capture {capture_date.isoformat()} live "
                f"(today is {today.isoformat()} UTC) — use replay or capture daily"
            )
        frames: list[pd.DataFrame] = []
        failures: dict[str, str] = {}
        for chart in _unique(charts):
            try:
                frames.append(self._fetch_one(chart, captured_at))
            except (HttpError, ChartShapeError) as exc:
                failures[chart.key] = f"{chart.key}: {exc}"
                log.warning("app chart %s failed: %s", chart.key, exc)
        rows = pd.concat(frames, ignore_index=True) if frames else empty_app_ranks()
        return ChartFetchResult(rows=rows, failures=failures)

    def _fetch_one(self, chart: ChartConfig, captured_at: pd.Timestamp) -> pd.DataFrame:
        url = self.url_for(chart)
        response = self.client.get(url)
        try:
            payload: Any = json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ChartShapeError(f"malformed JSON from {url}: {exc}"[:400]) from None
        normalise = normalise_v2 if chart.chart in V2_FEEDS else normalise_legacy
        try:
            rows = normalise(payload, chart, captured_at, source=url)
        except ChartShapeError as exc:
            raise ChartShapeError(f"{exc} (in {url})") from None
        if rows.empty:
            raise ChartShapeError(f"0 entries in {url}")
        return rows


class CaseStudyAppChartSource:
    """The bundled, documented chart positions (case_study/app_rank_snapshots.csv).

    These are the few positions public reports give, not whole charts, so every row is
    `snapshot_kind='partial'`. A chart with no documented position on a date simply has no
    rows (not a failure); rows ranked beyond a chart's requested limit are left out.
    """

    name = "case_study"

    def __init__(self, case_study_dir: Path):
        self.path = Path(case_study_dir) / "app_rank_snapshots.csv"

    @cached_property
    def _snapshots(self) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(f"case-study app ranks not found at {self.path}")
        frame = pd.read_csv(self.path, dtype=str, keep_default_na=False)
        missing = [c for c in APP_RANK_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.path}: missing column(s) {missing}")
        bad = sorted(set(frame["snapshot_kind"]) - set(SNAPSHOT_KINDS))
        if bad:
            raise ValueError(f"{self.path}: snapshot_kind {bad} not in {SNAPSHOT_KINDS}")
        frame["captured_at"] = pd.to_datetime(frame["captured_at"], utc=True).astype("datetime64[us, UTC]")
        frame["rank"] = frame["rank"].astype("int32")
        table = pa.Table.from_pandas(frame[APP_RANK_COLUMNS], schema=APP_RANK_SCHEMA, preserve_index=False)
        return table.to_pandas()

    def fetch(self, charts: list[ChartConfig], capture_date: dt.date) -> ChartFetchResult:
        frame = self._snapshots
        limits = {(c.country, c.chart): c.limit for c in charts}
        wanted = [
            (country, chart) in limits and rank <= limits[(country, chart)]
            for country, chart, rank in zip(frame["country"], frame["chart"], frame["rank"])
        ]
        on_date = frame["captured_at"].dt.date == capture_date
        rows = frame[on_date & pd.Series(wanted, index=frame.index, dtype=bool)]
        rows = rows.sort_values(["country", "chart", "rank"]).reset_index(drop=True)
        return ChartFetchResult(rows=rows, failures={})
