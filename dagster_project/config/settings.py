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
# duckdb: one machine, a private build file published by atomic replace (publishing.py);
# ducklake: a PostgreSQL catalog and Parquet in a folder or object storage, published as a
# snapshot version (dagster_project/warehouse_backend.py, docs/DEPLOY.md)
WAREHOUSE_BACKENDS = ("duckdb", "ducklake")

# field -> (environment variable, default). The variable names are the public interface.
ENV_VARS: dict[str, tuple[str, str]] = {
    "data_dir": ("SHOCKWATCH_DATA_DIR", str(REPO_ROOT / "data")),
    "source_mode": ("SHOCKWATCH_SOURCE_MODE", "live"),
    "case_study_dir": ("SHOCKWATCH_CASE_STUDY_DIR", str(REPO_ROOT / "case_study")),
    "watchlist_path": ("SHOCKWATCH_WATCHLIST", str(REPO_ROOT / "dagster_project" / "watchlist.yml")),
    "http_timeout_s": ("SHOCKWATCH_HTTP_TIMEOUT_S", "20"),
    "google_news_base": ("SHOCKWATCH_GOOGLE_NEWS_BASE", DEFAULT_GOOGLE_NEWS_BASE),
    "warehouse_backend": ("SHOCKWATCH_WAREHOUSE_BACKEND", "duckdb"),
    # A libpq connection string ("dbname=… host=… user=…"); the password from PGPASSWORD or
    # ~/.pgpass, never in this string (it shows in the UI)
    "ducklake_catalog": ("SHOCKWATCH_DUCKLAKE_CATALOG", ""),
    "ducklake_data_path": ("SHOCKWATCH_DUCKLAKE_DATA_PATH", ""),  # "": <data dir>/warehouse/ducklake/
    "ducklake_metadata_schema": ("SHOCKWATCH_DUCKLAKE_METADATA_SCHEMA", "ducklake"),
    "s3_endpoint": ("SHOCKWATCH_S3_ENDPOINT", ""),  # "": the provider's default (AWS)
    "s3_key_id": ("SHOCKWATCH_S3_KEY_ID", ""),
    "s3_secret": ("SHOCKWATCH_S3_SECRET", ""),
    "s3_region": ("SHOCKWATCH_S3_REGION", "us-east-1"),
    "s3_use_ssl": ("SHOCKWATCH_S3_USE_SSL", "true"),
    "s3_url_style": ("SHOCKWATCH_S3_URL_STYLE", "vhost"),  # "path" for MinIO and other local servers
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

    warehouse_backend: str = Field(
        "duckdb", description="'duckdb' (one machine) or 'ducklake' (SHOCKWATCH_WAREHOUSE_BACKEND)."
    )
    ducklake_catalog: str = Field(
        "", description="DuckLake catalog: a libpq DSN of its PostgreSQL database (SHOCKWATCH_DUCKLAKE_CATALOG)."
    )
    ducklake_data_path: str = Field(
        "", description="DuckLake's Parquet: a folder or s3://bucket/prefix/ (SHOCKWATCH_DUCKLAKE_DATA_PATH)."
    )
    ducklake_metadata_schema: str = Field(
        "ducklake", description="PostgreSQL schema of DuckLake's tables (SHOCKWATCH_DUCKLAKE_METADATA_SCHEMA)."
    )
    s3_endpoint: str = Field("", description="S3 host:port, empty for AWS (SHOCKWATCH_S3_ENDPOINT).")
    s3_key_id: str = Field("", description="S3 access key id (SHOCKWATCH_S3_KEY_ID).")
    s3_secret: str = Field("", description="S3 secret access key (SHOCKWATCH_S3_SECRET).")
    s3_region: str = Field("us-east-1", description="S3 region (SHOCKWATCH_S3_REGION).")
    s3_use_ssl: str = Field("true", description="'true' or 'false': HTTPS to S3 (SHOCKWATCH_S3_USE_SSL).")
    s3_url_style: str = Field("vhost", description="'vhost' or 'path' (SHOCKWATCH_S3_URL_STYLE).")

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
    def backend(self) -> str:
        backend = self.warehouse_backend.strip().lower()
        if backend not in WAREHOUSE_BACKENDS:
            raise ValueError(f"SHOCKWATCH_WAREHOUSE_BACKEND={backend!r} is not one of {', '.join(WAREHOUSE_BACKENDS)}")
        if backend == "ducklake" and not self.ducklake_catalog.strip():
            raise ValueError("SHOCKWATCH_WAREHOUSE_BACKEND=ducklake needs SHOCKWATCH_DUCKLAKE_CATALOG (a libpq DSN)")
        return backend

    @property
    def ducklake_data(self) -> str:
        """Where DuckLake writes Parquet: s3://… as given, a folder resolved, with the trailing
        slash DuckLake joins file names to."""
        path = self.ducklake_data_path.strip() or str(self.warehouse_dir / "ducklake")
        if "://" not in path:
            path = str(Path(path).resolve())
        return path.rstrip("/") + "/"

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
    values["warehouse_backend"] = settings.backend  # raises on an unknown backend or a missing catalog
    return ShockWatchSettings(**values)
