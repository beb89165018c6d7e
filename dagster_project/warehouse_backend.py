"""Where the warehouse lives, and how every reader and writer connects to it.

Two backends (SHOCKWATCH_WAREHOUSE_BACKEND, config/settings.py):
- **duckdb** (default, one machine): dbt writes the private build.duckdb and the publish step
  swaps a checked copy in as analytics.duckdb (publishing.py).
- **ducklake**: dbt builds straight into a DuckLake: its catalog in PostgreSQL (many
  writers commit safely; SQLite or DuckDB-file catalogs allow one), its Parquet in a folder or
  object storage. Every commit is a snapshot, so publishing copies nothing: it records which
  snapshot passed the checks (snapshot_publishing.py), and readers attach at that version.
  Later commits never move them, and `version=` reads any earlier one (time travel).

This module is the one place that knows how to attach: the publish step, the demo, tests and
analysts (`make sql`, `connect_published`) use it, and dbt gets the same values through its
profile (dbt/profiles.yml, target `ducklake`, from `dbt_env`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib import duckdb_extensions

LAKE = "lake"  # the DuckLake's name in every connection, dbt's included (profiles.yml)
# The publish record (one row per publication), in the DuckLake itself: it lives and is
# backed up with what it names, every machine sees it, and it commits with the catalog.
PUBLICATIONS = "main.shockwatch_publications"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def is_ducklake(settings: ShockWatchSettings) -> bool:
    return settings.backend == "ducklake"


def s3_secret_sql(settings: ShockWatchSettings) -> str | None:
    """The S3 secret DuckDB needs for an s3:// data path (None for a local folder)."""
    if not settings.ducklake_data.startswith("s3://"):
        return None
    options = [
        "type s3",
        f"key_id {_literal(settings.s3_key_id)}",
        f"secret {_literal(settings.s3_secret)}",
        f"region {_literal(settings.s3_region)}",
        f"url_style {_literal(settings.s3_url_style)}",
        f"use_ssl {'true' if settings.s3_use_ssl.strip().lower() == 'true' else 'false'}",
    ]
    if settings.s3_endpoint:
        options.append(f"endpoint {_literal(settings.s3_endpoint)}")
    return f"create or replace secret shockwatch_s3 ({', '.join(options)})"


def attach_sql(settings: ShockWatchSettings, version: int | None = None, read_only: bool = False) -> str:
    """ATTACH of the DuckLake as `lake`: at its newest snapshot, or read-only at `version`."""
    options = [
        f"data_path {_literal(settings.ducklake_data)}",
        f"metadata_schema {_literal(settings.ducklake_metadata_schema)}",
    ]
    if version is not None:
        options.append(f"snapshot_version {int(version)}")
    if read_only or version is not None:
        options.append("read_only")
    catalog = _literal(f"ducklake:postgres:{settings.ducklake_catalog}")
    return f"attach {catalog} as {LAKE} ({', '.join(options)})"


def connect_lake(
    settings: ShockWatchSettings, version: int | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the DuckLake attached as `lake` and in use (writers: the publish
    step, maintenance; read_only or at a `version` for readers)."""
    extensions = duckdb_extensions.ensure_installed()
    con = duckdb.connect(":memory:", config={"extension_directory": str(extensions)})
    try:
        secret = s3_secret_sql(settings)
        if secret:
            con.execute(secret)
        con.execute(attach_sql(settings, version=version, read_only=read_only))
        con.execute(f"use {LAKE}")
    except Exception:
        con.close()
        raise
    return con


def published_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The last snapshot published (None: nothing yet), on a connection from connect_lake."""
    schema, name = PUBLICATIONS.split(".")
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [LAKE, schema, name],
    ).fetchone()[0]
    if not exists:
        return None
    return con.execute(f"select max(version) from {LAKE}.{PUBLICATIONS}").fetchone()[0]


def connect_published(
    settings: ShockWatchSettings, version: int | None = None, read_only: bool = True
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse, its `staging` and `marts` schemas
    in the default search path: the last publication, or (DuckLake) the snapshot `version`."""
    if not read_only:
        raise ValueError("the published warehouse is read-only: only dbt and the publish step write")
    if not is_ducklake(settings):
        if version is not None:
            raise ValueError("time travel needs the ducklake backend: duckdb keeps only the last published file")
        return duckdb.connect(str(settings.analytics_db), read_only=True)
    if version is None:
        with connect_lake(settings, read_only=True) as con:
            version = published_version(con)
        if version is None:
            raise LookupError("nothing published on this DuckLake yet: run a pipeline (make demo-ducklake)")
    return connect_lake(settings, version=version)


def open_published(warehouse: Path | ShockWatchSettings) -> tuple[duckdb.DuckDBPyConnection, dt.datetime]:
    """(read-only connection, when it was published) for what the report, the dossiers and the
    new-shock alert read: a published DuckDB file, or settings (their backend's last
    publication: analytics.duckdb, or the DuckLake snapshot last published). Raises
    FileNotFoundError when nothing is published yet."""
    if isinstance(warehouse, ShockWatchSettings) and is_ducklake(warehouse):
        with connect_lake(warehouse, read_only=True) as con:
            version = published_version(con)
            if version is None:
                raise FileNotFoundError("nothing published on this DuckLake yet: run a pipeline (make demo-ducklake)")
            published_at = con.execute(
                f"select max(published_at) from {LAKE}.{PUBLICATIONS} where version = ?", [version]
            ).fetchone()[0]
        return connect_lake(warehouse, version=version), published_at.astimezone(dt.UTC)
    path = Path(warehouse.analytics_db if isinstance(warehouse, ShockWatchSettings) else warehouse)
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run 'make demo' (or a pipeline) first")
    published_at = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return duckdb.connect(str(path), read_only=True), published_at


def dbt_env(settings: ShockWatchSettings) -> dict[str, str]:
    """What dbt's profile reads (dbt/profiles.yml) to build into this backend."""
    if not is_ducklake(settings):
        return {"SHOCKWATCH_WAREHOUSE_BACKEND": "duckdb"}
    return {
        "SHOCKWATCH_WAREHOUSE_BACKEND": "ducklake",
        "SHOCKWATCH_DUCKDB_EXTENSION_DIR": str(duckdb_extensions.ensure_installed()),
        "SHOCKWATCH_DUCKLAKE_CATALOG": settings.ducklake_catalog,
        "SHOCKWATCH_DUCKLAKE_DATA_PATH": settings.ducklake_data,
        "SHOCKWATCH_DUCKLAKE_METADATA_SCHEMA": settings.ducklake_metadata_schema,
        "SHOCKWATCH_S3_ENDPOINT": settings.s3_endpoint,
        "SHOCKWATCH_S3_KEY_ID": settings.s3_key_id,
        "SHOCKWATCH_S3_SECRET": settings.s3_secret,
        "SHOCKWATCH_S3_REGION": settings.s3_region,
        "SHOCKWATCH_S3_USE_SSL": settings.s3_use_ssl,
        "SHOCKWATCH_S3_URL_STYLE": settings.s3_url_style,
    }
