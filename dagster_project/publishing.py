"""Publish: copy the checked build into the analysts' warehouse and swap it in atomically.

Analysts only ever open data/warehouse/analytics.duckdb read-only. We never write to that
file: a new file is made beside it and os.replace()d over it, so a reader holding the old
file keeps its snapshot, a new reader sees the new one, and a killed publish leaves the last
good warehouse.

What goes into the new file costs in proportion to the change when it can:
- **delta**: the last published file is copied (a file copy, not a database rewrite), then
  the big price relations (one row per ticker and session) get only what the builds since
  that publish changed (the ledger
  dbt keeps, dbt/macros/price_marts_window.sql: delete those dates, insert them from the
  build), and every other relation (a few thousand rows each) is copied whole;
- **full**: every relation is copied from the build, when the last published file is not the
  one the ledger says was published, the relations or their columns differ, or a build since
  recomputed everything (or kept no ledger).
Either way the file holds exactly the build's staging and marts (tested row for row).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from dagster_project import lake

PUBLISHED_SCHEMAS = ("staging", "marts")
# In the build (dbt's target schema): the ledger of price builds, and the last one published
LEDGER = "main.price_marts__builds"
PUBLISHED_MARKER = "main.price_marts__published"
# The relations published by change: the rows the pending builds may have changed, as SQL
# with the pending bounds bound as parameters
SCOPED = {
    ("staging", "stg_prices"): ("trade_date between ? and ?", ("window_start", "window_end")),
    ("marts", "fct_daily_market_cap"): ("trade_date >= ?", ("recomputed_from",)),
    ("marts", "fct_market_moves"): ("trade_date >= ?", ("recomputed_from",)),
    # recomputed from its window's start onwards (dbt/macros/abnormal_returns_window.sql)
    ("marts", "fct_abnormal_returns"): ("trade_date >= ?", ("window_start",)),
}


@dataclasses.dataclass(frozen=True)
class Published:
    counts: dict[str, int]  # rows per published relation
    mode: str  # "delta" or "full"
    reason: str  # why this mode


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _relations(con: duckdb.DuckDBPyConnection, database: str) -> dict[tuple[str, str], tuple]:
    """(schema, name) -> its columns and types, for the published schemas of `database`."""
    rows = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name in ('staging', 'marts') "
        "order by schema_name, table_name, column_index",
        [database],
    ).fetchall()
    relations: dict[tuple[str, str], list] = {}
    for schema, name, column, data_type in rows:
        relations.setdefault((schema, name), []).append((column, data_type))
    return {key: tuple(columns) for key, columns in relations.items()}


def _table_exists(con: duckdb.DuckDBPyConnection, database: str, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
            [database, schema, name],
        ).fetchone()[0]
    )


def _pending(con: duckdb.DuckDBPyConnection) -> tuple[int | None, dict | None, str]:
    """(last build id, the pending change or None for "everything", why) from the build."""
    if not _table_exists(con, "build", LEDGER):
        return None, None, "the build keeps no ledger of price builds"
    last = con.execute(f"select max(build_id) from build.{LEDGER}").fetchone()[0]
    after, identity = 0, None
    if _table_exists(con, "build", PUBLISHED_MARKER):
        after, identity = con.execute(f"select build_id, analytics_file from build.{PUBLISHED_MARKER}").fetchone()
    everything, recomputed_from, window_start, window_end = con.execute(
        "select count(*) filter (where recomputed_from is null or window_start is null), "
        f"min(recomputed_from), min(window_start), max(window_end) from build.{LEDGER} where build_id > ?",
        [after],
    ).fetchone()
    if everything:
        return last, None, "a build since the last publish recomputed everything"
    never = dt.date(9999, 12, 31)  # nothing pending: empty ranges
    pending = {
        "analytics_file": identity,
        "recomputed_from": recomputed_from or never,
        "window_start": window_start or never,
        "window_end": window_end or never,
    }
    return last, pending, f"builds {after + 1}..{last} since the last publish"


def _file_identity(path: Path) -> str:
    """Which file this is: os.replace gives every publish a new inode, and nothing else
    writes the analytics file (analysts open it read-only)."""
    stat = path.stat()
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def _previous_holds(analytics_db: Path, identity: str | None, relations: dict) -> str | None:
    """None if the analytics file is the one last published from this build, else why not."""
    if not analytics_db.exists():
        return "no published warehouse yet"
    if identity != _file_identity(analytics_db):
        return "the analytics file is not the one last published from this build"
    with duckdb.connect(str(analytics_db), read_only=True) as con:
        if _relations(con, con.execute("select current_database()").fetchone()[0]) != relations:
            return "the relations or their columns changed"
    return None


def publish_warehouse(build_db: Path, analytics_db: Path) -> Published:
    """Make a new analytics file holding the build's staging and marts, then swap it in."""
    if not build_db.exists():
        raise FileNotFoundError(f"no build warehouse at {build_db}: run dbt first")
    lake.remove_stale_temp_files(analytics_db)  # copies a killed publish left behind
    tmp = analytics_db.with_name(f".{analytics_db.name}.{uuid.uuid4().hex}.tmp")
    with duckdb.connect(":memory:") as probe:
        probe.execute(f"attach {_sql_literal(str(build_db))} as build (read_only)")
        relations = _relations(probe, "build")
        last_build, pending, reason = _pending(probe)
    why_not = _previous_holds(analytics_db, pending["analytics_file"], relations) if pending else reason
    mode = "full" if why_not else "delta"
    try:
        if mode == "delta":
            shutil.copyfile(analytics_db, tmp)
        counts = _write(tmp, build_db, relations, pending if mode == "delta" else None)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, analytics_db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    if last_build is not None:
        _mark_published(build_db, last_build, _file_identity(analytics_db))
    return Published(counts, mode, reason if mode == "delta" else why_not)


def _write(tmp: Path, build_db: Path, relations: dict, pending: dict | None) -> dict:
    """Fill `tmp` from the build: the pending change of the scoped relations (a copy of the
    last publish is in it already), or every relation whole (pending None)."""
    counts: dict[str, int] = {}
    with duckdb.connect(str(tmp)) as con:
        # ATTACH takes no bound parameters; the path is quoted as a SQL string literal.
        con.execute(f"attach {_sql_literal(str(build_db))} as build (read_only)")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f'create schema if not exists "{schema}"')
        for schema, name in relations:
            # Identifiers come from the catalog, not from configuration; quote them anyway.
            relation, source = f'"{schema}"."{name}"', f'build."{schema}"."{name}"'
            if pending is not None and (schema, name) in SCOPED:
                scope, bounds = SCOPED[(schema, name)]
                values = [pending[bound] for bound in bounds]
                con.execute(f"delete from {relation} where {scope}", values)
                con.execute(f"insert into {relation} select * from {source} where {scope}", values)
            else:
                con.execute(f"create or replace table {relation} as select * from {source}")
            counts[f"{schema}.{name}"] = con.execute(f"select count(*) from {relation}").fetchone()[0]
        con.execute("detach build")
        con.execute("checkpoint")
    return counts


def _mark_published(build_db: Path, build_id: int, analytics_file: str) -> None:
    """Record in the build that its builds up to build_id are published, and in which file
    (the data tests and the next publish cover only what came after). After the swap: a crash
    before this line only makes the next run check and publish more than it needs."""
    with duckdb.connect(str(build_db)) as con:
        con.execute(
            f"create or replace table {PUBLISHED_MARKER} as select ?::bigint as build_id, ?::varchar as analytics_file",
            [build_id, analytics_file],
        )
