"""Publish: copy the checked build into the analysts' warehouse and swap it in atomically.

Analysts only ever open data/warehouse/analytics.duckdb read-only. We never write to that
file: a new file is made beside it and os.replace()d over it, so a reader holding the old
file keeps its snapshot, a new reader sees the new one, and a killed publish leaves the last
good warehouse.

What goes into the new file costs in proportion to the change when it can:
- **delta**: the big price relations (one row per ticker and session) get only what the builds
  since the file's own publish changed (the ledger dbt keeps, dbt/macros/price_marts_window.sql:
  delete those dates, insert them from the build), and every other relation (a few thousand
  rows each) is copied whole. The file it starts from is, in order:
  - **the generation before the current one, in place**: every publish keeps the file it
    replaces (a hard link, `.analytics.previous.duckdb`), and the next one brings that file up
    to date and swaps it in, so nothing the size of the warehouse is copied. Only when no
    reader still holds it: DuckDB locks a file it has open, and a refused lock means a reader
    is on that older snapshot, which it keeps;
  - **a copy of the current file** (a file copy, not a database rewrite), else;
- **full**: every relation is copied from the build, when neither file is the one the ledger
  says it published, the relations or their columns differ, or a build since recomputed
  everything (or kept no ledger).
Either way the file holds exactly the build's staging and marts (tested row for row). Readers
in the publishing process itself must close their connections (the project's code does): a
process does not see its own file locks.
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
    base: str = "empty"  # what it started from: "in place" (the kept generation), "copy" or "empty"


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


def previous_generation(analytics_db: Path) -> Path:
    """Where the generation published before the current one is kept (see the module doc)."""
    return analytics_db.with_name(f".{analytics_db.stem}.previous{analytics_db.suffix}")


def _marker(con: duckdb.DuckDBPyConnection) -> dict:
    """The build's record of its last publish: build_id and analytics_file, and the generation
    kept before it (previous_build_id, previous_file; absent in a marker from before them)."""
    if not _table_exists(con, "build", PUBLISHED_MARKER):
        return {}
    cursor = con.execute(f"select * from build.{PUBLISHED_MARKER}")
    row = cursor.fetchone()
    return dict(zip((column[0] for column in cursor.description), row, strict=True)) if row else {}


def _pending(con: duckdb.DuckDBPyConnection, after: int) -> dict | None:
    """What the price builds after build `after` changed, or None for "everything"."""
    everything, recomputed_from, window_start, window_end = con.execute(
        "select count(*) filter (where recomputed_from is null or window_start is null), "
        f"min(recomputed_from), min(window_start), max(window_end) from build.{LEDGER} where build_id > ?",
        [after],
    ).fetchone()
    if everything:
        return None
    never = dt.date(9999, 12, 31)  # nothing pending: empty ranges
    return {
        "recomputed_from": recomputed_from or never,
        "window_start": window_start or never,
        "window_end": window_end or never,
    }


def _file_identity(path: Path) -> str:
    """Which file this is: os.replace gives every publish a new inode, and nothing else
    writes the analytics file (analysts open it read-only)."""
    stat = path.stat()
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def _holds(path: Path, identity: str | None, relations: dict, read_only: bool = True) -> str | None:
    """None if `path` is the file the ledger says it published and has the build's relations,
    else why not. read_only=False also proves that no reader has it open (DuckDB's lock)."""
    if not path.exists():
        return f"no {path.name}"
    if identity != _file_identity(path):
        return f"{path.name} is not the one last published from this build"
    try:
        with duckdb.connect(str(path), read_only=read_only) as con:
            if _relations(con, con.execute("select current_database()").fetchone()[0]) != relations:
                return "the relations or their columns changed"
    except duckdb.IOException as exc:  # "Could not set lock on file": a reader is on it
        return f"{path.name} is open elsewhere ({str(exc)[:120]})"
    return None


@dataclasses.dataclass(frozen=True)
class _Plan:
    mode: str  # "delta" or "full"
    base: str  # what the new generation starts from: "in place", "copy" or "empty"
    pending: dict | None
    reason: str


def _plan(
    con: duckdb.DuckDBPyConnection, analytics_db: Path, relations: dict, marker: dict
) -> tuple[int | None, _Plan]:
    """(the last price build, how to publish it): in place on the kept generation, else on a
    copy of the current file, else full."""
    if not _table_exists(con, "build", LEDGER):
        return None, _Plan("full", "empty", None, "the build keeps no ledger of price builds")
    last = con.execute(f"select max(build_id) from build.{LEDGER}").fetchone()[0]
    if not analytics_db.exists():
        return last, _Plan("full", "empty", None, "no published warehouse yet")
    candidates = [("copy", analytics_db, marker.get("build_id") or 0, marker.get("analytics_file"), True)]
    if marker.get("previous_build_id") is not None:
        kept = previous_generation(analytics_db)
        candidates.insert(0, ("in place", kept, marker["previous_build_id"], marker["previous_file"], False))
    why_not = []
    for base, path, after, identity, read_only in candidates:
        pending = _pending(con, after)
        refused = "a build since it was published recomputed everything" if pending is None else None
        refused = refused or _holds(path, identity, relations, read_only)
        if refused is None:
            reason = f"builds {after + 1}..{last} since {path.name} was published"
            return last, _Plan("delta", base, pending, "; ".join([reason, *(f"not in place: {w}" for w in why_not)]))
        why_not.append(refused)
    return last, _Plan("full", "empty", None, "; ".join(why_not))


def _published_build(marker: dict, analytics_db: Path) -> int | None:
    """The build the current analytics file holds, if it is the one this build published."""
    if analytics_db.exists() and marker.get("analytics_file") == _file_identity(analytics_db):
        return marker["build_id"]
    return None


def publish_warehouse(build_db: Path, analytics_db: Path) -> Published:
    """Bring a generation of the analytics file up to the build's staging and marts, then
    swap it in; the generation it replaces is kept for the next publish."""
    if not build_db.exists():
        raise FileNotFoundError(f"no build warehouse at {build_db}: run dbt first")
    lake.remove_stale_temp_files(analytics_db)  # copies a killed publish left behind
    tmp = analytics_db.with_name(f".{analytics_db.name}.{uuid.uuid4().hex}.tmp")
    link = analytics_db.with_name(f".{analytics_db.name}.{uuid.uuid4().hex}.tmp")
    kept = previous_generation(analytics_db)
    with duckdb.connect(":memory:") as probe:
        probe.execute(f"attach {_sql_literal(str(build_db))} as build (read_only)")
        relations = _relations(probe, "build")
        marker = _marker(probe)
        last_build, plan = _plan(probe, analytics_db, relations, marker)
    replaced = _published_build(marker, analytics_db)
    target = kept if plan.base == "in place" else tmp
    if plan.base != "in place":
        kept.unlink(missing_ok=True)  # not a base now, and replaced below (or unknown)
    try:
        if plan.base == "copy":
            shutil.copyfile(analytics_db, tmp)
        counts = _write(target, build_db, relations, plan.pending, in_one_transaction=plan.base == "in place")
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())
        if replaced is not None:
            os.link(analytics_db, link)  # the generation readers have now: the next publish's base
        os.replace(target, analytics_db)
        if replaced is not None:
            os.replace(link, kept)
    except BaseException:
        if plan.base == "in place":  # it may be half brought up to date: never a base again
            kept.unlink(missing_ok=True)
        raise
    finally:
        for leftover in (tmp, link, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
    if last_build is not None:
        previous = (replaced, _file_identity(kept)) if replaced is not None else (None, None)
        _mark_published(build_db, last_build, _file_identity(analytics_db), *previous)
    return Published(counts, plan.mode, plan.reason, plan.base)


def _write(tmp: Path, build_db: Path, relations: dict, pending: dict | None, in_one_transaction: bool = False) -> dict:
    """Fill `tmp` from the build: the pending change of the scoped relations (the file holds
    an earlier publish already), or every relation whole (pending None). In one transaction
    when `tmp` is a kept generation: a failure leaves it as it was."""
    counts: dict[str, int] = {}
    with duckdb.connect(str(tmp)) as con:
        # ATTACH takes no bound parameters; the path is quoted as a SQL string literal.
        con.execute(f"attach {_sql_literal(str(build_db))} as build (read_only)")
        if in_one_transaction:
            con.execute("begin transaction")
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
        if in_one_transaction:
            con.execute("commit")
        con.execute("detach build")
        con.execute("checkpoint")
    if Path(f"{tmp}.wal").exists():  # its data would not move with the file
        raise RuntimeError(f"{tmp.name} kept a write-ahead log after its checkpoint: not published")
    return counts


def _mark_published(
    build_db: Path, build_id: int, analytics_file: str, previous_build_id: int | None, previous_file: str | None
) -> None:
    """Record in the build that its builds up to build_id are published, in which file, and
    which build the kept generation holds (the data tests and the next publish cover only what
    came after). After the swap: a crash before this line only makes the next run check and
    publish more than it needs."""
    with duckdb.connect(str(build_db)) as con:
        con.execute(
            f"create or replace table {PUBLISHED_MARKER} as select ?::bigint as build_id, "
            "?::varchar as analytics_file, ?::bigint as previous_build_id, ?::varchar as previous_file",
            [build_id, analytics_file, previous_build_id, previous_file],
        )
