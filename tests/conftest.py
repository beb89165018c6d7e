"""Shared fixtures: every test runs offline against a temporary data dir."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from dagster_project.dbt_cli import dbt_executable

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("YF_DISABLE_CURL_CFFI", "1")  # before anything imports yfinance

REPO_ROOT = Path(__file__).resolve().parent.parent
CASE_STUDY = REPO_ROOT / "case_study"
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"


def pytest_configure(config):
    """Re-parse the dbt project when a model changed since the manifest Dagster loads was built
    (`make test` does this too; this keeps a bare `pytest` honest). Once, in the main process:
    pytest-xdist's workers start after it and must not parse the same target at once."""
    if hasattr(config, "workerinput"):
        return
    dbt_dir = REPO_ROOT / "dbt"
    manifest = dbt_dir / "target" / "manifest.json"
    sources = [p for d in ("models", "macros", "seeds", "tests") for p in (dbt_dir / d).rglob("*") if p.is_file()]
    newest = max([p.stat().st_mtime for p in sources] + [(dbt_dir / "dbt_project.yml").stat().st_mtime])
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    env = {**os.environ, "SHOCKWATCH_DATA_DIR": os.environ.get("SHOCKWATCH_DATA_DIR", tempfile.mkdtemp())}
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--profiles-dir", "."],
        cwd=dbt_dir,
        env=env,
        check=True,
    )


@pytest.fixture
def replay_settings(tmp_path, monkeypatch):
    """Settings for a replay run into tmp_path (resolved now, so tests can read their paths)."""
    from dagster_project.config.settings import load_settings

    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
    return load_settings()


@pytest.fixture
def case_study_copy(tmp_path):
    """A writable copy of the case-study bundle, for tests that corrupt it."""
    target = tmp_path / "case_study"
    shutil.copytree(CASE_STUDY, target, ignore=shutil.ignore_patterns("*.py", "*.md"))
    return target


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`make demo`'s entry point over the whole case study, run once per test session into a
    temporary data dir and Dagster instance (~35 s): (settings, what it printed).

    Tests that need the published case-study warehouse share it: read it, never write to it.
    """
    import contextlib
    import io

    from dagster_project import demo
    from dagster_project.config.settings import load_settings

    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHOCKWATCH_DATA_DIR", str(root / "data"))
        mp.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        (root / "dagster_home").mkdir()
        shutil.copy(REPO_ROOT / "dagster.instance.yaml", root / "dagster_home" / "dagster.yaml")  # as make does
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = demo.main()
        settings = load_settings()
    assert code == 0, out.getvalue()
    return settings, out.getvalue()


@pytest.fixture(scope="session")
def ducklake_services(tmp_path_factory):
    """A PostgreSQL server (the DuckLake catalog) and an S3 server (its Parquet), started from
    the project's own packages (dagster_project/local_services.py), once per test session:
    about 2 s. Each test gets its own lake on them (`ducklake_settings`)."""
    from dagster_project import local_services
    from dagster_project.lib import duckdb_extensions

    if not (local_services.available() and duckdb_extensions.available()):
        pytest.skip("the `ducklake` extras are not installed (make install adds them)")
    with local_services.running(tmp_path_factory.mktemp("ducklake_services")) as services:
        yield services


@pytest.fixture
def ducklake_settings(ducklake_services, tmp_path, monkeypatch):
    """Replay settings on a DuckLake of this test's own (schema and S3 prefix) on the shared
    servers, its environment set as a deployment's would be (dbt reads it too)."""
    import uuid

    from dagster_project.config.settings import load_settings

    for name, value in ducklake_services.env(f"lake_{uuid.uuid4().hex[:10]}").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
    return load_settings()
