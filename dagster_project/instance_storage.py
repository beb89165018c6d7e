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

Everything else (schema, files, locking, watching, concurrency pools) is Dagster's own. It
overrides the private `_connect(shard)` of the pinned dagster (pyproject.toml); no public
setting changes how the storage connects. tests/test_instance_storage.py fails if an upgrade
changes what it relies on.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import Field, StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# Run shards whose engines stay cached; a webserver reading many runs drops the oldest.
KEPT_RUN_ENGINES = 16


def default_event_log_dir() -> str:
    """Where Dagster's default SQLite storage keeps the event logs: $DAGSTER_HOME/history/runs."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError("DAGSTER_HOME is not set: the SQLite event log lives under it (make sets it)")
    return os.path.join(home, "history", "runs")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one SQLAlchemy engine per shard, reused (module docstring)."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        super().__init__(base_dir, inst_data=inst_data)

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
            self._engines[shard] = engine
            run_shards = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for oldest in run_shards[: max(0, len(run_shards) - KEPT_RUN_ENGINES)]:
                self._engines.pop(oldest).dispose()
        else:
            self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As SqliteEventLogStorage._connect, with the engine kept (the lock serialises threads).
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

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
