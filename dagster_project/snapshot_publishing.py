"""Publish on DuckLake: record which snapshot passed the checks; copy nothing.

On DuckLake every dbt commit is a snapshot, and a reader attached at a snapshot version keeps
it however many commits follow (warehouse_backend.py). So where the DuckDB backend must copy
the build into a new file and swap it in (publishing.py), this step only writes one row:
the snapshot this run's dbt step left, whose blocking checks passed (the publish asset runs
only after them). Analysts attach at the last
recorded version; a build that fails its checks commits snapshots nobody is pointed at, and
the next passing build's publish moves everyone past them.

Why a table in the DuckLake (`main.shockwatch_publications`) and not a file beside the data:
it is in the catalog that every machine already reaches, it commits atomically with the
ledger row below, and backing up the catalog backs it up. Its own commit is a new snapshot,
which may hold a later unchecked build: readers attach at the version the row names, never
at the publication's own snapshot.

Which snapshot: the one this run's dbt step left (assets/publish_snapshot.py tags the models
with it), not the newest: another run's dbt step may take the `warehouse` pool between this
run's dbt step and its publish. Without a dbt step in the run, the newest.

The same transaction records the last price build published (`main.price_marts__published`,
as publishing.py does in the build file): the scoped data tests and the ledger read it
(dbt/macros/price_marts_window.sql).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.warehouse_backend import LAKE, PUBLICATIONS, connect_lake

PUBLISHED_SCHEMAS = ("staging", "marts")
LEDGER = "main.price_marts__builds"
PUBLISHED_MARKER = "main.price_marts__published"


@dataclasses.dataclass(frozen=True)
class SnapshotPublished:
    version: int  # the snapshot analysts now read
    counts: dict[str, int]  # rows per published relation at that version
    build_id: int | None  # the last price build it covers


def _exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
            [LAKE, schema, name],
        ).fetchone()[0]
    )


def newest_snapshot(settings: ShockWatchSettings) -> int:
    with connect_lake(settings, read_only=True) as con:
        return con.execute(f"select max(snapshot_id) from {LAKE}.snapshots()").fetchone()[0]


def _contents(settings: ShockWatchSettings, version: int) -> tuple[dict[str, int], int | None]:
    """(rows per staging and marts relation, last price build id) at snapshot `version`."""
    with connect_lake(settings, version=version) as con:
        relations = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? "
            "and schema_name in ('staging', 'marts') order by schema_name, table_name",
            [LAKE],
        ).fetchall()
        if not relations:
            raise LookupError(f"no staging or marts relations in DuckLake snapshot {version}: run dbt first")
        counts = {
            f"{schema}.{name}": con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in relations
        }
        build_id = con.execute(f"select max(build_id) from {LEDGER}").fetchone()[0] if _exists(con, LEDGER) else None
    return counts, build_id


def publish_snapshot(
    settings: ShockWatchSettings, run_id: str | None = None, version: int | None = None
) -> SnapshotPublished:
    """Record snapshot `version` (default: the newest) as the published one: one transaction,
    one new snapshot. What it holds is read at that version, not at the newest."""
    version = newest_snapshot(settings) if version is None else int(version)
    counts, build_id = _contents(settings, version)
    with connect_lake(settings) as con:
        con.execute("begin")
        con.execute(
            f"create table if not exists {PUBLICATIONS} "
            "(version bigint, published_at timestamptz, build_id bigint, run_id varchar)"
        )
        con.execute(
            f"insert into {PUBLICATIONS} values (?, ?, ?, ?)",
            [version, dt.datetime.now(dt.UTC), build_id, run_id],
        )
        if build_id is not None:
            con.execute(
                f"create or replace table {PUBLISHED_MARKER} as "
                "select ?::bigint as build_id, ?::varchar as analytics_file",
                [build_id, f"ducklake snapshot {version}"],
            )
        con.execute("commit")
    return SnapshotPublished(version, counts, build_id)


def publications(settings: ShockWatchSettings) -> list[tuple]:
    """(version, published_at, build_id, run_id) of every publication, newest first."""
    with connect_lake(settings, read_only=True) as con:
        if not _exists(con, PUBLICATIONS):
            return []
        return con.execute(f"select * from {PUBLICATIONS} order by version desc").fetchall()
