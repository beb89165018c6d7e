"""The raw datasets of the lake: name, schema and partition column, in one registry.

dbt's sources (dbt/models/staging/_sources.yml) read exactly these folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from dagster import TableColumn, TableSchema

from dagster_project import lake
from dagster_project.entities import ENTITIES_SCHEMA
from dagster_project.sources.app_charts import APP_RANK_SCHEMA
from dagster_project.sources.capex import CAPEX_SCHEMA
from dagster_project.sources.news import NEWS_SCHEMA
from dagster_project.sources.prices import PRICES_SCHEMA
from dagster_project.sources.shares import SHARES_SCHEMA

COMPANIES_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("company_name", pa.string()),
        ("theme", pa.string()),
        ("theme_description", pa.string()),
        ("is_benchmark", pa.bool_()),
    ]
)
HIGHLIGHT_APPS_SCHEMA = pa.schema([("app_id", pa.string()), ("display_name", pa.string())])


@dataclass(frozen=True)
class Dataset:
    name: str
    schema: pa.Schema
    partition_column: str | None = None

    def column_schema(self) -> TableSchema:
        """The Parquet schema as Dagster shows it on the asset page."""
        return TableSchema(columns=[TableColumn(f.name, str(f.type)) for f in self.schema])

    def asset_args(self) -> dict:
        """What every raw asset writing this dataset declares: its group, kinds and schema."""
        return {
            "group_name": "ingest",
            "kinds": {"python", "parquet"},
            "metadata": {"dagster/column_schema": self.column_schema()},
        }

    def path(self, lake_dir: Path, key: str | None = None) -> Path:
        if self.partition_column is None:
            return lake.dataset_path(lake_dir, self.name)
        return lake.partition_path(lake_dir, self.name, self.partition_column, key)


PRICES = Dataset("prices", PRICES_SCHEMA, "trade_date")
SHARES = Dataset("shares_outstanding", SHARES_SCHEMA)
COMPANIES = Dataset("companies", COMPANIES_SCHEMA)
ENTITIES = Dataset("entities", ENTITIES_SCHEMA)
NEWS_ITEMS = Dataset("news_items", NEWS_SCHEMA, "published_date")
APP_RANKS = Dataset("app_rank_snapshots", APP_RANK_SCHEMA, "capture_date")
HIGHLIGHT_APPS = Dataset("highlight_apps", HIGHLIGHT_APPS_SCHEMA)
CAPEX = Dataset("capex_quarterly", CAPEX_SCHEMA, "quarter_start")

ALL = (PRICES, SHARES, COMPANIES, ENTITIES, NEWS_ITEMS, APP_RANKS, HIGHLIGHT_APPS, CAPEX)

PLACEHOLDER = "_empty"


def ensure_readable(lake_dir: Path) -> list[str]:
    """Give every dataset that has no file yet an empty, typed placeholder, so dbt can build
    the whole project when a family has never been ingested (e.g. the first news run failed).
    A placeholder is removed once real files exist. Returns the datasets given one."""
    placed = []
    for ds in ALL:
        root = lake_dir / ds.name
        if ds.partition_column is None:
            placeholder, real = root / f"{PLACEHOLDER}.parquet", root / lake.DATA_FILE
        else:
            placeholder = root / PLACEHOLDER / lake.DATA_FILE
            real = next((p for p in root.glob(f"{ds.partition_column}=*/{lake.DATA_FILE}")), None)
        if real is not None and real.exists():
            placeholder.unlink(missing_ok=True)
        elif not placeholder.exists():
            lake.write_parquet_atomic(ds.schema.empty_table().to_pandas(), placeholder, ds.schema)
            placed.append(ds.name)
    return placed
