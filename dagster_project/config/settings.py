"""ShockWatch's settings as a Dagster resource: shown in the UI's resource view (with the
variable each value comes from), read from SHOCKWATCH_* variables.

`ShockWatchSettings.from_env()` is what the code location uses: a variable that is set
becomes an `EnvVar`, so the UI shows where the value comes from and a run reads it when it
starts; an unset one keeps its default. `load_settings()` resolves the same values at once,
for command-line tools and tests that need paths before any run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from dagster_project.config.source_config import DEFAULT_GOOGLE_NEWS_BASE

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_MODES = ("live", "replay")

# field -> (environment variable, default). The variable names are the public interface.
ENV_VARS: dict[str, tuple[str, str]] = {
    "data_dir": ("SHOCKWATCH_DATA_DIR", str(REPO_ROOT / "data")),
    "source_mode": ("SHOCKWATCH_SOURCE_MODE", "live"),
    "case_study_dir": ("SHOCKWATCH_CASE_STUDY_DIR", str(REPO_ROOT / "case_study")),
    "watchlist_path": ("SHOCKWATCH_WATCHLIST", str(REPO_ROOT / "dagster_project" / "watchlist.yml")),
    "http_timeout_s": ("SHOCKWATCH_HTTP_TIMEOUT_S", "20"),
    "google_news_base": ("SHOCKWATCH_GOOGLE_NEWS_BASE", DEFAULT_GOOGLE_NEWS_BASE),
}


class ShockWatchSettings(ConfigurableResource):
    """Where data lives and which sources a run reads. Paths are strings in the config (what
    Dagster's config system carries); the properties give resolved Paths."""

    data_dir: str = Field(
        ENV_VARS["data_dir"][1], description="Lake, warehouse, state and reports (SHOCKWATCH_DATA_DIR)."
    )
    source_mode: str = Field(
        "live", description="'live' sources, or 'replay' of the case study (SHOCKWATCH_SOURCE_MODE)."
    )
    case_study_dir: str = Field(
        ENV_VARS["case_study_dir"][1],
        description="The bundled case study replayed in replay mode (SHOCKWATCH_CASE_STUDY_DIR).",
    )
    watchlist_path: str = Field(ENV_VARS["watchlist_path"][1], description="The watchlist YAML (SHOCKWATCH_WATCHLIST).")
    # A string because an EnvVar can only fill a string field; `timeout_s` parses it.
    http_timeout_s: str = Field(
        "20", description="Read timeout of live HTTP requests, seconds (SHOCKWATCH_HTTP_TIMEOUT_S)."
    )
    google_news_base: str = Field(
        DEFAULT_GOOGLE_NEWS_BASE, description="Google News host (SHOCKWATCH_GOOGLE_NEWS_BASE)."
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ShockWatchSettings:
        env = os.environ if env is None else env
        return cls(**{field: EnvVar(var) if var in env else default for field, (var, default) in ENV_VARS.items()})

    # Validated when read rather than by a pydantic validator: with EnvVar fields the value is
    # only known once a run resolves it.
    @property
    def mode(self) -> str:
        mode = self.source_mode.strip().lower()
        if mode not in SOURCE_MODES:
            raise ValueError(f"SHOCKWATCH_SOURCE_MODE={mode!r} is not one of {', '.join(SOURCE_MODES)}")
        return mode

    @property
    def timeout_s(self) -> float:
        try:
            return float(self.http_timeout_s)
        except ValueError:
            raise ValueError(f"SHOCKWATCH_HTTP_TIMEOUT_S={self.http_timeout_s!r} is not a number of seconds") from None

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def case_study_path(self) -> Path:
        return Path(self.case_study_dir).resolve()

    @property
    def watchlist_file(self) -> Path:
        return Path(self.watchlist_path).resolve()

    @property
    def lake_dir(self) -> Path:
        return self.data_path / "lake"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_path / "warehouse"

    @property
    def build_db(self) -> Path:
        return self.warehouse_dir / "build.duckdb"

    @property
    def analytics_db(self) -> Path:
        return self.warehouse_dir / "analytics.duckdb"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_path / "quarantine"

    def replace(self, **changes: str) -> ShockWatchSettings:
        """A copy with some settings changed (tests, one-off runs)."""
        values = {field: getattr(self, field) for field in ENV_VARS}
        return type(self)(**{**values, **{k: str(v) for k, v in changes.items()}})


def load_settings(env: Mapping[str, str] | None = None) -> ShockWatchSettings:
    """The settings with every value resolved now (environment, else default), checked."""
    env = os.environ if env is None else env
    values = {field: env.get(var, default) for field, (var, default) in ENV_VARS.items()}
    for field in ("data_dir", "case_study_dir", "watchlist_path"):
        values[field] = str(Path(values[field]).resolve())
    settings = ShockWatchSettings(**values)
    values["source_mode"] = settings.mode  # raises on an unknown mode, like a run would
    settings.timeout_s  # noqa: B018 - raises on a timeout that is not a number
    return ShockWatchSettings(**values)
