"""Settings are a Dagster resource: SHOCKWATCH_* variables become EnvVars read when a run
starts, unset ones keep their defaults."""

import pytest
from dagster import EnvVar, materialize

from dagster_project.assets.ingest import companies
from dagster_project.config.settings import REPO_ROOT, ShockWatchSettings, load_settings
from dagster_project.resources import build_resources


def test_set_variables_become_env_vars_and_the_rest_keep_their_defaults():
    settings = ShockWatchSettings.from_env({"SHOCKWATCH_DATA_DIR": "/x", "SHOCKWATCH_SOURCE_MODE": "replay"})
    assert settings.data_dir == EnvVar("SHOCKWATCH_DATA_DIR") and settings.source_mode == EnvVar(
        "SHOCKWATCH_SOURCE_MODE"
    )
    assert settings.watchlist_path == str(REPO_ROOT / "dagster_project" / "watchlist.yml")
    assert settings.http_timeout_s == "20" and settings.google_news_base == "https://news.google.com"


def test_load_settings_resolves_and_checks(tmp_path):
    settings = load_settings({"SHOCKWATCH_DATA_DIR": str(tmp_path), "SHOCKWATCH_SOURCE_MODE": " Replay "})
    assert settings.mode == "replay" and settings.analytics_db == tmp_path / "warehouse" / "analytics.duckdb"
    with pytest.raises(ValueError, match="SHOCKWATCH_SOURCE_MODE='sometimes' is not one of live, replay"):
        load_settings({"SHOCKWATCH_SOURCE_MODE": "sometimes"})
    with pytest.raises(ValueError, match="SHOCKWATCH_HTTP_TIMEOUT_S='soon'"):
        load_settings({"SHOCKWATCH_HTTP_TIMEOUT_S": "soon"})


def test_an_env_var_setting_is_read_when_the_run_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "from_env"))
    result = materialize([companies], resources=build_resources(ShockWatchSettings.from_env()))
    assert result.success
    assert (tmp_path / "from_env" / "lake" / "companies" / "data.parquet").exists()
