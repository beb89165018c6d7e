"""run_workers: a run whose process died gives back its `warehouse` pool slot; live runs keep theirs.

Against a persistent instance configured by the project's dagster.instance.yaml (pool limit 1),
with runs and slot claims written to its storage as a run worker writes them.
"""

import os
import shutil
import socket
import subprocess
import sys

import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus

from dagster_project.automation import reclaim_slots_of_killed_runs
from dagster_project.config.settings import REPO_ROOT
from dagster_project.run_workers import WORKER_TAG, is_dead, reclaim_slots_of_dead_runs, record_worker, worker_id

POOL = "warehouse"


def _dead_worker() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    worker = worker_id(child.pid)  # recorded while it lives, as a step records itself
    child.wait()
    return worker


@pytest.fixture
def instance(tmp_path, monkeypatch):
    shutil.copy(REPO_ROOT / "dagster.instance.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # the instance's event log lives under it
    with DagsterInstance.get() as instance:
        # what a run's executor does before its first claim on a pool with the default limit
        instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        yield instance


def _started_run(instance, run_id: str, worker: str | None, tagged_for: str | None = None) -> DagsterRun:
    tags = {WORKER_TAG: f"{tagged_for or run_id}@{worker}"} if worker else {}
    run = DagsterRun(job_name="daily_pipeline", run_id=run_id, status=DagsterRunStatus.STARTED, tags=tags)
    return instance.add_run(run)


def _claimed(instance) -> set[str]:
    return {slot.run_id for slot in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots}


def test_liveness_of_workers():
    assert not is_dead(worker_id())
    dead = _dead_worker()
    assert is_dead(dead)
    host, pid, ticks = worker_id().split(":")
    assert host == socket.gethostname() and int(pid) == os.getpid() and ticks.isdigit()
    assert is_dead(f"{host}:{pid}:{int(ticks) + 1}"), "same pid, other start time: a recycled pid"
    assert not is_dead(f"another-host-{host}:{pid}:{ticks}"), "a process of another machine is not judged"
    assert not is_dead("garbage")


def test_a_killed_run_is_failed_and_its_slot_freed_while_other_runs_are_untouched(instance):
    """Untouched: a live run, an untagged one, and a retry carrying its dead parent's tag."""
    _started_run(instance, "killedrun", _dead_worker())
    _started_run(instance, "liverun", worker_id())
    _started_run(instance, "untagged", None)
    _started_run(instance, "retryrun", _dead_worker(), tagged_for="killedrun")  # tags copied from its parent
    assert instance.event_log_storage.claim_concurrency_slot(POOL, "killedrun", "warehouse_models").is_claimed
    waiting = instance.event_log_storage.claim_concurrency_slot(POOL, "liverun", "warehouse_models")
    assert not waiting.is_claimed, "the pool limit is 1: the live run waits behind the killed one"

    assert reclaim_slots_of_dead_runs(instance) == ["killedrun"]

    assert instance.get_run_by_id("killedrun").status == DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("liverun").status == DagsterRunStatus.STARTED
    assert instance.get_run_by_id("untagged").status == DagsterRunStatus.STARTED
    assert instance.get_run_by_id("retryrun").status == DagsterRunStatus.STARTED
    assert _claimed(instance) == set()
    assert instance.event_log_storage.claim_concurrency_slot(POOL, "liverun", "warehouse_models").is_claimed
    assert reclaim_slots_of_dead_runs(instance) == [], "a second pass finds nothing more"
    assert _claimed(instance) == {"liverun"}


def test_the_sensor_reports_what_it_freed(instance):
    from dagster import build_sensor_context

    _started_run(instance, "killedrun", _dead_worker())
    instance.event_log_storage.claim_concurrency_slot(POOL, "killedrun", "warehouse_models")
    first = reclaim_slots_of_killed_runs(build_sensor_context(instance=instance))
    second = reclaim_slots_of_killed_runs(build_sensor_context(instance=instance))
    assert "killedrun" in first.skip_message
    assert second.skip_message == "no killed run holds a pool slot"
    assert _claimed(instance) == set()


def test_a_step_records_its_own_process_for_its_own_run(instance):
    _started_run(instance, "arun", None)
    record_worker(instance, "arun")
    assert instance.get_run_by_id("arun").tags[WORKER_TAG] == f"arun@{worker_id()}"
    assert reclaim_slots_of_dead_runs(instance) == []


def test_a_step_that_takes_the_pool_records_its_worker_through_its_resource(instance):
    from dagster import asset, materialize

    from dagster_project.resources import PoolSlotRecorder

    @asset(pool=POOL)
    def takes_the_pool(pool_slot: PoolSlotRecorder) -> None:
        """Stands for the dbt build and publish steps: it declares the resource, nothing more."""

    result = materialize([takes_the_pool], instance=instance, resources={"pool_slot": PoolSlotRecorder()})

    assert result.success
    assert instance.get_run_by_id(result.run_id).tags[WORKER_TAG] == f"{result.run_id}@{worker_id()}"
