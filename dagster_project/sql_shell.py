"""`make sql` on the DuckLake backend: the DuckDB CLI, attached read-only at the last
published snapshot, or at AT=<version> (time travel; `select * from lake.snapshots()` lists
them, `lake.main.shockwatch_publications` the published ones).

The CLI is the same DuckDB version as the pipeline's (pyproject.toml), so it autoloads the
extension files `make install` put in place (lib/duckdb_extensions.py): nothing is downloaded.
Its start-up SQL holds the S3 secret, so it goes to a private temporary file that the CLI
reads and this process deletes when the CLI exits.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_project.config.settings import load_settings
from dagster_project.lib import duckdb_extensions
from dagster_project.warehouse_backend import (
    LAKE,
    attach_sql,
    connect_lake,
    is_ducklake,
    published_version,
    s3_secret_sql,
)


def init_sql(settings, version: int) -> str:
    """What the CLI runs first: extensions from the project's folder, the secret, the attach."""
    lines = [
        f"set extension_directory = '{duckdb_extensions.ensure_installed()}';",
        "set autoinstall_known_extensions = false;",  # a missing file is an error, not a download
    ]
    secret = s3_secret_sql(settings)
    if secret:
        lines.append(secret + ";")
    lines += [attach_sql(settings, version=version) + ";", f"use {LAKE};"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", type=int, help="a snapshot version (default: the last published)")
    parser.add_argument("-c", dest="command", help="run this SQL and exit (scripts, tests)")
    args = parser.parse_args(argv)
    settings = load_settings()
    if not is_ducklake(settings):
        print("make sql AT=… needs SHOCKWATCH_WAREHOUSE_BACKEND=ducklake", file=sys.stderr)
        return 2
    version = args.at
    if version is None:
        with connect_lake(settings, read_only=True) as con:
            version = published_version(con)
        if version is None:
            print("nothing published on this DuckLake yet", file=sys.stderr)
            return 1
    cli = Path(sys.executable).parent / "duckdb"  # duckdb-cli, the `analyst` extras
    fd, path = tempfile.mkstemp(prefix="shockwatch-sql-", suffix=".sql")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(init_sql(settings, version))
        command = [str(cli), "-init", path] + (["-batch", "-c", args.command] if args.command else [])
        if not args.command:
            print(f"DuckLake snapshot {version}, read-only (schemas staging and marts)", file=sys.stderr)
        return subprocess.call(command)
    finally:
        os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
