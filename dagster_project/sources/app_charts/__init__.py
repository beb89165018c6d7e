"""App Store top charts: the raw schema and the AppChartSource interface (re-exported here, so
callers need not know the module layout), with one module per job:

- payload_fields.py  typed fields out of Apple's JSON, failures naming the field (ChartShapeError);
- v2_chart.py        Apple's v2 JSON (top-free, top-paid);
- legacy_chart.py    the legacy iTunes JSON (top-grossing);
- ranking.py         entries -> ranked rows, and the rank/app checks of one chart;
- live.py            the live Apple adapter (today's charts only);
- replay.py          the case-study replay.

Which charts to capture (ChartConfig) is validated configuration, from dagster_project.config.
"""

from dagster_project.sources.app_charts.schema import (
    APP_RANK_COLUMNS,
    APP_RANK_SCHEMA,
    SNAPSHOT_KINDS,
    AppChartSource,
    ChartFetchResult,
    empty_app_ranks,
)

__all__ = [
    "APP_RANK_COLUMNS",
    "APP_RANK_SCHEMA",
    "SNAPSHOT_KINDS",
    "AppChartSource",
    "ChartFetchResult",
    "empty_app_ranks",
]
