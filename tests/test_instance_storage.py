"""instance_storage: the event log that reuses its engines records what Dagster's own records,
stays visible to other processes, keeps live run logs flowing, and survives a fork and a wipe.

Each test runs against the project's dagster.instance.yaml in a fresh DAGSTER_HOME.
"""

import inspect
import os
import shutil
import subprocess
import sys
import threading

import pytest
from dagster import (
    AssetKey,
    BackfillPolicy,
    DagsterInstance,
    DailyPartitionsDefinition,
    Definitions,
    asset,
    define_asset_job,
    materialize,
)
from dagster._core.instance.methods import event_methods
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from dagster_project.config.settings import REPO_ROOT
from dagster_project.instance_storage import EVENT_BATCH_SIZE, KEPT_RUN_ENGINES, PooledSqliteEventLogStorage


@pytest.fixture
def home(tmp_path, monkeypatch):
    shutil.copy(REPO_ROOT / "dagster.instance.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def instance(home):
    with DagsterInstance.get() as instance:
        yield instance


@asset
def upstream():
    return 1


@asset
def downstream(upstream):
    return upstream + 1


def _materialize(instance, tag: str):
    result = materialize([upstream, downstream], instance=instance, tags={"case": tag})
    assert result.success
    return result.run_id


def test_the_private_hooks_it_overrides_still_exist():
    """An upgrade of dagster that renames these would silently bring back one engine per event."""
    assert list(inspect.signature(SqliteEventLogStorage._connect).parameters) == ["self", "shard"]
    for name in ("_initdb", "conn_string_for_shard", "wipe", "dispose"):
        assert callable(getattr(SqliteEventLogStorage, name)), name
    source = inspect.getsource(SqliteEventLogStorage.__init__)
    assert "self._initialized_dbs" in source and "self._db_lock" in source
    # batching: Dagster still reads the size from the environment and hands batches to this method
    assert "DAGSTER_EVENT_BATCH_SIZE" in inspect.getsource(event_methods)
    assert "store_event_batch" in inspect.getsource(event_methods.EventMethods.handle_new_event)


def test_the_project_instance_uses_it_where_dagster_keeps_event_logs(instance, home):
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    assert storage._base_dir == str(home / "history" / "runs")
    assert storage.supports_global_concurrency_limits, "the `warehouse` pool lives in this storage"


def test_another_process_sees_every_event_of_a_run(instance, home):
    run_id = _materialize(instance, "seen elsewhere")
    ours = instance.all_logs(run_id)
    assert [r.dagster_event.event_type_value for r in ours if r.dagster_event].count("ASSET_MATERIALIZATION") == 2
    # A separate process with Dagster's stock storage (as an older webserver would read it).
    reader = (
        "import sys\n"
        "from dagster._core.storage.event_log import SqliteEventLogStorage\n"
        "from dagster import AssetKey\n"
        "storage = SqliteEventLogStorage(sys.argv[1])\n"
        "records = storage.get_records_for_run(sys.argv[2]).records\n"
        "print(len(records), storage.get_latest_materialization_events([AssetKey('downstream')])"
        "[AssetKey('downstream')].run_id)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", reader, str(home / "history" / "runs"), run_id],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [str(len(ours)), run_id]


def test_a_watcher_in_another_process_receives_a_live_run_as_it_is_written(instance, home):
    """The webserver follows a running run by watching its shard file: the writer must let it change."""
    run_id = "f" * 8 + "-1111-2222-3333-444444444444"
    received, done = [], threading.Event()

    def on_event(entry, _cursor):
        received.append(entry.dagster_event.message)
        if len(received) == 3:
            done.set()

    instance.watch_event_logs(run_id, None, on_event)
    writer = (
        "import sys, time\n"
        "from dagster import DagsterInstance\n"
        "instance = DagsterInstance.get()\n"
        "for n in range(3):\n"
        "    instance.report_engine_event(f'line {n}', run_id=sys.argv[1], job_name='live')\n"
        "    time.sleep(0.3)\n"
        "time.sleep(30)\n"  # still alive (connections open, were it to keep them) while the watcher waits
    )
    child = subprocess.Popen([sys.executable, "-c", writer, run_id], env=dict(os.environ))
    try:
        assert done.wait(timeout=25), f"the watcher saw only {received} while the writer was still running"
    finally:
        child.kill()
        child.wait()
    assert received == ["line 0", "line 1", "line 2"]


def test_a_forked_child_writes_with_its_own_connections(instance):
    parent_run = _materialize(instance, "before fork")
    pid = os.fork()
    if pid == 0:  # the child: store through the inherited storage object, then leave at once
        code = 0
        try:
            _materialize(instance, "in child")
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    after = _materialize(instance, "after fork")  # the parent's kept connection still works
    runs = {run.tags["case"]: run.run_id for run in instance.get_runs()}
    assert set(runs) == {"before fork", "in child", "after fork"}
    latest = instance.get_latest_materialization_event(AssetKey("downstream"))
    assert latest.run_id == after and parent_run != after


def test_engines_are_bounded_and_a_wipe_starts_clean(instance):
    storage = instance.event_log_storage
    for n in range(KEPT_RUN_ENGINES + 4):
        instance.report_engine_event(f"event {n}", run_id=f"{n:08d}-0000-0000-0000-000000000000", job_name="many")
    assert len(storage._engines) <= KEPT_RUN_ENGINES + 1  # the run shards kept, plus the index
    run_id = _materialize(instance, "before wipe")
    storage.wipe()
    assert not storage._engines
    assert instance.get_latest_materialization_event(AssetKey("downstream")) is None
    assert not list(instance.all_logs(run_id))
    again = _materialize(instance, "after wipe")
    assert instance.get_latest_materialization_event(AssetKey("downstream")).run_id == again


def test_it_records_a_job_run_as_dagster_s_own_storage_does(home, tmp_path):
    """Same events, same order, with the project's storage and with Dagster's default."""
    job = define_asset_job("both", selection=["upstream", "downstream"])
    kinds = {}
    for name, config in (("pooled", home), ("stock", tmp_path / "stock")):
        if name == "stock":
            config.mkdir()
            (config / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        with DagsterInstance.from_config(str(config)) as instance:
            result = (
                Definitions(assets=[upstream, downstream], jobs=[job])
                .resolve_job_def("both")
                .execute_in_process(instance=instance)
            )
            kinds[name] = [
                r.dagster_event.event_type_value for r in instance.all_logs(result.run_id) if r.dagster_event
            ]
            assert type(instance.event_log_storage) is (
                PooledSqliteEventLogStorage if name == "pooled" else SqliteEventLogStorage
            )
    assert kinds["pooled"] == kinds["stock"] and "ASSET_MATERIALIZATION" in kinds["pooled"]


def test_without_dagster_home_it_says_where_it_would_live(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(RuntimeError, match="DAGSTER_HOME"):
        PooledSqliteEventLogStorage.from_config_value(None, {})


days = DailyPartitionsDefinition(start_date="2025-01-01")


@asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run())
def daily() -> None:  # no IO manager: a single run over many partitions stores no output
    return None


def _materialize_days(instance, first="2025-01-01", last="2025-01-06"):
    """One run over a range of partitions: Dagster stores its materializations as one batch."""
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    result = materialize([daily], instance=instance, tags=tags)
    assert result.success
    return [
        (r.dagster_event.event_type_value, r.dagster_event.partition)
        for r in instance.all_logs(result.run_id)
        if r.dagster_event and r.dagster_event.event_type_value.startswith("ASSET_")
    ]


def _batch_sizes(monkeypatch):
    sizes = []
    stored = PooledSqliteEventLogStorage.store_event_batch

    def spy(self, events):
        sizes.append(len(events))
        return stored(self, events)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event_batch", spy)
    return sizes


def test_it_turns_batching_on_unless_the_environment_says_otherwise(home, monkeypatch):
    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    PooledSqliteEventLogStorage(str(home / "runs"))
    assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == EVENT_BATCH_SIZE
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "0")
    PooledSqliteEventLogStorage(str(home / "runs"))
    assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == "0"


def test_a_batch_is_stored_as_the_same_events_as_one_by_one(home, monkeypatch):
    sizes = _batch_sizes(monkeypatch)
    recorded = {}
    for size in ("0", EVENT_BATCH_SIZE):
        monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", size)
        with DagsterInstance.get() as instance:
            instance.wipe()
            recorded[size] = _materialize_days(instance)
            assert instance.get_materialized_partitions(AssetKey("daily")) == {f"2025-01-0{d}" for d in range(1, 7)}
            latest = instance.get_latest_materialization_event(AssetKey("daily"))
            assert latest.dagster_event.partition == "2025-01-06"
    assert sizes and max(sizes) >= 6, "the six materializations went to store_event_batch together"
    assert recorded["0"] == recorded[EVENT_BATCH_SIZE]
    assert [p for kind, p in recorded["0"] if kind == "ASSET_MATERIALIZATION"] == [f"2025-01-0{d}" for d in range(1, 7)]


def test_a_batch_that_fails_half_way_leaves_each_event_stored_once(instance, monkeypatch):
    store = SqliteEventLogStorage.store_event
    calls = {"in batch": 0}

    def fail_in_the_middle_of_a_batch(self, event):
        if getattr(self._batch, "connections", None) is not None:
            calls["in batch"] += 1
            if calls["in batch"] == 4:  # three events of the batch are written, not yet committed
                raise OSError("disk full")
        return store(self, event)

    monkeypatch.setattr(SqliteEventLogStorage, "store_event", fail_in_the_middle_of_a_batch)
    events = _materialize_days(instance)
    materialized = [p for kind, p in events if kind == "ASSET_MATERIALIZATION"]
    assert calls["in batch"] >= 4
    assert materialized == [f"2025-01-0{d}" for d in range(1, 7)], "rolled back, then stored one by one"
    planned = [p for kind, p in events if kind == "ASSET_MATERIALIZATION_PLANNED"]
    assert len(planned) == len(set(planned))


def test_has_table_asks_again_until_the_table_is_there(home, monkeypatch):
    storage = PooledSqliteEventLogStorage(str(home / "runs"))
    answers = iter([False, True])
    asked = []

    def stock_has_table(self, name):
        asked.append(name)
        return next(answers)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", stock_has_table)
    assert [storage.has_table("asset_event_tags") for _ in range(4)] == [False, True, True, True]
    assert asked == ["asset_event_tags", "asset_event_tags"]


def test_its_connections_commit_to_a_wal_without_waiting_for_fsync(instance):
    run_id = _materialize(instance, "synchronous")
    storage = instance.event_log_storage
    for shard in (run_id, "index"):
        with storage._connect(shard) as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"  # NORMAL is safe only in WAL
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL; FULL is 2
