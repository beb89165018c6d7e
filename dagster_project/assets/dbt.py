"""dbt models as Dagster assets, on one lineage graph with the raw assets."""


import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec, ResourceParam
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from dagster_project import datasets
from dagster_project.settings import REPO_ROOT, Settings

DBT_PROJECT = DbtProject(project_dir=REPO_ROOT / "dbt", profiles_dir=REPO_ROOT / "dbt")
# `dagster dev` re-parses the project on load; other entry points use the manifest
# `make` builds (see Makefile: dbt/target/manifest.json).
DBT_PROJECT.prepare_if_dev()

WAREHOUSE_POOL = "warehouse"


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


TRANSLATOR = ShockWatchTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=DBT_PROJECT.manifest_path, dagster_dbt_translator=TRANSLATOR, pool=WAREHOUSE_POOL)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: ResourceParam[Settings]):
    """dbt build: staging views, marts tables and every dbt test (as asset checks)."""
    placed = datasets.ensure_readable(settings.lake_dir)
    if placed:
        context.log.info(f"no data yet for {', '.join(placed)}: their models build empty")
    yield from dbt.cli(["build"], context=context).stream()
