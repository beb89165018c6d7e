"""dbt models as Dagster assets, on one lineage graph with the raw assets."""

import contextlib
import datetime as dt
import functools
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from dagster_project import datasets
from dagster_project.assets.dbt_metadata import with_model_metadata
from dagster_project.assets.publish_snapshot import with_snapshot_version
from dagster_project.config.settings import REPO_ROOT, ShockWatchSettings
from dagster_project.dbt_cli import (
    DBT_FILE_LOG_ENV,
    invocation_target,
    keep_partial_parse,
    without_adapter_warning,
)
from dagster_project.lib.run_tags import partition_range
from dagster_project.resources import PoolSlotRecorder
from dagster_project.warehouse_backend import dbt_env, is_ducklake

# Declared here, prepared (re-parsed under `dagster dev`) only when the definitions are
# built: see warehouse_models_asset. Importing this module reads no manifest and runs no dbt.
DBT_PROJECT = DbtProject(project_dir=REPO_ROOT / "dbt", profiles_dir=REPO_ROOT / "dbt")

WAREHOUSE_POOL = "warehouse"

# The job whose runs write price partitions; its runs rebuild fct_daily_market_cap
# incrementally over their partitions (see dbt/models/marts/fct_daily_market_cap.sql).
PRICE_JOB = "daily_pipeline"
# Family jobs that never write prices, shares or companies (capex is a dataset of its own): their
# dbt builds recompute no session of the price marts (only share-count changes would, and these jobs write none).
PRICE_UNCHANGED_JOBS = frozenset({"news_pipeline", "app_rank_pipeline", "capex_pipeline"})
# The window of no session: nothing lies in it, and nothing after it (dbt/macros/market_cap_window.sql)
NO_PRICE_CHANGE = ("9999-12-31", "9999-12-31")


class ShockWatchTranslator(DagsterDbtTranslator):
    """dbt sources -> the raw assets that write them; models -> keys named after the model."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = self.get_resource_props(manifest, unique_id)
        if node["resource_type"] == "source":
            return spec.replace_attributes(key=AssetKey(node["name"]))
        layer = node["fqn"][1]  # the models/ sub-folder: staging, intermediate or marts
        return spec.replace_attributes(
            key=AssetKey(node["name"]), group_name="marts" if layer == "marts" else "staging"
        )


def price_window(job_name: str | None, tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The sessions a daily_pipeline run wrote, from its tags: one partition or a range.

    NO_PRICE_CHANGE for the news and app-chart jobs, which write no prices. None for any
    other run (a UI materialisation, a run without partitions): dbt then rebuilds the price
    marts from the whole lake (correct, only slower at scale).
    """
    if job_name in PRICE_UNCHANGED_JOBS:
        return NO_PRICE_CHANGE
    if job_name != PRICE_JOB:
        return None
    window = partition_range(tags)
    if window is None:
        return None
    start, end = window
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)  # keys are NYSE sessions
    if first > last:
        raise ValueError(f"partition range {start}..{end} runs backwards")
    return first.isoformat(), last.isoformat()


KEEP_INVOCATION_TARGETS = 10


def prune_invocation_targets(target_dir: Path, keep: int = KEEP_INVOCATION_TARGETS) -> list[Path]:
    """Delete all but the newest `keep` per-invocation folders dagster-dbt leaves in dbt/target.

    Each invocation writes its own copy of the manifest, compiled SQL and run_results.json
    (~6 MB) into target/warehouse_models-<run>-<id>; nothing removes them, so a scheduled
    deployment would fill its disk. The newest few stay for debugging a recent run.
    """
    aged = []
    for folder in target_dir.glob("warehouse_models-*"):
        try:
            aged.append((folder.stat().st_mtime, folder))
        except FileNotFoundError:  # another process pruned it since the listing
            continue
    folders = [folder for _, folder in sorted(aged, reverse=True)]
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return folders[keep:]


def dbt_invocation_env(window: tuple[str, str] | None, data_dir: Path) -> dict[str, str]:
    """What a run tells dbt: its data dir (dbt/profiles.yml, the lake sources) and its price
    window (dbt/macros/market_cap_window.sql), as environment variables.

    Not `--vars`: dbt hashes the command-line vars as a whole and re-parses the whole project
    whenever they differ from the saved parse (dbt-core's build_manifest_state_check), so a
    window that changes every day cost every run a full parse. Environment variables are
    tracked per file that reads them while dbt parses: the data dir is read by the profile
    only (the same as `make`'s parse keeps it), and the window by no file at parse time
    (dbt/macros/should_full_refresh.sql), so a new window re-parses nothing.
    """
    start, end = window if window is not None else ("", "")
    return {"SHOCKWATCH_DATA_DIR": str(data_dir), "SHOCKWATCH_PRICES_START": start, "SHOCKWATCH_PRICES_END": end}


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the block, then restore what was there.

    dagster-dbt's DbtCliResource.cli() has no env parameter: it starts dbt with a copy of
    os.environ, inside the call. So the run's values are in place only while dbt is started.
    """
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# dbt's unit tests check the SQL, not the data: they run in CI and `make test`
# (tests/dbt/test_unit_tests.py), as dbt advises, not on every scheduled run.
DBT_BUILD = ["build", "--exclude-resource-type", "unit_test"]

TRANSLATOR = ShockWatchTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@functools.cache
def warehouse_models_asset(project: DbtProject = DBT_PROJECT) -> AssetsDefinition:
    """The dbt models as assets. Built when the definitions are (once per process and
    project: the manifest is large): under `dagster dev` the project is re-parsed first, so
    an edited model shows on reload; elsewhere the manifest `make` built is read
    (Makefile: dbt/target/manifest.json)."""
    with without_adapter_warning():  # dbt is not importable here on purpose (dbt_cli.py)
        project.prepare_if_dev()

    @dbt_assets(manifest=project.manifest_path, dagster_dbt_translator=TRANSLATOR, pool=WAREHOUSE_POOL)
    def warehouse_models(
        context: AssetExecutionContext, dbt: DbtCliResource, settings: ShockWatchSettings, pool_slot: PoolSlotRecorder
    ):
        """dbt build: staging views, marts tables and every dbt test (as asset checks).

        A daily_pipeline run over sessions passes them as the price window, so
        fct_daily_market_cap recomputes only those sessions (and the session after them);
        any other run rebuilds it from the whole lake.
        """
        # pool_slot: required so the worker holding the pool is on the run (resources.py)
        settings.warehouse_dir.mkdir(parents=True, exist_ok=True)  # DuckDB creates the file, not its folder
        placed = datasets.ensure_readable(settings.lake_dir)
        if placed:
            context.log.info(f"no data yet for {', '.join(placed)}: their models build empty")
        window = price_window(context.run.job_name, context.run.tags)
        if window == NO_PRICE_CHANGE:
            context.log.info("no price written by this job: the price marts recompute no session")
        elif window:
            context.log.info(f"price marts: recomputing the price window {window[0]}..{window[1]}")
        target = invocation_target(
            project.project_dir / project.target_path, context.run.run_id, settings.warehouse_dir
        )
        figures_dir = target / "figures"  # where dbt writes each model's figures (dbt_metadata.py)
        figures_dir.mkdir(parents=True)
        # and the backend dbt builds into (its profile's target, warehouse_backend.py)
        run_env = {**dbt_invocation_env(window, settings.data_path), **dbt_env(settings)}
        with environment({**run_env, **DBT_FILE_LOG_ENV, "SHOCKWATCH_FIGURES_DIR": str(figures_dir)}):
            invocation = dbt.cli(DBT_BUILD, context=context, target_path=target)
        try:
            events = with_model_metadata(
                invocation.stream(), settings.build_db, figures_dir, invocation.manifest, window, context.log
            )
            # DuckLake: each model names the snapshot this build left, which publish publishes
            yield from with_snapshot_version(events, settings) if is_ducklake(settings) else events
            keep_partial_parse(target, settings.warehouse_dir)
        finally:
            prune_invocation_targets(target.parent)

    return warehouse_models
