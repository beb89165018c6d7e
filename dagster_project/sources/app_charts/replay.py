"""The case-study app-chart replay: the bundled, documented positions, through AppChartSource."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts.schema import (
    APP_RANK_COLUMNS,
    APP_RANK_SCHEMA,
    SNAPSHOT_KINDS,
    ChartFetchResult,
)


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
