"""Dagster's SQLite event log, minus a new SQLAlchemy engine for every event it stores.

The embedded instance (dagster.instance.yaml: `make demo`, `make dev`, the tests) keeps its
event log in SQLite: a database per run plus an index shared by all runs. Dagster 1.13's
`SqliteEventLogStorage._connect` creates a fresh engine with a NullPool for every statement
batch and disposes of it afterwards. That throws away SQLAlchemy's compiled-statement cache
(it lives on the engine) and, for the index, reopens the file and checkpoints its WAL on
every close. Measured here: ~10 ms per materialization event, of which the commit itself is
~1.5 ms. A case-study `daily_pipeline` run stores ~1,400 events (each dbt model and test is
one or more), so the event log cost more than the dbt build it recorded (docs/PERFORMANCE.md).

This subclass keeps one engine per shard for the life of the storage object:

- the index shard keeps a pooled connection open: it is written by every asset event and
  nobody watches its file;
- a run shard keeps its engine (and so the statement cache) but still closes its connection
  after each use. The webserver follows a live run by watching that run's `.db` file
  (`SqliteEventLogStorageWatchdog`); in WAL mode the file changes only when the last
  connection closes and checkpoints, so a run shard held open would freeze the run's live log.

It also writes a batch of events at once. Dagster hands a storage the events it can batch (a
run's planned materializations and checks when it starts, every partition's materialization
of a partitioned step: ~1,050 of the case study's ~1,450) as one `store_event_batch` call, but
only when DAGSTER_EVENT_BATCH_SIZE is set (dagster/_core/instance/utils.py: opt-in, read on
every event, not in Dagster's docs). The base class then just stores them one by one; this
one stores them, with Dagster's own `store_event`, inside one transaction per shard: one
commit and one open and close of the run's file per batch instead of per event. So the
storage turns batching on for its process, unless the environment sets a size itself.
Measured on the case study: the run's event log 6.3 s -> ~3.5 s (docs/PERFORMANCE.md).

Its connections commit with `synchronous=NORMAL`, where SQLite's default is FULL. Dagster puts
these files in WAL mode, in which SQLite documents NORMAL as always consistent: a commit no
longer waits for an fsync of the log, and what a power cut (not a crashed process) may lose is
the last events before it, never the file. Measured on the case study's ~1,650 stored events:
-0.3 s of the event log's ~3.4 s.

Everything else (schema, files, locking, watching, concurrency pools) is Dagster's own. It
overrides the private `_connect(shard)` of the pinned dagster (pyproject.toml); no public
setting changes how the storage connects. tests/test_instance_storage.py fails if an upgrade
changes what it relies on.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from dagster import EventLogEntry, Field, StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# Run shards whose engines stay cached; a webserver reading many runs drops the oldest.
KEPT_RUN_ENGINES = 16
# Events per store_event_batch call (module docstring): a batch holds the storage's lock, so a
# 5,000-partition backfill still lets other threads write between its batches.
EVENT_BATCH_SIZE = "1000"


def default_event_log_dir() -> str:
    """Where Dagster's default SQLite storage keeps the event logs: $DAGSTER_HOME/history/runs."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError("DAGSTER_HOME is not set: the SQLite event log lives under it (make sets it)")
    return os.path.join(home, "history", "runs")


def _commit_without_fsync(dbapi_connection: Any, _connection_record: Any) -> None:
    """Every new SQLite connection of the storage: synchronous=NORMAL (module docstring)."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one SQLAlchemy engine per shard, reused (module docstring)."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._batch = threading.local()  # .connections: {shard: open connection} while a batch is stored
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)

    @classmethod
    def config_type(cls) -> dict:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: dict) -> PooledSqliteEventLogStorage:
        return cls(config_value.get("base_dir") or default_event_log_dir(), inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        if self._engines_pid != os.getpid():
            # A forked child must not share the parent's open SQLite connections (SQLAlchemy's
            # advice: drop them without closing; the parent still uses them).
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            pooling = {} if shard == INDEX_SHARD_NAME else {"poolclass": NullPool}
            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                **pooling,
            )
            event.listen(engine, "connect", _commit_without_fsync)
            self._engines[shard] = engine
            run_shards = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for oldest in run_shards[: max(0, len(run_shards) - KEPT_RUN_ENGINES)]:
                self._engines.pop(oldest).dispose()
        else:
            self._engines.move_to_end(shard)
        return engine

    def _initialized_engine(self, shard: str) -> Engine:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As SqliteEventLogStorage._connect, with the engine kept (the lock serialises threads).
        batch = getattr(self._batch, "connections", None)
        if batch is not None:  # this thread is storing a batch and holds the lock
            if shard not in batch:
                conn = self._batch.stack.enter_context(self._initialized_engine(shard).connect())
                self._batch.stack.enter_context(conn.begin())
                batch[shard] = conn
            yield batch[shard]
            return
        with self._db_lock:
            with self._initialized_engine(shard).connect() as conn, conn.begin():
                yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Dagster's store_event for each event, in one transaction per shard (module docstring).
        All or nothing: an error rolls every shard back, and Dagster then stores the events one
        by one (DagsterInstance.handle_new_event), so none is stored twice."""
        with self._db_lock, ExitStack() as stack:
            self._batch.stack, self._batch.connections = stack, {}
            try:
                for event in events:
                    self.store_event(event)
            finally:
                self._batch.connections = None

    def has_table(self, table_name: str) -> bool:
        # Dagster asks before every asset event's tags are written, with a new engine and
        # connection each time (~0.5 ms, 0.8 s of the case study); a table, once there, stays.
        if table_name not in self._tables_seen and super().has_table(table_name):
            self._tables_seen.add(table_name)
        return table_name in self._tables_seen

    def wipe(self) -> None:
        super().wipe()  # deletes the run shards' files: their engines must not outlive them
        self._dispose_engines()

    def dispose(self) -> None:
        super().dispose()
        self._dispose_engines()

    def _dispose_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
            self._tables_seen.clear()
