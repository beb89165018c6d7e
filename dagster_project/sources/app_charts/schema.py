"""The app-chart interface: the raw schema every chart source writes, its result and its protocol."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd
import pyarrow as pa

from dagster_project.config.source_config import ChartConfig

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
