"""Free the `warehouse` pool slot of a run whose process was killed.

A run holds a concurrency slot from the moment its dbt (or publish) step starts until the
step ends. A run killed hard (SIGKILL, OOM killer, a closed laptop lid on `make dev`) never
reports its end, so on a persistent instance it stays STARTED and keeps the slot: every later
run waits on the pool forever. Dagster's own run monitoring cannot tell that a local process
died (the default run launcher has no worker health check), so each run records which process
works for it and `reclaim_slots_of_dead_runs` — called by `make demo` before each run and by a
sensor under `make dev` — fails the runs whose process is gone and frees their slots.

A process is identified by host, pid and its start time (Linux /proc), so a recycled pid is
not mistaken for the dead worker; the tag also names its run, so a retry that copied its
parent's tags is not failed for its parent's exited process.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

WORKER_TAG = "shockwatch/worker"
UNFINISHED = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def _start_ticks(pid: int) -> str:
    """The process start time in clock ticks since boot ('' where /proc is absent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat[stat.rindex(")") + 2 :].split()[19]  # field 22; the command name may hold spaces


def worker_id(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def is_dead(worker: str) -> bool:
    """True only when the worker ran on this host and that process is certainly gone."""
    host, _, rest = worker.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's process: not ours to judge
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, owned by someone else
    return bool(ticks) and _start_ticks(pid) not in ("", ticks)  # the pid was reused


def worker_tag(run_id: str, pid: int | None = None) -> str:
    """The tag's value: the run it was written for, then the process. A retry or re-execution
    may copy its parent's tags; the run id tells that copy apart from the run's own."""
    return f"{run_id}@{worker_id(pid)}"


def record_worker(instance: DagsterInstance, run_id: str) -> None:
    """Tag the run with the current process (call first thing in a step that takes a slot)."""
    instance.add_run_tags(run_id, {WORKER_TAG: worker_tag(run_id)})


def reclaim_slots_of_dead_runs(instance: DagsterInstance, log=None) -> list[str]:
    """Fail every unfinished run whose recorded worker is dead and free its pool slots.

    Returns the ids of the runs reclaimed. Runs without a worker tag of their own are left alone.
    """
    reclaimed = []
    for run in instance.get_runs(filters=RunsFilter(statuses=UNFINISHED)):
        tagged_run, _, worker = run.tags.get(WORKER_TAG, "").partition("@")
        if tagged_run != run.run_id or not is_dead(worker):
            continue  # untagged, a tag copied from a parent run, or alive
        message = f"run {run.run_id} lost its process {worker} (killed?): marked failed, pool slots freed"
        instance.report_run_failed(run, message=message)
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        if log is not None:
            log.warning(message)
        reclaimed.append(run.run_id)
    return reclaimed
