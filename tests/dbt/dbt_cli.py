"""The dbt CLI as the dbt tests call it: from the project folder, on a data dir of the
test's own, into that data dir's target, with a price window passed the way a Dagster run
passes it (the environment, so the target's parse is reused; --vars would re-parse)."""

import os
import subprocess
from pathlib import Path

from dagster_project.assets.dbt import dbt_invocation_env
from dagster_project.config.settings import REPO_ROOT
from dagster_project.dbt_cli import dbt_executable


def dbt(data_dir: Path, command: str, *args: str, window: tuple[str, str] | None = None, check: bool = True) -> Path:
    """Run `dbt <command> <args>` on `data_dir`; returns the target folder (run_results.json)."""
    target = Path(data_dir) / "target"
    subprocess.run(
        [dbt_executable(), command, *args, "--profiles-dir", ".", "--quiet"]
        + ["--target-path", str(target), "--log-path", str(target)],
        cwd=REPO_ROOT / "dbt",
        env=dict(os.environ, DO_NOT_TRACK="1", **dbt_invocation_env(window, data_dir)),
        check=check,
    )
    return target
