"""The one place where assets, checks, jobs and resources are wired."""

from __future__ import annotations

import os

from dagster import AssetSelection, Definitions, define_asset_job
from dagster_dbt import DbtCliResource

from dagster_project.automation import SCHEDULES, SENSORS
from dagster_project.assets.app_ranks import app_rank_snapshots, highlight_apps
from dagster_project.assets.dbt import DBT_PROJECT, dbt_executable, warehouse_models
from dagster_project.assets.ingest import companies, entities, prices
from dagster_project.assets.news import news_items
from dagster_project.assets.publish import analytics_warehouse
from dagster_project.assets.report import shock_report
from dagster_project.assets.shares import shares_outstanding
from dagster_project.partitions import app_rank_day_partitions, news_day_partitions, trading_day_partitions
from dagster_project.settings import Settings, load_settings
from dagster_project.sources import Sources, build_sources
from dagster_project.watchlist import load_watchlist

ASSETS = [
    companies, entities, prices, shares_outstanding, news_items, highlight_apps, app_rank_snapshots,
    warehouse_models, analytics_warehouse, shock_report,
]

# Every family's job ends in the same dbt build and publish, so each scheduled run leaves a
# fresh, fully checked warehouse, and one family's outage never holds back another's data.
WAREHOUSE = AssetSelection.assets(warehouse_models) | AssetSelection.assets(analytics_warehouse)

# The raw assets each family's job ingests before the shared dbt build and publish.
RAW_ASSETS = {
    "daily_pipeline": [companies, prices, shares_outstanding],
    "news_pipeline": [entities, news_items],
    "app_rank_pipeline": [highlight_apps, app_rank_snapshots],
}

daily_pipeline = define_asset_job(
    "daily_pipeline",
    selection=AssetSelection.assets(*RAW_ASSETS["daily_pipeline"]) | WAREHOUSE,
    partitions_def=trading_day_partitions,
    description="Prices and shares for NYSE sessions (and the watchlist's companies), then dbt and publish.",
)
news_pipeline = define_asset_job(
    "news_pipeline",
    selection=AssetSelection.assets(*RAW_ASSETS["news_pipeline"]) | WAREHOUSE,
    partitions_def=news_day_partitions,
    description="News feeds for calendar days (UTC) and the entities they are tagged with, then dbt and publish.",
)
app_rank_pipeline = define_asset_job(
    "app_rank_pipeline",
    selection=AssetSelection.assets(*RAW_ASSETS["app_rank_pipeline"]) | WAREHOUSE,
    partitions_def=app_rank_day_partitions,
    description="App Store chart snapshots for calendar days (UTC), then dbt and publish.",
)
JOBS = [daily_pipeline, news_pipeline, app_rank_pipeline]


def build_resources(settings: Settings, sources: Sources | None = None) -> dict:
    # dbt's profile reads the data dir from the environment; keep both sides on one value.
    os.environ["SHOCKWATCH_DATA_DIR"] = str(settings.data_dir)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    watchlist = load_watchlist(settings.watchlist_path)
    return {
        "settings": settings,
        "watchlist": watchlist,
        "sources": sources or build_sources(settings, watchlist.chart_urls),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }


def build_definitions(settings: Settings | None = None, sources: Sources | None = None) -> Definitions:
    """`sources` replaces the configured adapters (tests inject fakes through it)."""
    return Definitions(
        assets=ASSETS, jobs=JOBS, schedules=SCHEDULES, sensors=SENSORS,
        resources=build_resources(settings or load_settings(), sources),
    )


defs = build_definitions()
