"""The live App Store charts: v2 JSON for top-free/top-paid, legacy iTunes JSON for top-grossing.

- Apple's feeds only ever show the chart *now*: there is no history endpoint. A live capture
  for any other day than today (UTC) is refused; past days come from replay or from having
  captured daily.
- `captured_at` is our own clock at the start of the capture (one instant for every chart of
  one capture), so a capture always lands on the date it was asked for.

A chart whose payload is not what we asked for (wrong shape, repeated rank or app, a rank
beyond the requested limit, 0 entries, malformed JSON, HTTP failure) is reported in
`ChartFetchResult.failures` under its key ("us/top-free") and the other charts still land.
That holds whatever the parser raises: `json.loads` raises RecursionError, not ValueError,
on deeply nested arrays.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

from dagster_project.config.source_config import (
    DEFAULT_LEGACY_BASE_URL,
    DEFAULT_V2_BASE_URL,
    ChartConfig,
    check_url,
)
from dagster_project.sources.app_charts.legacy_chart import normalise_legacy
from dagster_project.sources.app_charts.payload_fields import ChartShapeError
from dagster_project.sources.app_charts.schema import ChartFetchResult, empty_app_ranks
from dagster_project.sources.app_charts.v2_chart import normalise_v2
from dagster_project.sources.http import HttpClient, HttpError

log = logging.getLogger(__name__)

V2_FEEDS = {"top-free": "top-free", "top-paid": "top-paid"}  # v2 has no top-grossing
LEGACY_FEEDS = {
    "top-free": "topfreeapplications",
    "top-paid": "toppaidapplications",
    "top-grossing": "topgrossingapplications",
}

MESSAGE_MAX_CHARS = 400  # a parser's exception text can quote the payload


def read_chart(chart: ChartConfig, url: str, body: bytes, captured_at: pd.Timestamp) -> pd.DataFrame:
    """One chart's response body -> its ranked rows. Raises ChartShapeError (naming the URL) for
    anything that is not the chart asked for, including any exception the parsers raise."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChartShapeError(f"malformed JSON from {url}: {exc}"[:MESSAGE_MAX_CHARS]) from None
    except Exception as exc:  # noqa: BLE001 - e.g. RecursionError: this chart's failure, not the capture's
        raise ChartShapeError(f"unreadable JSON from {url}: {type(exc).__name__}: {exc}"[:MESSAGE_MAX_CHARS]) from exc
    normalise = normalise_v2 if chart.chart in V2_FEEDS else normalise_legacy
    try:
        rows = normalise(payload, chart, captured_at, source=url)
    except ChartShapeError as exc:
        raise ChartShapeError(f"{exc} (in {url})") from None
    except Exception as exc:  # noqa: BLE001 - a payload our reading did not foresee fails this chart only
        log.debug("app chart %s: reading %s raised", chart.key, url, exc_info=True)
        message = f"unreadable chart payload from {url}: {type(exc).__name__}: {exc}"
        raise ChartShapeError(message[:MESSAGE_MAX_CHARS]) from exc
    if rows.empty:
        raise ChartShapeError(f"0 entries in {url}")
    return rows


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
        return read_chart(chart, url, self.client.get(url).body, captured_at)
