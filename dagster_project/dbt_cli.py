"""The dbt CLI resource: dagster-dbt's DbtCliResource without two probes it runs on every call.

dagster-dbt 0.29's `DbtCliResource.cli()` does two things before it starts `dbt build`, on
every run (the resource is set up again for each run, so nothing carries over):

- `dbt --version` in a subprocess, to learn which engine it drives (Core or Fusion). That
  imports all of dbt: 2-5 s on 2 cores, as long as the case study's whole dbt step on a
  quiet day. The version is read instead from the manifest the project's dbt wrote when it
  parsed the project (`make` parses it with the pinned dbt of dbt/requirements.txt).
- an in-process dbt adapter, which parses every dbt macro (~2 s). dagster-dbt uses it only
  for `fetch_row_counts()` / `fetch_column_metadata()`, which ShockWatch does not call (dbt
  writes each model's row count itself: dbt/macros/dagster_figures.sql).

No public setting turns either off, so this overrides two private hooks of the pinned
version. tests/test_dbt_cli.py fails if an upgrade renames them (the probes would silently
come back) and checks that a dbt step starts no `dbt --version`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import uuid
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from dagster_project.config.settings import REPO_ROOT

# dbt's own environment (`make install`, from dbt/requirements.txt): dbt is not importable in
# Dagster's, so no Dagster process pays its import (docs/ARCHITECTURE.md, "Two environments").
DBT_ENVIRONMENT = REPO_ROOT / ".venv-dbt"


def dbt_executable() -> str:
    """The dbt that Dagster runs: SHOCKWATCH_DBT_EXECUTABLE if set; else the checkout's dbt
    environment; else a dbt beside this interpreter; else whatever `dbt` is on PATH."""
    configured = os.environ.get("SHOCKWATCH_DBT_EXECUTABLE")
    if configured:
        return configured
    for candidate in (DBT_ENVIRONMENT / "bin" / "dbt", Path(sys.executable).parent / "dbt"):
        if candidate.exists():
            return str(candidate)
    return "dbt"


class ShockWatchDbtCli(DbtCliResource):
    """DbtCliResource, minus the per-call `dbt --version` and adapter probes (module docstring)."""

    @property
    def _cli_version(self) -> version.Version:
        # the engine that parsed the project: Core 1.x or Fusion 2.x, all dagster-dbt asks
        manifest = json.loads((Path(self.project_dir) / "target" / "manifest.json").read_bytes())
        return version.parse(manifest["metadata"]["dbt_version"])

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (dagster-dbt's signature)
        return None


# What dagster-dbt 0.29's plain DbtCliResource logs on every call when dbt-core is not
# importable: it tries an in-process dbt adapter without checking for dbt first, catches the
# ImportError and logs it, traceback and all. DbtProject.prepare_if_dev() (the re-parse under
# `dagster dev`) uses that resource, so every code-location load printed it.
ADAPTER_WARNING = "An error was encountered when creating a handle to the dbt adapter in Dagster."


class _NotTheAdapterWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != ADAPTER_WARNING


@contextlib.contextmanager
def without_adapter_warning():
    """Drop ADAPTER_WARNING, and only it, from dagster-dbt's logger for the block."""
    dagster_dbt_logger, only_it = logging.getLogger("dagster.builtin"), _NotTheAdapterWarning()
    dagster_dbt_logger.addFilter(only_it)
    try:
        yield
    finally:
        dagster_dbt_logger.removeFilter(only_it)


# dagster-dbt has dbt log JSON lines (DBT_LOG_FORMAT=json: it reads them from stdout), and
# dbt then writes its debug file log (dbt.log in the invocation's target) as JSON too: 4.8 MB
# for the case study's build against 0.8 MB in dbt's own debug text, and 0.2-0.3 s longer
# (measured: the same build with each file format). The file keeps its default debug text,
# as a bare `dbt build` writes it; stdout stays JSON for dagster-dbt.
DBT_FILE_LOG_ENV = {"DBT_LOG_FORMAT_FILE": "debug"}

# dbt's partial-parse state, kept beside the build it parsed for (see invocation_target).
PARTIAL_PARSE = "partial_parse.msgpack"


def partial_parse_seed(warehouse_dir: Path) -> Path:
    return warehouse_dir / f"dbt_{PARTIAL_PARSE}"


def invocation_target(project_target_dir: Path, run_id: str, warehouse_dir: Path) -> Path:
    """A new per-invocation dbt target folder, holding the partial parse that the last dbt
    step on this data dir left (if any).

    dbt re-parses the whole project (~3 s) when the profile differs from the saved parse's,
    and the profile names the data dir. dagster-dbt seeds each invocation with the parse in
    dbt/target, which `make` made for one data dir: any other data dir (a second deployment,
    every test) paid a full parse on every run. A folder that already holds a parse is left
    as it is by dagster-dbt (DbtCliInvocation.run); the name keeps dagster-dbt's own pattern,
    which prune_invocation_targets relies on.
    """
    target = project_target_dir / f"warehouse_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    seed = partial_parse_seed(warehouse_dir)
    if seed.exists():
        target.mkdir(parents=True)
        shutil.copyfile(seed, target / PARTIAL_PARSE)
    return target


def keep_partial_parse(target: Path, warehouse_dir: Path) -> None:
    """Keep the parse a finished invocation wrote, for the next one on this data dir (atomic:
    a concurrent run reads the old parse or the new one, both valid starting points for dbt)."""
    parsed = target / PARTIAL_PARSE
    if not parsed.exists():
        return
    seed = partial_parse_seed(warehouse_dir)
    tmp = seed.with_name(f"{seed.name}.{uuid.uuid4().hex[:8]}.tmp")
    shutil.copyfile(parsed, tmp)
    os.replace(tmp, seed)
