"""Crash safety: a pipeline run SIGKILLed (with its whole process group, dbt included) at any
point leaves the lake and the analysts' warehouse intact, and the next run completes.

Each scenario starts from a copy of one baseline data dir (all three families ingested and
published), runs one workload in a child process (tests/reliability/crash_child.py) and kills
it at one point: during a raw Parquet write (new and existing partitions, partitioned and
not), around the temp-file rename, between raw assets and dbt, while dbt builds, during the
publish copy and around publish's rename. Points are hit exactly by wrapping functions in the
child, or observed from outside (the dbt process, a temp file in the warehouse folder, N new
partitions) and killed from the parent. After the kill:

- `analytics.duckdb` opens read-only, holds every mart, and its marts are exactly either the
  baseline's or the workload's final state (row-for-row fingerprints), never a mix;
- every Parquet file in the lake is readable; no baseline partition is missing; every
  partition holds exactly the rows of the baseline or of the final state; no key repeats;
- leftover temp files never end in `.parquet` (dbt's glob cannot read them);
- no process of the run's group survives.

Then the same workload runs again (in this process) and must succeed, ending with marts and
lake identical to a clean, uninterrupted run of it.

Also: temp files a kill left behind are removed by a later write of the same file once they
are an hour old; and a run killed inside dbt does not block the next run of a persistent
Dagster instance on the `warehouse` pool (dagster_project/run_workers.py frees its slot).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from dagster_project import lake
from dagster_project.config.settings import load_settings
from dagster_project.definitions import build_definitions
from dagster_project.publishing import publish_warehouse
from tests.pipeline import run_pipeline
from tests.reliability.helpers import (
    REPO_ROOT,
    REQUIRED_MARTS,
    dbt_build_in_group,
    duplicated_keys,
    group_members,
    lake_snapshot,
    poll_until,
    start_child,
    temp_files,
    warehouse_fingerprints,
)

BASELINE = [
    ("app_rank_pipeline", "2025-01-24", "2025-01-26"),
    ("news_pipeline", "2025-01-24", "2025-01-26"),
    ("daily_pipeline", "2025-01-21", "2025-01-24"),  # 4 sessions
]
WORKLOADS = {
    "daily": ("daily_pipeline", "2025-01-21", "2025-01-28"),  # rewrites the 4 sessions, adds 27 and 28
    "news": ("news_pipeline", "2025-01-24", "2025-01-31"),  # merges into 3 days, adds 5
    "app": ("app_rank_pipeline", "2025-01-24", "2025-01-31"),  # rewrites 24 and 26, adds 27
}


@dataclass(frozen=True)
class State:
    data_dir: Path
    marts: dict
    lake: dict


def _run_in_process(data_dir: Path, runs) -> State:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHOCKWATCH_DATA_DIR", str(data_dir))
        mp.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
        settings = load_settings()
        defs = build_definitions(settings)
        for job, first, last in runs:
            assert run_pipeline(defs, first, last, job=job).success, (job, first, last)
    return State(data_dir, warehouse_fingerprints(settings.analytics_db), lake_snapshot(settings.lake_dir))


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The baseline and, per workload, the state a clean run of it reaches from the baseline."""
    root = tmp_path_factory.mktemp("crash-states")
    baseline = _run_in_process(root / "baseline" / "data", BASELINE)
    finals = {}
    for name, run in WORKLOADS.items():
        shutil.copytree(baseline.data_dir, root / name / "data")
        finals[name] = _run_in_process(root / name / "data", [run])
    assert len({s.marts["fct_daily_market_cap"] for s in [baseline, finals["daily"]]}) == 2
    return baseline, finals


def _key_duplicates(lake: Path) -> list:
    checks = {
        "prices": ("*/*.parquet", "ticker, trade_date"),
        "news_items": ("*/*.parquet", "item_id"),
        "app_rank_snapshots": ("*/*.parquet", "captured_at, country, chart, rank"),
        "shares_outstanding": ("*.parquet", "ticker, as_of_date, measure"),
    }
    found = []
    with duckdb.connect() as con:
        for dataset, (glob, key) in checks.items():
            files = list((lake / dataset).glob(glob))
            if not files:
                continue
            paths = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "]"
            rows = con.execute(
                f"select {key}, count(*) from read_parquet({paths}) group by all having count(*) > 1"
            ).fetchall()
            found += [(dataset, r) for r in rows]
    return found


def assert_intact(data: Path, baseline: State, final: State, expect: str | None) -> None:
    analytics = data / "warehouse" / "analytics.duckdb"
    published = warehouse_fingerprints(analytics)  # opens read-only, or raises
    assert REQUIRED_MARTS <= set(published), (
        f"marts missing from the published warehouse: {REQUIRED_MARTS - set(published)}"
    )
    assert published in (baseline.marts, final.marts), "the published warehouse is neither the old nor the new state"
    if expect is not None:
        assert published == {"baseline": baseline.marts, "final": final.marts}[expect], f"expected the {expect} state"
    assert duplicated_keys(analytics) == {}

    lake = lake_snapshot(data / "lake")  # raises on a torn Parquet file
    missing = sorted(set(baseline.lake) - set(lake))
    assert missing == [], f"baseline partitions missing after the crash: {missing}"
    for path, rows in lake.items():
        allowed = [s.lake[path] for s in (baseline, final) if path in s.lake]
        assert rows in allowed, f"{path} holds rows of neither the baseline nor the final state"
    assert _key_duplicates(data / "lake") == []
    readable_leftovers = [p for p in temp_files(data) if p.name.endswith(".parquet")]
    assert readable_leftovers == [], f"temp files dbt would read: {readable_leftovers}"


def _analytics_tmp(data: Path):
    return lambda: any(p.name.startswith(".analytics.duckdb.") for p in (data / "warehouse").iterdir())


def _new_price_partitions(data: Path, baseline: State, n: int):
    old = {p for p in baseline.lake if p.startswith("prices/")}

    def enough():
        paths = {str(p.relative_to(data / "lake")) for p in (data / "lake" / "prices").glob("*/data.parquet")}
        return len(paths - old) >= n

    return enough


def _dbt_writing(child, data: Path):
    build = data / "warehouse" / "build.duckdb"
    before = build.stat().st_mtime_ns

    def writing():
        wal = build.with_name("build.duckdb.wal")
        return dbt_build_in_group(child.pid) and (wal.exists() or build.stat().st_mtime_ns != before)

    return writing


# (id, workload, fault inside the child, or an outside observation, and the published state expected after the kill)
SCENARIOS = [
    (
        "prices-write-existing-partition",
        "daily",
        {"kind": "lake_partial_write", "dataset": "prices", "n": 2},
        None,
        "baseline",
    ),
    (
        "prices-write-new-partition",
        "daily",
        {"kind": "lake_partial_write", "dataset": "prices", "n": 6},
        None,
        "baseline",
    ),
    ("prices-between-renames", "daily", {"kind": "lake_after_replace", "dataset": "prices", "n": 5}, None, "baseline"),
    (
        "shares-write",
        "daily",
        {"kind": "lake_partial_write", "dataset": "shares_outstanding", "n": 1},
        None,
        "baseline",
    ),
    (
        "news-write-merged-day",
        "news",
        {"kind": "lake_partial_write", "dataset": "news_items", "n": 2},
        None,
        "baseline",
    ),
    (
        "app-ranks-before-rename",
        "app",
        {"kind": "lake_before_replace", "dataset": "app_rank_snapshots", "n": 2},
        None,
        "baseline",
    ),
    ("two-new-partitions-seen", "daily", None, "new_partitions", "baseline"),
    ("between-raw-and-dbt", "news", {"kind": "before_dbt"}, None, "baseline"),
    ("dbt-started", "daily", None, "dbt_started", "baseline"),
    ("dbt-writing-build-db", "app", None, "dbt_writing", "baseline"),
    ("publish-mid-copy", "daily", {"kind": "publish_mid_copy", "n": 5}, None, "baseline"),
    ("publish-temp-file-seen", "news", None, "analytics_tmp", None),
    ("publish-before-rename", "daily", {"kind": "publish_before_replace"}, None, "baseline"),
    ("publish-after-rename", "app", {"kind": "publish_after_replace"}, None, "final"),
]


@pytest.mark.slow
@pytest.mark.parametrize("workload, fault, observe, expect", [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_kill_then_rerun(states, tmp_path, workload, fault, observe, expect):
    baseline, finals = states
    final = finals[workload]
    data = tmp_path / "data"
    shutil.copytree(baseline.data_dir, data)

    child = start_child(data, [WORKLOADS[workload]], fault=fault)
    if fault is not None:
        code = child.wait(timeout=240)
        assert code == -9 and "FAULT-HIT" in child.log(), (
            f"fault not hit (exit {code}); log tail:\n{child.log()[-3000:]}"
        )
    else:
        seen = {
            "new_partitions": _new_price_partitions(data, baseline, 2),
            "dbt_started": lambda: dbt_build_in_group(child.pid),
            "dbt_writing": _dbt_writing(child, data),
            "analytics_tmp": _analytics_tmp(data),
        }[observe]
        hit = poll_until(seen, child, timeout=240)
        child.kill_group()
        assert hit, f"never observed {observe}; log tail:\n{child.log()[-3000:]}"
        assert "RUN-END" not in child.log(), "the run finished before it could be killed"
    deadline = time.monotonic() + 10
    while group_members(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_members(child.pid) == [], "a process of the killed run survived (dbt?)"

    assert_intact(data, baseline, final, expect)

    rerun = _run_in_process(data, [WORKLOADS[workload]])  # asserts the run succeeds
    assert rerun.marts == final.marts
    assert rerun.lake == final.lake


@pytest.mark.slow
def test_a_run_killed_in_dbt_does_not_block_the_next_run_on_a_persistent_instance(tmp_path):
    """With the project's dagster.yaml (pool limit 1), the killed run held the `warehouse` slot;
    the next run (as `make demo` starts it) fails the killed run and takes the slot."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.instance.yaml", home / "dagster.yaml")  # what `make` installs
    data = tmp_path / "data"
    run = ("daily_pipeline", "2025-01-21", "2025-01-24")

    child = start_child(data, [run], DAGSTER_HOME=str(home))
    hit = poll_until(lambda: dbt_build_in_group(child.pid), child, timeout=240)
    child.kill_group()
    assert hit, child.log()[-3000:]

    rerun = start_child(data, [run], log_path=tmp_path / "rerun.log", DAGSTER_HOME=str(home))
    blocked = poll_until(lambda: "blocked by limit for pool" in rerun.log(), rerun, timeout=240, interval=0.2)
    if blocked:
        rerun.kill_group()
    assert not blocked, "the re-run is blocked on the `warehouse` pool slot of the killed run"
    assert rerun.wait(timeout=240) == 0, rerun.log()[-3000:]
    assert "was killed before it finished: marked failed, its pool slot freed" in rerun.log()


def test_temp_files_a_kill_left_behind_are_removed_by_a_later_write(tmp_path):
    """A kill leaves its temp file (SIGKILL runs no cleanup); the next write of the same file
    removes the ones older than an hour and leaves younger ones (a live writer's) alone."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    build = warehouse / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select 1 as x")
    partition = tmp_path / "lake" / "prices" / "trade_date=2025-01-27" / "data.parquet"
    partition.parent.mkdir(parents=True)
    old = [
        warehouse / ".analytics.duckdb.0123abcd.tmp",
        warehouse / ".analytics.duckdb.0123abcd.tmp.wal",
        partition.with_name(".data.parquet.4567cdef.tmp"),
    ]
    young = [warehouse / ".analytics.duckdb.89abcdef.tmp", partition.with_name(".data.parquet.89abcdef.tmp")]
    hours_ago = time.time() - 2 * 3600
    for path in old + young:
        path.write_bytes(b"half a file")
    for path in old:
        os.utime(path, (hours_ago, hours_ago))

    publish_warehouse(build, warehouse / "analytics.duckdb")
    lake.write_parquet_atomic(pd.DataFrame({"x": [1]}), partition, pa.schema([("x", pa.int64())]))

    assert [p for p in old if p.exists()] == []
    assert all(p.exists() for p in young)
