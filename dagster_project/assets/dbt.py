"""dbt models as Dagster assets, on one lineage graph with the raw assets."""

import datetime as dt
import functools
import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from dagster_project import datasets
from dagster_project.assets.dbt_metadata import with_model_metadata
from dagster_project.config.settings import REPO_ROOT, ShockWatchSettings
from dagster_project.lib.run_tags import partition_range
from dagster_project.resources import PoolSlotRecorder

# Declared here, prepared (re-parsed under `dagster dev`) only when the definitions are
# built: see warehouse_models_asset. Importing this module reads no manifest and runs no dbt.
DBT_PROJECT = DbtProject(project_dir=REPO_ROOT / "dbt", profiles_dir=REPO_ROOT / "dbt")

WAREHOUSE_POOL = "warehouse"

# The job whose runs write price partitions; its runs rebuild fct_daily_market_cap
# incrementally over their partitions (see dbt/models/marts/fct_daily_market_cap.sql).
PRICE_JOB = "daily_pipeline"


def dbt_executable() -> str:
    """The dbt next to this interpreter (the project's virtualenv), else whatever is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


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

    None for other jobs and for runs without partitions: dbt then rebuilds the market-cap
    table from the whole lake (correct, only slower at scale).
    """
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
    folders = sorted(target_dir.glob("warehouse_models-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return folders[keep:]


def dbt_build_args(window: tuple[str, str] | None, data_dir: Path | None = None) -> list[str]:
    """`dbt build`, with the data dir (dbt/profiles.yml reads `var('data_dir')`, falling back
    to $SHOCKWATCH_DATA_DIR for the dbt CLI) and the price window as dbt vars. dagster-dbt's
    cli() has no env argument; vars reach both dbt and dagster-dbt's own adapter, from the
    run's settings, without touching this process's environment."""
    variables: dict[str, str] = {} if data_dir is None else {"data_dir": str(data_dir)}
    if window is not None:
        variables.update(prices_start=window[0], prices_end=window[1])
    return ["build", "--vars", json.dumps(variables)] if variables else ["build"]


TRANSLATOR = ShockWatchTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@functools.cache
def warehouse_models_asset(project: DbtProject = DBT_PROJECT) -> AssetsDefinition:
    """The dbt models as assets. Built when the definitions are (once per process and
    project: the manifest is large): under `dagster dev` the project is re-parsed first, so
    an edited model shows on reload; elsewhere the manifest `make` built is read
    (Makefile: dbt/target/manifest.json)."""
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
        if window:
            context.log.info(f"fct_daily_market_cap: recomputing the price window {window[0]}..{window[1]}")
        invocation = dbt.cli(dbt_build_args(window, settings.data_path), context=context)
        try:
            yield from with_model_metadata(
                invocation.stream(), settings.build_db, invocation.manifest, window, context.log
            )
        finally:
            prune_invocation_targets(invocation.target_path.parent)

    return warehouse_models
