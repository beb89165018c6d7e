"""The dbt CLI resource (dagster_project/dbt_cli.py): no per-call probes, a kept partial parse."""

import logging
import os
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from dagster import AssetKey
from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.assets.dbt import DBT_PROJECT, environment, warehouse_models_asset
from dagster_project.config.settings import REPO_ROOT
from dagster_project.dbt_cli import (
    ADAPTER_WARNING,
    DBT_ENVIRONMENT,
    DBT_FILE_LOG_ENV,
    PARTIAL_PARSE,
    ShockWatchDbtCli,
    dbt_executable,
    invocation_target,
    keep_partial_parse,
    partial_parse_seed,
)


def pinned(package: str) -> str:
    """The version dbt/requirements.txt pins for `package`."""
    for line in (REPO_ROOT / "dbt" / "requirements.txt").read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement.startswith(f"{package}=="):
            return requirement.split("==")[1]
    raise AssertionError(f"{package} is not pinned in dbt/requirements.txt")


def test_dbt_runs_from_its_own_environment_and_no_dagster_process_imports_it():
    """dagster-dbt works without dbt-core in its process: only its dbt-core extra would import
    dbt's adapters (0.9 s) into every code server, run worker and `make demo`."""
    with pytest.raises(PackageNotFoundError):  # `make clean install` if this environment predates the split
        version("dbt-core")
    assert Path(dbt_executable()).parent.parent == DBT_ENVIRONMENT
    # dbt's packages, not the namespace `dbt` that this repository's dbt/ folder is from its root
    probe = (
        "import sys, dagster_project.definitions as d; d.defs(); "
        "print(sorted(m for m in sys.modules if m.startswith(('dbt.', 'dbt_common', 'dbt_adapters'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert loaded.stdout.strip() == "[]"
    reported = subprocess.run([dbt_executable(), "--version"], capture_output=True, text=True, check=True)
    assert f"installed: {pinned('dbt-core')}" in reported.stdout
    assert f"duckdb: {pinned('dbt-duckdb')}" in reported.stdout


def test_the_overridden_hooks_exist_in_the_pinned_dagster_dbt():
    # If an upgrade renames them, the overrides stop applying and the probes silently return:
    # this fails instead. Re-check dagster_dbt/core/resource.py's cli() and rename them.
    assert "_cli_version" in vars(DbtCliResource)
    assert callable(vars(DbtCliResource)["_initialize_dbt_core_adapter"])
    assert version("dagster-dbt") == "0.29.27"


def test_a_dbt_call_starts_no_version_probe_and_no_adapter(monkeypatch):
    def no_probe(*args, **kwargs):
        raise AssertionError(f"probe started: {args}")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_probe)
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", no_probe)
    dbt = ShockWatchDbtCli(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
    assert str(dbt._cli_version) == pinned("dbt-core")  # from the manifest the pinned dbt parsed
    invocation = dbt.cli(["--version"], raise_on_error=True)
    assert invocation.process.wait() == 0
    # the one dbt process it started is the command asked for
    assert invocation.process.args[1:] == ["--version"]


def test_an_invocation_starts_from_the_parse_the_last_one_on_its_data_dir_left(tmp_path):
    warehouse, targets = tmp_path / "warehouse", tmp_path / "target"
    warehouse.mkdir()
    first = invocation_target(targets, "0123456789abcdef", warehouse)
    assert first.name.startswith("warehouse_models-0123456-")  # the pattern pruning relies on
    assert not first.exists()  # no parse kept yet: dagster-dbt copies make's dbt/target parse

    first.mkdir(parents=True)
    (first / PARTIAL_PARSE).write_bytes(b"parse of run 1")
    keep_partial_parse(first, warehouse)
    assert partial_parse_seed(warehouse).read_bytes() == b"parse of run 1"
    assert [p.name for p in warehouse.iterdir()] == [partial_parse_seed(warehouse).name]  # no tmp left

    second = invocation_target(targets, "fedcba9876543210", warehouse)
    assert second != first
    assert (second / PARTIAL_PARSE).read_bytes() == b"parse of run 1"


def test_an_invocation_that_wrote_no_parse_keeps_the_previous_one(tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    partial_parse_seed(warehouse).write_bytes(b"good parse")
    crashed = tmp_path / "target" / "warehouse_models-x"
    crashed.mkdir(parents=True)
    keep_partial_parse(crashed, warehouse)
    assert partial_parse_seed(warehouse).read_bytes() == b"good parse"


@pytest.mark.parametrize("run_id", ["", "short"])
def test_short_run_ids_still_name_a_folder(tmp_path, run_id):
    assert invocation_target(tmp_path, run_id, tmp_path).name.startswith(f"warehouse_models-{run_id[:7]}-")


def test_a_dagster_dbt_call_logs_json_to_dagster_and_debug_text_to_its_file(tmp_path, monkeypatch):
    """dagster-dbt reads JSON lines from dbt's stdout; with DBT_FILE_LOG_ENV dbt.log stays in
    dbt's own debug text (4.8 MB of JSON for the case study's build otherwise)."""
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data" / "warehouse").mkdir(parents=True)
    target = tmp_path / "target"
    with environment(DBT_FILE_LOG_ENV):
        invocation = ShockWatchDbtCli(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()).cli(
            ["ls", "--select", "stg_prices"], target_path=target, raise_on_error=True
        )
        events = list(invocation.stream_raw_events())
    assert events and all(isinstance(event.raw_event, dict) for event in events)  # parsed JSON
    assert "stg_prices" in " ".join(event.raw_event["info"]["msg"] for event in events)
    logged = (target / "dbt.log").read_text().splitlines()
    assert logged and not any(line.startswith("{") for line in logged)
    assert any("[info ] [MainThread]: Running with dbt=" in line for line in logged)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_the_re_parse_under_dagster_dev_works_without_dbt_in_the_process(tmp_path, monkeypatch):
    """`make dev` loads the code location with DAGSTER_IS_DEV_CLI set: DbtProject.prepare_if_dev
    parses with dagster-dbt's plain DbtCliResource (the `dbt` on PATH, as make puts it) and needs
    msgpack; its failed in-process adapter is not logged as a warning with a traceback."""
    shutil.copytree(DBT_PROJECT.project_dir, tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs"))
    (tmp_path / "data" / "warehouse").mkdir(parents=True)
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PATH", f"{Path(dbt_executable()).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    project = DbtProject(project_dir=tmp_path / "dbt", profiles_dir=tmp_path / "dbt")
    records = _Records()
    logging.getLogger("dagster.builtin").addHandler(records)
    try:
        assets = warehouse_models_asset(project)
        assert project.manifest_path.exists()  # parsed here, by the dbt of dbt's environment
        assert AssetKey("fct_daily_market_cap") in assets.keys
        assert ADAPTER_WARNING not in records.messages
        # the control: outside the filter, the same plain resource does log it
        DbtCliResource(project_dir=project).cli(["--version"]).wait()
        assert ADAPTER_WARNING in records.messages
    finally:
        logging.getLogger("dagster.builtin").removeHandler(records)
