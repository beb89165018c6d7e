"""Shared fixtures: every test runs offline against a temporary data dir."""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("YF_DISABLE_CURL_CFFI", "1")  # before anything imports yfinance

REPO_ROOT = Path(__file__).resolve().parent.parent
CASE_STUDY = REPO_ROOT / "case_study"
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"


@pytest.fixture
def replay_settings(tmp_path, monkeypatch):
    """Settings for a replay run into tmp_path (the dbt profile reads the same env var)."""
    from dagster_project.settings import load_settings

    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
    return load_settings()


@pytest.fixture
def case_study_copy(tmp_path):
    """A writable copy of the case-study bundle, for tests that corrupt it."""
    target = tmp_path / "case_study"
    shutil.copytree(CASE_STUDY, target, ignore=shutil.ignore_patterns("*.py", "*.md"))
    return target
