"""The one place where assets, checks, jobs and resources are wired.

Importing this module builds nothing and touches nothing (no environment writes, no folders,
no dbt parse): `defs` is a lazy `@definitions` function, which `dagster dev`, `dg` and
`dagster definitions validate` call when they load the code location (pyproject.toml's
[tool.dg.project]); it and `make demo` serve `definitions_for_process`. Tests call
`build_definitions` directly.
"""

from __future__ import annotations

import gc

# These imports (dagster-dbt, pandas, pyarrow, matplotlib, the assets and their libraries)
# create ~280,000 objects that live as long as the process and next to no garbage, yet CPython's
# collector walked all of them again in each full collection while they loaded: five, 0.2-0.25
# s of the case study's process. So automatic collection pauses for them and resumes right
# after; definitions_for_process then freezes what they made (the gc module's advice: disable
# early, freeze later). A process that only imports this module collects as before.
_collecting = gc.isenabled()
gc.disable()
try:
    from dagster import AssetSelection, Definitions, define_asset_job, definitions

    from dagster_project.assets.app_ranks import app_rank_snapshots, highlight_apps
    from dagster_project.assets.capex import capex_quarterly
    from dagster_project.assets.dbt import DBT_PROJECT, warehouse_models_asset
    from dagster_project.assets.dossiers import shock_dossiers
    from dagster_project.assets.ingest import companies, entities, prices
    from dagster_project.assets.news import news_items
    from dagster_project.assets.publish import analytics_warehouse
    from dagster_project.assets.report import shock_report
    from dagster_project.assets.shares import shares_outstanding
    from dagster_project.automation import SCHEDULES, SENSORS
    from dagster_project.config.settings import ShockWatchSettings
    from dagster_project.config.watchlist import Watchlist
    from dagster_project.dbt_cli import ShockWatchDbtCli, dbt_executable
    from dagster_project.partitions import (
        app_rank_day_partitions,
        capex_quarter_partitions,
        news_day_partitions,
        trading_day_partitions,
    )
    from dagster_project.resources import build_resources
    from dagster_project.sources import Sources
finally:
    if _collecting:
        gc.enable()

# The raw assets each family's job ingests before the shared dbt build and publish.
RAW_ASSETS = {
    "daily_pipeline": [companies, prices, shares_outstanding],
    "news_pipeline": [entities, news_items],
    "app_rank_pipeline": [highlight_apps, app_rank_snapshots],
    "capex_pipeline": [capex_quarterly],
}
JOB_SPECS = {
    "daily_pipeline": (
        trading_day_partitions,
        "Prices and shares for NYSE sessions (and the watchlist's companies), then dbt and publish.",
    ),
    "news_pipeline": (
        news_day_partitions,
        "News feeds for calendar days (UTC) and the entities they are tagged with, then dbt and publish.",
    ),
    "app_rank_pipeline": (
        app_rank_day_partitions,
        "App Store chart snapshots for calendar days (UTC), then dbt and publish.",
    ),
    "capex_pipeline": (
        capex_quarter_partitions,
        "Quarterly capex per company for calendar quarters (10-Q/10-K cash-flow statements), then dbt and publish.",
    ),
}


def build_jobs(warehouse_models) -> list:
    # Every family's job ends in the same dbt build and publish, so each scheduled run leaves a
    # fresh, fully checked warehouse, and one family's outage never holds back another's data.
    warehouse = AssetSelection.assets(warehouse_models) | AssetSelection.assets(analytics_warehouse)
    return [
        define_asset_job(
            name,
            selection=AssetSelection.assets(*RAW_ASSETS[name]) | warehouse,
            partitions_def=partitions,
            description=description,
        )
        for name, (partitions, description) in JOB_SPECS.items()
    ]


def build_definitions(
    settings: ShockWatchSettings | None = None, sources: Sources | None = None, watchlist: Watchlist | None = None
) -> Definitions:
    """`settings` default to the SHOCKWATCH_* environment, as EnvVars; `sources` and
    `watchlist` replace the resources built from the settings (tests inject fakes through them)."""
    settings = settings or ShockWatchSettings.from_env()
    warehouse_models = warehouse_models_asset(DBT_PROJECT)
    return Definitions(
        assets=[
            companies,
            entities,
            prices,
            shares_outstanding,
            news_items,
            highlight_apps,
            app_rank_snapshots,
            capex_quarterly,
            warehouse_models,
            analytics_warehouse,
            shock_report,
            shock_dossiers,
        ],
        jobs=build_jobs(warehouse_models),
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources={
            **build_resources(settings, sources, watchlist),
            "dbt": ShockWatchDbtCli(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        },
    )


def definitions_for_process(settings: ShockWatchSettings | None = None) -> Definitions:
    """build_definitions, for a process that serves them until it exits (the code location's
    server and run workers, `make demo`): what exists once they are built (the imported
    libraries, the dbt manifest, the definitions: ~450,000 objects) lives as long as the
    process, so it is frozen out of Python's cyclic garbage collector (gc.freeze, after one
    collection so that no garbage is kept). Every later full collection walked all of it
    again, and so did the interpreter's exit: the case study's pipeline process took 0.85 s
    to exit, 0.2 s frozen (docs/PERFORMANCE.md). Not for tests: each would freeze the
    objects of every test before it."""
    built = build_definitions(settings)
    gc.collect()
    gc.freeze()
    return built


@definitions
def defs() -> Definitions:
    return definitions_for_process()
