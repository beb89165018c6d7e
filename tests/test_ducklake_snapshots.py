"""Publication as a snapshot on DuckLake (dagster_project/snapshot_publishing.py,
warehouse_backend.py, sql_shell.py), on a small lake of each test's own over the session's
PostgreSQL and S3 servers (tests/conftest.py `ducklake_services`): readers keep the
published version across later commits, time travel reaches earlier ones, and a writer
killed mid-build leaves the published version readable and orphans that cleanup removes."""

import os
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from dagster_project import sql_shell
from dagster_project.config.settings import load_settings
from dagster_project.lib import duckdb_extensions
from dagster_project.snapshot_publishing import newest_snapshot, publications, publish_snapshot
from dagster_project.warehouse_backend import connect_lake, connect_published


def _build(settings, rows: int) -> None:
    """A stand-in for a dbt build: one mart committed."""
    with connect_lake(settings) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.moves as select range as i from range({rows})")


def _count(con) -> int:
    return con.execute("select count(*) from marts.moves").fetchone()[0]


def _data_files(settings) -> set[str]:
    with connect_lake(settings, read_only=True) as con:
        return {
            row[0] for row in con.execute(f"select file from glob('{settings.ducklake_data}**/*.parquet')").fetchall()
        }


def test_ducklake_reader_keeps_the_published_snapshot_across_later_commits(ducklake_settings, capfd):
    _build(ducklake_settings, 1000)
    built = newest_snapshot(ducklake_settings)  # what this run's dbt step left
    _build(ducklake_settings, 1200)  # another run's build commits before this run publishes
    first = publish_snapshot(ducklake_settings, run_id="run-1", version=built)
    assert (first.version, first.counts) == (built, {"marts.moves": 1000})

    reader = connect_published(ducklake_settings)
    assert _count(reader) == 1000
    _build(ducklake_settings, 1500)  # a later build commits, not yet published
    assert _count(reader) == 1000
    with connect_published(ducklake_settings) as late_reader:  # still the published version
        assert _count(late_reader) == 1000
    with connect_lake(ducklake_settings, read_only=True) as newest:
        assert _count(newest) == 1500  # ...while the newest snapshot has the unchecked build

    second = publish_snapshot(ducklake_settings, run_id="run-2")
    assert second.version > first.version
    assert _count(reader) == 1000  # an open reader is never moved, even by a publish
    reader.close()
    with connect_published(ducklake_settings) as reader:
        assert _count(reader) == 1500
    with connect_published(ducklake_settings, version=first.version) as old:  # time travel
        assert _count(old) == 1000
    assert [(v, run) for v, _at, _build_id, run in publications(ducklake_settings)] == [
        (second.version, "run-2"),
        (first.version, "run-1"),
    ]

    # `make sql AT=<version>`: the DuckDB CLI, read-only at that snapshot
    capfd.readouterr()
    assert sql_shell.main(["--at", str(first.version), "-c", "select count(*) as n from marts.moves"]) == 0
    assert "1000" in capfd.readouterr().out
    assert sql_shell.main(["-c", "select count(*) as n from marts.moves"]) == 0
    assert "1500" in capfd.readouterr().out
    assert sql_shell.main(["-c", "delete from marts.moves"]) != 0  # readers cannot write
    with connect_published(ducklake_settings) as reader:
        assert _count(reader) == 1500


KILLED_WRITER = textwrap.dedent(
    """
    import time
    from dagster_project.config.settings import load_settings
    from dagster_project.warehouse_backend import connect_lake

    con = connect_lake(load_settings())
    con.execute("begin")
    # a model's rows, written to Parquet on the object storage, not yet committed
    con.execute("create table marts.half_built as select range as i, random() as r from range(200000)")
    print("written", flush=True)
    time.sleep(120)
    """
)


def test_ducklake_killed_build_leaves_the_published_version_and_cleanable_orphans(ducklake_settings, tmp_path):
    _build(ducklake_settings, 1000)
    published = publish_snapshot(ducklake_settings)
    before = _data_files(ducklake_settings)
    with connect_lake(ducklake_settings, read_only=True) as con:
        newest = con.execute("select max(snapshot_id) from lake.snapshots()").fetchone()[0]

    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER],
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "writer.log", "w"),
        text=True,
        env=os.environ.copy(),
    )
    try:
        line = writer.stdout.readline().strip()
        assert line == "written", (line, writer.poll(), (tmp_path / "writer.log").read_text())
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    orphans = _data_files(ducklake_settings) - before
    assert orphans, "the killed writer should have left its uncommitted Parquet behind"
    with connect_lake(ducklake_settings, read_only=True) as con:
        assert con.execute("select max(snapshot_id) from lake.snapshots()").fetchone()[0] == newest
        tables = {
            row[0]
            for row in con.execute("select table_name from duckdb_tables() where database_name = 'lake'").fetchall()
        }
        assert "half_built" not in tables
    with connect_published(ducklake_settings) as reader:
        assert _count(reader) == 1000

    with connect_lake(ducklake_settings) as con:
        deleted = {
            row[0] for row in con.execute("call ducklake_delete_orphaned_files('lake', cleanup_all => true)").fetchall()
        }
    assert deleted == orphans
    assert _data_files(ducklake_settings) == before
    with connect_published(ducklake_settings, version=published.version) as reader:
        assert _count(reader) == 1000


def test_ducklake_backend_needs_a_catalog_and_time_travel_needs_ducklake(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOCKWATCH_WAREHOUSE_BACKEND", "ducklake")
    monkeypatch.delenv("SHOCKWATCH_DUCKLAKE_CATALOG", raising=False)
    with pytest.raises(ValueError, match="SHOCKWATCH_DUCKLAKE_CATALOG"):
        load_settings()
    monkeypatch.setenv("SHOCKWATCH_WAREHOUSE_BACKEND", "lakehouse")
    with pytest.raises(ValueError, match="not one of duckdb, ducklake"):
        load_settings()
    monkeypatch.setenv("SHOCKWATCH_WAREHOUSE_BACKEND", "duckdb")
    settings = load_settings()
    assert settings.ducklake_data == str(tmp_path.resolve() / "warehouse" / "ducklake") + "/"
    with pytest.raises(ValueError, match="time travel needs the ducklake backend"):
        connect_published(settings, version=3)


def test_ducklake_extensions_load_from_the_packages_without_a_download():
    if not duckdb_extensions.available():
        pytest.skip("the `ducklake` extras are not installed (make install adds them)")
    folder = duckdb_extensions.ensure_installed()  # make install did it; a second call finds them
    assert folder == duckdb_extensions.ensure_installed()
    config = {"extension_directory": str(folder), "autoinstall_known_extensions": "false"}
    with duckdb.connect(":memory:", config=config) as con:
        for name in duckdb_extensions.EXTENSIONS:
            con.execute(f"load {name}")
        loaded = {r[0] for r in con.execute("select extension_name from duckdb_extensions() where loaded").fetchall()}
    assert set(duckdb_extensions.EXTENSIONS) <= loaded
