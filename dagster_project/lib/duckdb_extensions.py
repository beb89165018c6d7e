"""DuckDB extensions from the project's own pinned packages, never from the network.

`INSTALL ducklake` by name downloads the extension, and CI and the dev machines have no
internet (only the package registries). The `duckdb-extension-*` packages (pyproject.toml,
`ducklake` extras) ship the same files for our exact DuckDB version; we INSTALL those files
into one extension directory per virtualenv, after which DuckDB's autoloading finds them:
`ATTACH 'ducklake:…'` loads ducklake, its `postgres:` catalog loads postgres_scanner, and an
S3 secret or `s3://` path loads httpfs. dbt gets the same directory through its profile
(`settings: extension_directory`), so no connection ever needs to know a file path.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import uuid
from pathlib import Path

import duckdb

# DuckDB's name for each extension -> the package that ships it
EXTENSIONS = {
    "ducklake": "duckdb_extension_ducklake",
    "httpfs": "duckdb_extension_httpfs",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


def default_extension_dir() -> Path:
    """Beside the interpreter's packages: the files belong to this virtualenv's DuckDB."""
    return Path(sys.prefix) / "share" / "duckdb_extensions"


def extension_file(name: str) -> Path:
    """The extension file a `duckdb-extension-*` package ships for the installed DuckDB."""
    spec = importlib.util.find_spec(EXTENSIONS[name])
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"DuckDB extension {name!r} is not installed: `make install` adds the `ducklake` extras"
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the package does not match duckdb {duckdb.__version__}")
    return path


def available() -> bool:
    """Whether every extension package is installed (tests skip without them)."""
    return all(importlib.util.find_spec(package) is not None for package in EXTENSIONS.values())


def ensure_installed(extension_dir: Path | None = None) -> Path:
    """The extension directory, with every extension INSTALLed into it (once per virtualenv).

    Installed into a fresh folder that is then renamed into place: pytest workers and
    concurrent runs race here, and a rename either wins whole or finds the winner's folder,
    so no process ever autoloads a half-copied file.
    """
    extension_dir = Path(extension_dir or default_extension_dir())
    version_dir = extension_dir / f"v{duckdb.__version__}"
    if version_dir.exists():
        return extension_dir
    extension_dir.mkdir(parents=True, exist_ok=True)
    staging = extension_dir / f".installing-{uuid.uuid4().hex}"
    try:
        with duckdb.connect(":memory:", config={"extension_directory": str(staging)}) as con:
            for name in EXTENSIONS:
                # INSTALL takes no bound parameter: the path goes in as a literal, quotes doubled
                quoted_file = str(extension_file(name)).replace("'", "''")
                con.execute(f"install '{quoted_file}'")
        try:
            os.rename(staging / f"v{duckdb.__version__}", version_dir)
        except OSError:
            if not version_dir.exists():  # not the lost race: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return extension_dir


if __name__ == "__main__":  # `make install`: ready before any run needs it
    print(ensure_installed())
