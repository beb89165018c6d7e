"""P1: the whole case-study pipeline through Dagster vs a bare `dbt build` on the same lake.

    python -m bench.pipeline_overhead --work /tmp/shockwatch_bench

- pipeline: one fresh process runs what `make demo` runs (demo.CASE_STUDY_RUNS through
  demo.run_job: each job over its range as one run, in-process, replay sources) into an
  empty data dir and a fresh DAGSTER_HOME: app charts, news and capex ingested, then the price
  job: ingest, ONE dbt build of every model, one publish;
- bare: `dbt build --exclude-resource-type unit_test` (what the pipeline's dbt step runs) of
  the same project on the lake the pipeline left, into a fresh build file.

Both use a copy of dbt/ whose manifest and partial-parse state were parsed with the
benchmark's own environment, as `make` parses dbt/target for `make demo` (the profile
renders SHOCKWATCH_DATA_DIR and the memory limit: parsed with other values, every dbt run
would re-parse from scratch, which production does not do). The project's dbt/target is
never touched.

P1 = pipeline wall / bare dbt build wall (target <= 2.0). Dagster's own fixed cost (loading
the definitions, an empty in-process run) is measured once beside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from bench.common import REPO_ROOT, Row, dbt_env, run_dbt, run_timed, say
from dagster_project.assets.dbt import DBT_BUILD

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from dagster import DagsterEventType, DagsterInstance
from dagster_dbt import DbtProject
from dagster_project import demo
import dagster_project.definitions as definitions
from dagster_project.config.settings import load_settings
project_copy, instance_kind = sys.argv[1:3]
definitions.DBT_PROJECT = DbtProject(project_dir=project_copy, profiles_dir=project_copy)
defs = definitions.definitions_for_process(load_settings())  # as make demo
loaded = time.perf_counter() - t0
# "sqlite": the persistent instance of DAGSTER_HOME, as make demo / dagster dev use it;
# "memory": an in-memory instance, to show what the SQLite event log costs.
instance = DagsterInstance.get() if instance_kind == "sqlite" else DagsterInstance.ephemeral()
jobs = []
for job_name, first, last, ingest_only in demo.CASE_STUDY_RUNS:
    started = time.perf_counter()
    result = demo.run_job(defs, instance, job_name, first, last, trigger="bench", ingest_only=ingest_only)
    if not result.success:
        sys.exit(f"{job_name} failed")
    steps, starts = {}, {}
    # only the step events: reading back all ~1,450 of the run cost the measured process 0.5 s
    step_events = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
    for record in instance.all_logs(result.run_id, of_type=step_events):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = record.timestamp
        elif event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = round(record.timestamp - starts[event.step_key], 3)
    jobs.append({"job": job_name, "range": [first, last], "seconds": time.perf_counter() - started, "steps": steps})
print("RESULT " + json.dumps({"load_s": loaded, "jobs": jobs}))
"""

STARTUP_CHILD = """
import json, time
t0 = time.perf_counter()
import dagster_project.definitions  # noqa: F401  (imports dagster, dagster-dbt, loads the manifest)
loaded = time.perf_counter() - t0
from dagster import DagsterInstance, job, op
@op
def nothing():
    return None
@job
def empty():
    nothing()
t1 = time.perf_counter()
assert empty.execute_in_process(instance=DagsterInstance.ephemeral()).success
print("RESULT " + json.dumps({"load_definitions_s": loaded, "empty_run_s": time.perf_counter() - t1}))
"""


def child_result(log: Path) -> dict:
    line = next(row for row in log.read_text().splitlines()[::-1] if row.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def dagster_startup(work: Path) -> dict:
    """Dagster's fixed cost, measured once: process start-up, imports and loading the
    definitions, then one empty in-process run."""
    log = work / "p1" / "dagster_startup.out"
    timed = run_timed(
        [sys.executable, "-c", STARTUP_CHILD],
        cwd=REPO_ROOT,
        log=log,
        env={"SHOCKWATCH_DATA_DIR": str(work / "p1" / "startup_data")},
    )
    return dict(child_result(log), process_wall_s=timed.seconds)


def run(work: Path) -> tuple[list[Row], dict]:
    root = work / "p1"
    shutil.rmtree(root, ignore_errors=True)
    data, home = root / "data", root / "dagster_home"
    home.mkdir(parents=True)
    instance_yaml = next(p for p in (REPO_ROOT / "dagster.instance.yaml", REPO_ROOT / "dagster.yaml") if p.exists())
    shutil.copy(instance_yaml, home / "dagster.yaml")
    # dbt_env: the pipeline's dbt runs with the very profile the parse and the bare build see
    # (a different memory limit renders another profile, and dbt then re-parses everything)
    env = {**dbt_env(data), "SHOCKWATCH_SOURCE_MODE": "replay", "DAGSTER_HOME": str(home)}

    project = root / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    run_dbt(["parse"], data, project / "target", "parse", project_dir=project)  # as `make` does

    say("P1 the case-study pipeline: the runs of make demo, in-process, SQLite instance")
    pipeline = run_timed(
        [sys.executable, "-c", CHILD, str(project), "sqlite"], env=env, cwd=REPO_ROOT, log=root / "pipeline.out"
    )
    inside = child_result(root / "pipeline.out")
    say(f"   wall {pipeline.seconds:.1f} s, peak RSS {pipeline.peak_rss_mb:,.0f} MB")

    say("P1 bare dbt build on the same lake")
    target = project / "target"
    for suffix in ("", ".wal"):
        Path(f"{data / 'warehouse' / 'build.duckdb'}{suffix}").unlink(missing_ok=True)
    # the very build the pipeline's dbt step runs (no unit tests: they run in make test)
    bare = run_dbt(DBT_BUILD, data, target, "bare_build", project_dir=project)
    say(f"   wall {bare.seconds:.1f} s (dbt elapsed {bare.extra['run_results']['_elapsed']:.1f} s)")
    cold_parse = run_dbt(["parse", "--no-partial-parse"], data, root / "cold_parse", "cold_parse", project_dir=project)

    # Same data dir path (the profile renders it; another path would cost every dbt step a
    # full re-parse), emptied first so the second pipeline also starts from nothing.
    say("P1 the same pipeline with an in-memory Dagster instance")
    shutil.rmtree(data)
    in_memory = run_timed(
        [sys.executable, "-c", CHILD, str(project), "memory"], env=env, cwd=REPO_ROOT, log=root / "pipeline_memory.out"
    )
    inside_memory = child_result(root / "pipeline_memory.out")
    say(f"   wall {in_memory.seconds:.1f} s")

    startup = dagster_startup(work)
    dbt_steps = sum(j["steps"].get("warehouse_models", 0) for j in inside["jobs"])
    publish = sum(j["steps"].get("analytics_warehouse", 0) for j in inside["jobs"])
    ingest = sum(
        v for j in inside["jobs"] for k, v in j["steps"].items() if k not in ("warehouse_models", "analytics_warehouse")
    )
    runs = sum(j["seconds"] for j in inside["jobs"])
    results = {
        "pipeline_wall_s": pipeline.seconds,
        "pipeline_peak_rss_mb": pipeline.peak_rss_mb,
        "pipeline_load_s": inside["load_s"],
        "jobs": inside["jobs"],
        "pipeline_dbt_steps_s": dbt_steps,
        "pipeline_publish_s": publish,
        "pipeline_ingest_s": ingest,
        "pipeline_runs_s": runs,
        "pipeline_in_memory_wall_s": in_memory.seconds,
        "jobs_in_memory": inside_memory["jobs"],
        "bare_dbt_build_wall_s": bare.seconds,
        "bare_dbt_elapsed_s": bare.extra["run_results"]["_elapsed"],
        "dbt_cold_parse_wall_s": cold_parse.seconds,
        "dagster_startup": startup,
    }
    ratio = pipeline.seconds / bare.seconds
    rows = [
        Row(
            "P1 pipeline / bare dbt build",
            ratio,
            "<= 2.0",
            ratio <= 2.0,
            f"{pipeline.seconds:.1f} s / {bare.seconds:.1f} s ({len(inside['jobs'])} runs as make demo: "
            "ingest, then 1 dbt build and 1 publish / 1 dbt build)",
        ),
        Row(
            "P1 where the pipeline's time goes (s)",
            pipeline.seconds,
            "(info)",
            None,
            f"dbt steps {dbt_steps:.1f} s, publish {publish:.1f} s, ingest {ingest:.1f} s, "
            f"load {inside['load_s']:.1f} s, other {pipeline.seconds - dbt_steps - publish - ingest:.1f} s",
        ),
        Row(
            "P1 with an in-memory Dagster instance",
            in_memory.seconds / bare.seconds,
            "(info)",
            None,
            f"{in_memory.seconds:.1f} s / {bare.seconds:.1f} s: the SQLite event log costs "
            f"{pipeline.seconds - in_memory.seconds:.1f} s of the pipeline",
        ),
        Row(
            "Dagster fixed cost (s)",
            startup["process_wall_s"],
            "(info)",
            None,
            f"load definitions {startup['load_definitions_s']:.1f} s, empty in-process run "
            f"{startup['empty_run_s']:.2f} s (process total)",
        ),
        Row(
            "dbt parse, cold (s)",
            cold_parse.seconds,
            "(info)",
            None,
            "a full parse: what a run pays when partial parsing is lost (the window never costs one: env vars)",
        ),
    ]
    return rows, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/shockwatch_bench"))
    args = parser.parse_args(argv)
    from bench.common import print_table

    started = time.perf_counter()
    rows, _ = run(args.work)
    print_table(rows, f"P1 (case study) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
