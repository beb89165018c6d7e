"""Publishing without copying the warehouse (dagster_project/publishing.py): each publish
keeps the generation it replaces and the next one brings that file up to date in place,
unless a reader still has it open or it is not the file the ledger says it published."""

import subprocess
import sys

import duckdb
import pytest

from dagster_project.publishing import LEDGER, previous_generation, publish_warehouse
from tests.test_publishing import _contents

# A reader in another process (DuckDB's file locks are per process): opens the file
# read-only, prints its rows, then waits for a line on stdin and prints them again.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = lambda: con.execute("select count(*), max(trade_date)::varchar from staging.stg_prices").fetchone()
print(rows(), flush=True)
sys.stdin.readline()
print(rows(), flush=True)
"""


class Build:
    """A build warehouse as dbt leaves it, small: one price relation with its ledger of price
    builds, and a mart copied whole on every publish."""

    def __init__(self, path):
        self.path, self.sessions = path, 0
        with duckdb.connect(str(path)) as con:
            con.execute("create schema staging; create schema marts")
            con.execute("create table staging.stg_prices (ticker varchar, trade_date date, close double)")
            con.execute("create table marts.dim_company (ticker varchar, sessions integer)")
            con.execute(
                f"create table {LEDGER} (build_id bigint, window_start date, window_end date, recomputed_from date)"
            )

    def session(self):
        """One daily build: a new session's rows, recorded in the ledger."""
        self.sessions += 1
        with duckdb.connect(str(self.path)) as con:
            day = con.execute("select date '2025-01-01' + ?::integer", [self.sessions]).fetchone()[0]
            con.execute(
                "insert into staging.stg_prices values ('NVDA', ?, ?), ('AMD', ?, ?)",
                [day, 100.0 + self.sessions, day, 50.0],
            )
            con.execute(
                "create or replace table marts.dim_company as select 'NVDA' as ticker, ?::integer as sessions",
                [self.sessions],
            )
            con.execute(f"insert into {LEDGER} values (?, ?, ?, ?)", [self.sessions, day, day, day])


@pytest.fixture
def build(tmp_path):
    build = Build(tmp_path / "build.duckdb")
    build.session()
    return build


def test_each_publish_after_the_second_brings_the_kept_generation_up_to_date_in_place(build, tmp_path):
    analytics = tmp_path / "warehouse" / "analytics.duckdb"
    analytics.parent.mkdir()
    bases = [publish_warehouse(build.path, analytics).base]
    for _ in range(3):
        build.session()
        published = publish_warehouse(build.path, analytics)
        bases.append(published.base)
        assert published.mode == "delta"
        publish_warehouse(build.path, tmp_path / "full.duckdb")  # what a full publish holds
        assert _contents(analytics) == _contents(tmp_path / "full.duckdb")
        (tmp_path / "full.duckdb").unlink()
        # the full publish elsewhere moved the marker: publish here again, as the next run would
        assert publish_warehouse(build.path, analytics).mode == "full"
        publish_warehouse(build.path, analytics)
    assert bases == ["empty", "copy", "in place", "in place"]
    assert previous_generation(analytics).exists()
    assert sorted(p.name for p in analytics.parent.iterdir()) == [".analytics.previous.duckdb", "analytics.duckdb"]


def test_a_reader_on_the_kept_generation_keeps_it_and_the_publish_copies(build, tmp_path):
    analytics = tmp_path / "analytics.duckdb"
    publish_warehouse(build.path, analytics)
    build.session()
    assert publish_warehouse(build.path, analytics).base == "copy"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(analytics)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        before = reader.stdout.readline()
        assert before.startswith("(4, '2025-01-03')")
        build.session()
        assert publish_warehouse(build.path, analytics).base == "in place"  # the kept one is not the reader's
        build.session()
        published = publish_warehouse(build.path, analytics)  # the reader's generation is now the kept one
        assert published.base == "copy" and "open elsewhere" in published.reason
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline() == before  # its snapshot did not move
    finally:
        reader.kill()
        reader.wait()
    with duckdb.connect(str(analytics), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_prices").fetchone()[0] == 2 * build.sessions
    build.session()
    assert publish_warehouse(build.path, analytics).base == "in place"  # the reader is gone


def test_a_kept_generation_written_by_anything_else_is_never_a_base(build, tmp_path):
    analytics = tmp_path / "analytics.duckdb"
    for _ in range(2):
        publish_warehouse(build.path, analytics)
        build.session()
    kept = previous_generation(analytics)
    with duckdb.connect(str(kept)) as con:  # someone "fixes" a row in the hidden file
        con.execute("update staging.stg_prices set close = -1")
    published = publish_warehouse(build.path, analytics)
    assert published.base == "copy" and "not the one last published" in published.reason
    with duckdb.connect(str(analytics), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_prices where close < 0").fetchone()[0] == 0


def test_a_failed_update_in_place_leaves_the_published_file_and_drops_the_kept_one(build, tmp_path, monkeypatch):
    analytics = tmp_path / "analytics.duckdb"
    for _ in range(2):
        publish_warehouse(build.path, analytics)
        build.session()
    before = _contents(analytics)
    from dagster_project import publishing

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(publishing.os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        publish_warehouse(build.path, analytics)
    monkeypatch.undo()
    assert _contents(analytics) == before
    assert not previous_generation(analytics).exists()
    assert publish_warehouse(build.path, analytics).base == "copy"


def test_the_first_publish_says_there_was_nothing_to_start_from(build, tmp_path):
    first = publish_warehouse(build.path, tmp_path / "analytics.duckdb")
    assert (first.mode, first.base, first.reason) == ("full", "empty", "no published warehouse yet")
