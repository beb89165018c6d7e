"""P5: one daily run for one new session, at scale ÷ the same run on the case study.

    python -m bench.daily_run --work /tmp/shockwatch_bench [--tickers 5000 --years 20]

Each side is a warehouse that already holds every session but the last, built and published
the way production leaves it (not timed). Then ONE daily_pipeline run for the last session
is timed end to end in a fresh process on a persistent (SQLite) Dagster instance, as a
schedule tick runs it: the real job, its raw assets through the replay adapters (companies,
prices, share counts, with their checks), the dbt build with its tests, and the publish.

- case study: the bundled case study; the last session is 2025-06-30;
- scale: the SYNTHETIC lake of P2/P3 (bench/synthetic_lake.py), its last session held back
  and served by the replay adapters from a SYNTHETIC bundle written beside it (a watchlist
  of its tickers, that session's bars, its share counts).

P5 = scale wall / case-study wall (target <= 1.5). Also reported for both: each step's
seconds, the publish mode and seconds, and the analytics file's size.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pandas as pd

from bench.common import MEMORY_LIMIT, REPO_ROOT, Row, run_dbt, run_timed, say

CASE_STUDY_LAST = "2025-06-30"
CASE_STUDY_SETUP = ("2024-01-02", "2025-06-27")

# Runs one daily_pipeline partition in this process and prints its steps' seconds.
CHILD = """
import json, sys, time
t0 = time.perf_counter()
from dagster import DagsterEventType, DagsterInstance
from dagster_dbt import DbtProject
import dagster_project.definitions as definitions
from dagster_project.config.settings import load_settings
first, last, project_copy, run_config = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
definitions.DBT_PROJECT = DbtProject(project_dir=project_copy, profiles_dir=project_copy)
defs = definitions.definitions_for_process(load_settings())  # as a run worker loads them
job = defs.resolve_job_def("daily_pipeline")
instance = DagsterInstance.get()
loaded = time.perf_counter() - t0
tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
started = time.perf_counter()
result = job.execute_in_process(instance=instance, tags=tags, run_config=run_config, raise_on_error=False)
seconds = time.perf_counter() - started
if not result.success:
    sys.exit("daily_pipeline failed")
steps, starts, publish = {}, {}, {}
wanted = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.ASSET_MATERIALIZATION}
for record in instance.all_logs(result.run_id, of_type=wanted):
    event = record.dagster_event
    if event is None:
        continue
    if event.event_type_value == "STEP_START":
        starts[event.step_key] = record.timestamp
    elif event.event_type_value == "STEP_SUCCESS":
        steps[event.step_key] = round(record.timestamp - starts[event.step_key], 3)
    elif event.event_type_value == "ASSET_MATERIALIZATION":
        m = event.event_specific_data.materialization
        if m.asset_key.path == ["analytics_warehouse"]:
            publish = {k: m.metadata[k].value for k in ("mode", "base", "publish_seconds", "file_mb")}
print("RESULT " + json.dumps({"load_s": loaded, "run_s": seconds, "steps": steps, "publish": publish}))
"""


def _env(data_dir: Path, home: Path, case_study: Path | None = None, watchlist: Path | None = None) -> dict:
    env = {
        "SHOCKWATCH_DATA_DIR": str(data_dir),
        "SHOCKWATCH_SOURCE_MODE": "replay",
        "SHOCKWATCH_DUCKDB_MEMORY_LIMIT": MEMORY_LIMIT,
        "DAGSTER_HOME": str(home),
    }
    if case_study:
        env["SHOCKWATCH_CASE_STUDY_DIR"] = str(case_study)
    if watchlist:
        env["SHOCKWATCH_WATCHLIST"] = str(watchlist)
    return env


def _dbt_project(root: Path, data_dir: Path) -> Path:
    """A copy of dbt/ parsed with this side's data dir, as `make` parses dbt/target for its own
    (the profile renders the data dir: parsed with another, every dbt run re-parses fully)."""
    project = root / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    run_dbt(["parse"], data_dir, project / "target", "parse", project_dir=project)
    return project


def _run_child(work: Path, label: str, env: dict, first: str, last: str, run_config: dict | None = None) -> dict:
    log = work / f"{label}.log"
    project, config = str(work / "dbt_project"), json.dumps(run_config or {})
    timed = run_timed([sys.executable, "-c", CHILD, first, last, project, config], env=env, cwd=REPO_ROOT, log=log)
    line = next(x for x in log.read_text().splitlines() if x.startswith("RESULT "))
    return {**json.loads(line[len("RESULT ") :]), "wall_s": timed.seconds, "peak_rss_mb": timed.peak_rss_mb}


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _dagster_home(root: Path) -> Path:
    """A Dagster instance configured as `make` configures .dagster_home."""
    home = _fresh(root / "dagster_home")
    shutil.copy(REPO_ROOT / "dagster.instance.yaml", home / "dagster.yaml")
    return home


def _second_generation(data_dir: Path) -> None:
    """Publish once more, as every run after the first leaves production: the analytics file
    and the generation kept before it, which the timed run's publish brings up to date."""
    from dagster_project.publishing import publish_warehouse

    warehouse = data_dir / "warehouse"
    publish_warehouse(warehouse / "build.duckdb", warehouse / "analytics.duckdb")


def case_study(work: Path) -> dict:
    root = _fresh(work / "p5_case_study")
    env = _env(root / "data", _dagster_home(root))
    _dbt_project(root, root / "data")
    say(f"P5 case study: setting up {CASE_STUDY_SETUP[0]}..{CASE_STUDY_SETUP[1]} (not timed)")
    _run_child(root, "setup", env, *CASE_STUDY_SETUP)
    _second_generation(root / "data")
    say(f"P5 case study: one daily run for {CASE_STUDY_LAST}")
    return _run_child(root, "daily", env, CASE_STUDY_LAST, CASE_STUDY_LAST)


def synthetic_bundle(data_dir: Path, bundle: Path) -> str:
    """Hold back the lake's last session; write what the replay adapters serve for it."""
    from dagster_project import datasets

    lake = data_dir / "lake"
    sessions = sorted(p.name.split("=")[1] for p in (lake / "prices").glob("trade_date=*"))
    last = sessions[-1]
    held_back = datasets.PRICES.path(lake, last)
    bars = pd.read_parquet(held_back)
    # The SYNTHETIC walk rounds open/high/low/close apart, so a few bars have a low above
    # their open or close; the prices check rightly quarantines those (and the run fails as
    # incomplete), so the served bars are made consistent.
    bars["low"] = bars[["low", "open", "close"]].min(axis=1)
    bars["high"] = bars[["high", "open", "close"]].max(axis=1)
    shutil.rmtree(held_back.parent)
    bars.assign(trade_date=last, origin="SYNTHETIC").drop(columns=["source", "fetched_at"]).to_csv(
        bundle / "prices_daily.csv", index=False
    )
    shares = pd.read_parquet(datasets.SHARES.path(lake))
    shares.assign(source_document="SYNTHETIC", form="SYNTHETIC").drop(columns=["source", "fetched_at"]).to_csv(
        bundle / "shares_outstanding.csv", index=False
    )
    companies = pd.read_parquet(datasets.COMPANIES.path(lake))
    lines = ["themes:", "  synthetic: SYNTHETIC benchmark companies", "companies:"]
    lines += [f'  - {{ticker: {t}, name: "SYNTHETIC company {t}", theme: synthetic}}' for t in companies["ticker"]]
    (bundle / "watchlist.yml").write_text("\n".join(lines) + "\n")
    return last


def scale(work: Path, tickers: int, years: int) -> dict:
    from bench.synthetic_lake import generate
    from dagster_project.publishing import publish_warehouse

    root = _fresh(work / "p5_scale")
    data_dir, bundle = root / "data", _fresh(root / "bundle")
    say(f"P5 scale: SYNTHETIC lake {tickers:,} tickers x {years} years (not timed)")
    generate(data_dir, tickers=tickers, years=years)
    last = synthetic_bundle(data_dir, bundle)
    env = _env(data_dir, _dagster_home(root), bundle, bundle / "watchlist.yml")
    say("P5 scale: full dbt build and publish of every session but the last (not timed)")
    project = _dbt_project(root, data_dir)
    run_dbt(["build", "--exclude-resource-type", "unit_test"], data_dir, project / "setup_target", "setup", project)
    publish_warehouse(data_dir / "warehouse" / "build.duckdb", data_dir / "warehouse" / "analytics.duckdb")
    _second_generation(data_dir)
    say(f"P5 scale: one daily run for {last}")
    # The SYNTHETIC random walk reaches market caps no company has (above $20T, below $50M):
    # the blocking plausibility check would rightly stop the run, so its bounds are opened for
    # this lake only.
    config = {"ops": {"shares_outstanding": {"config": {"min_market_cap_usd": 0.0, "max_market_cap_usd": 1e16}}}}
    return {**_run_child(root, "daily", env, last, last, config), "session": last}


def run(work: Path, tickers: int, years: int) -> tuple[list[Row], dict]:
    small = case_study(work)
    large = scale(work, tickers, years)
    ratio = large["wall_s"] / small["wall_s"]
    detail = (
        f"{large['wall_s']:.1f} s / {small['wall_s']:.1f} s; publish {large['publish'].get('mode')} "
        f"({large['publish'].get('base')}) "
        f"{large['publish'].get('publish_seconds')} s, {large['publish'].get('file_mb')} MB vs "
        f"{small['publish'].get('publish_seconds')} s, {small['publish'].get('file_mb')} MB"
    )
    rows = [Row("P5 daily run, one new session: scale / case study (wall)", ratio, "<= 1.5", ratio <= 1.5, detail)]
    return rows, {"case_study": small, "scale": large, "tickers": tickers, "years": years}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--work", type=Path, default=Path(os.environ.get("SHOCKWATCH_BENCH_DIR", "/tmp/shockwatch_bench"))
    )
    parser.add_argument("--tickers", type=int, default=5000)
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args(argv)
    rows, raw = run(args.work, args.tickers, args.years)
    print(json.dumps(raw, indent=2, default=str))
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
