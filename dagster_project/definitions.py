"""The one place where assets, checks, jobs and resources are wired."""

from __future__ import annotations

import os

from dagster import AssetSelection, Definitions, define_asset_job
from dagster_dbt import DbtCliResource

from dagster_project.assets.dbt import DBT_PROJECT, dbt_executable, warehouse_models
from dagster_project.assets.ingest import companies, prices, shares_outstanding
from dagster_project.assets.publish import analytics_warehouse
from dagster_project.partitions import trading_day_partitions
from dagster_project.settings import Settings, load_settings
from dagster_project.sources import build_sources
from dagster_project.watchlist import load_watchlist

ASSETS = [companies, prices, shares_outstanding, warehouse_models, analytics_warehouse]

# The job a schedule runs for one session, and `make demo` runs for the whole case study
# (a partition range in one run: the price asset has BackfillPolicy.single_run()).
daily_pipeline = define_asset_job(
    "daily_pipeline",
    selection=AssetSelection.all(),
    partitions_def=trading_day_partitions,
    description="Ingest prices, shares and the watchlist, build the dbt models, publish the warehouse.",
)


def build_resources(settings: Settings) -> dict:
    # dbt's profile reads the data dir from the environment; keep both sides on one value.
    os.environ["SHOCKWATCH_DATA_DIR"] = str(settings.data_dir)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    return {
        "settings": settings,
        "sources": build_sources(settings),
        "watchlist": load_watchlist(settings.watchlist_path),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }


def build_definitions(settings: Settings | None = None) -> Definitions:
    return Definitions(
        assets=ASSETS,
        jobs=[daily_pipeline],
        resources=build_resources(settings or load_settings()),
    )


defs = build_definitions()
