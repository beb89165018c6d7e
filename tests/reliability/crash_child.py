"""A pipeline run for the crash tests, in a process of its own: `python -m tests.reliability.crash_child SPEC`.

SPEC is JSON: {"runs": [[job, first_partition, last_partition], ...], "fault": null | {...}}. The
runs are what `make demo` does (`demo.run_job`: one in-process run per job and range), against the
data dir of SHOCKWATCH_DATA_DIR in replay mode, on an ephemeral Dagster instance (or the
persistent one of DAGSTER_HOME when that is set).

Faults are injected here, in the test's child process, by wrapping the functions production
code calls; production code has no fault hooks. A fault SIGKILLs the whole process group
(this process and the dbt it may have started) at one exact point:

- lake_partial_write {dataset, n}: during the n-th Parquet write into `dataset`, after half
  of the file's bytes reached the temp file;
- lake_before_replace / lake_after_replace {dataset, n}: just before / after the n-th
  os.replace of a temp file into `dataset`;
- before_dbt: when the dbt step is about to start `dbt build` (raw assets done);
- publish_mid_copy {n}: during publish, after n relations were copied into the new file;
- publish_before_replace / publish_after_replace: around publish's os.replace.

Points observed from outside (the dbt process running, a temp file in the warehouse folder,
N partitions written) need no fault: the parent test kills the group itself.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
from pathlib import Path


def die(point: str) -> None:
    print(f"FAULT-HIT {point}", flush=True)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def dataset_of(path) -> str | None:
    parts = Path(str(path)).parts
    return parts[parts.index("lake") + 1] if "lake" in parts and parts.index("lake") + 1 < len(parts) else None


class _OsProxy:
    """The `os` module, except for `replace`, which calls the hooks around the real one."""

    def __init__(self, before=None, after=None):
        self._before, self._after = before, after

    def __getattr__(self, name):
        return getattr(os, name)

    def replace(self, src, dst, *args, **kwargs):
        if self._before:
            self._before(src, dst)
        os.replace(src, dst, *args, **kwargs)
        if self._after:
            self._after(src, dst)


def install(fault: dict) -> None:
    kind = fault["kind"]
    from dagster_project import lake

    if kind == "lake_partial_write":
        real_write, seen = lake.pq.write_table, {"n": 0}

        def write_table(table, where, *args, **kwargs):
            if dataset_of(getattr(where, "name", "")) == fault["dataset"]:
                seen["n"] += 1
                if seen["n"] == fault["n"]:
                    buffer = io.BytesIO()
                    real_write(table, buffer, *args, **kwargs)
                    data = buffer.getvalue()
                    where.write(data[: len(data) // 2])
                    where.flush()
                    os.fsync(where.fileno())
                    die(f"{kind} {fault['dataset']} #{fault['n']} ({len(data) // 2} of {len(data)} bytes written)")
            return real_write(table, where, *args, **kwargs)

        lake.pq = _Namespace(lake.pq, write_table=write_table)
    elif kind in ("lake_before_replace", "lake_after_replace"):
        seen = {"n": 0}

        def hook(src, dst):
            if dataset_of(dst) == fault["dataset"]:
                seen["n"] += 1
                if seen["n"] == fault["n"]:
                    die(f"{kind} {fault['dataset']} #{fault['n']} -> {dst}")

        lake.os = _OsProxy(before=hook) if kind == "lake_before_replace" else _OsProxy(after=hook)
    elif kind == "before_dbt":
        from dagster_dbt import DbtCliResource

        def cli(self, *args, **kwargs):
            die(kind)

        DbtCliResource.cli = cli
    elif kind == "publish_mid_copy":
        from dagster_project import publishing as publish

        real_duckdb, copied = publish.duckdb, {"n": 0}

        class Connection:
            def __init__(self, con):
                self._con = con

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._con.__exit__(*exc)

            def execute(self, sql, *args, **kwargs):
                result = self._con.execute(sql, *args, **kwargs)
                if sql.lstrip().lower().startswith(("create or replace table", "insert into")):
                    copied["n"] += 1
                    if copied["n"] == fault["n"]:
                        die(f"{kind} after {fault['n']} relations")
                return result

        publish.duckdb = _Namespace(real_duckdb, connect=lambda *a, **k: Connection(real_duckdb.connect(*a, **k)))
    elif kind in ("publish_before_replace", "publish_after_replace"):
        from dagster_project import publishing as publish

        def hook(src, dst):
            if Path(dst).name == "analytics.duckdb":
                die(kind)

        publish.os = _OsProxy(before=hook) if kind == "publish_before_replace" else _OsProxy(after=hook)
    else:
        raise SystemExit(f"unknown fault {kind!r}")


class _Namespace:
    """A module with some attributes replaced."""

    def __init__(self, module, **overrides):
        self._module, self._overrides = module, overrides

    def __getattr__(self, name):
        return self._overrides[name] if name in self._overrides else getattr(self._module, name)


def main(spec: dict) -> int:
    from dagster import DagsterInstance

    from dagster_project.config.settings import load_settings
    from dagster_project.definitions import build_definitions
    from dagster_project.demo import run_job

    if spec.get("fault"):
        install(spec["fault"])
    settings = load_settings()
    defs = build_definitions(settings)
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    print(f"CHILD-READY pgid={os.getpgrp()}", flush=True)
    for job, first, last in spec["runs"]:
        print(f"RUN-START {job} {first}..{last}", flush=True)
        result = run_job(defs, instance, job, first, last, trigger="crash test")
        print(f"RUN-END {job} {'ok' if result.success else 'failed'}", flush=True)
        if not result.success:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
