"""The command-line entry points a user touches: the code location validates, `make sql` is read-only."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT

BIN = Path(sys.executable).parent


def test_dagster_definitions_validate(tmp_path):
    env = {**os.environ, "SHOCKWATCH_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path)}
    # No -w: the one code-location declaration is pyproject.toml's [tool.dg.project].
    done = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful" in done.stdout + done.stderr


@pytest.mark.skipif(not (BIN / "duckdb").exists(), reason="duckdb CLI (duckdb-cli, installed by make) not present")
def test_sql_shell_refuses_writes(tmp_path):
    db = tmp_path / "analytics.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts; create table marts.t as select 42 as answer")
    read = subprocess.run(
        [str(BIN / "duckdb"), "-readonly", str(db), "-c", "select answer from marts.t"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert read.returncode == 0 and "42" in read.stdout
    write = subprocess.run(
        [str(BIN / "duckdb"), "-readonly", str(db), "-c", "drop table marts.t"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert write.returncode != 0 and "read-only" in (write.stdout + write.stderr).lower()
