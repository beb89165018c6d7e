"""Parsed chart entries -> ranked rows in APP_RANK_COLUMNS, and the checks one chart must pass.

Neither Apple feed states a rank: the rank is the 1-based position in the array.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts.payload_fields import ChartShapeError
from dagster_project.sources.app_charts.schema import APP_RANK_COLUMNS, APP_RANK_SCHEMA


def ranked_frame(rows: list[dict], chart: ChartConfig, captured_at, source: str, snapshot_kind: str) -> pd.DataFrame:
    """Entries in array order -> rows ranked by position, stamped with the chart and the capture,
    checked (check_ranks) and typed as APP_RANK_SCHEMA."""
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
