"""dbt unit tests (dbt/models/marts/_marts_unit_tests.yml): every one passes, and none went missing.

They mock their inputs, but dbt reads the input models' column types from the warehouse, so
they run against the case-study warehouse `make demo` builds (the session's demo_run).
"""

import json
import os
import subprocess
from pathlib import Path

from dagster_project.dbt_cli import dbt_executable

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
DBT = dbt_executable()

# the logic they cover: fct_daily_market_cap (full build and window), fct_theme_daily,
# fct_market_moves, fct_app_rank_milestones, fct_event_timeline, fct_event_study, fct_capex_quarterly,
# fct_capex_theme_quarterly. A lower count means a test
# was deleted or disabled; raise it when one is added.
MIN_UNIT_TESTS = 10
MODELS = {
    "fct_daily_market_cap",
    "fct_theme_daily",
    "fct_market_moves",
    "fct_app_rank_milestones",
    "fct_event_timeline",
    "fct_event_study",
    "fct_capex_quarterly",
    "fct_capex_theme_quarterly",
}


def test_every_dbt_unit_test_passes(demo_run, tmp_path):
    settings = demo_run[0]
    env = {**os.environ, "SHOCKWATCH_DATA_DIR": str(settings.data_path), "DO_NOT_TRACK": "1"}
    target = tmp_path / "target"
    result = subprocess.run(
        [DBT, "test", "--select", "test_type:unit", "--profiles-dir", ".", "--target-path", str(target)]
        + ["--log-path", str(tmp_path / "logs")],
        cwd=DBT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((target / "run_results.json").read_text())["results"]
    # the project's on-run-start hook (the price ledger) reports too; it does nothing on `dbt test`
    results = [r for r in results if not r["unique_id"].startswith("operation.")]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) == len(results)  # the selection ran unit tests only
    assert len(unit_tests) >= MIN_UNIT_TESTS, [r["unique_id"] for r in unit_tests]
    failed = {r["unique_id"]: r["message"] for r in unit_tests if r["status"] != "pass"}
    assert not failed, failed
    # unique_id: unit_test.<project>.<model>.<test name>
    assert {r["unique_id"].split(".")[2] for r in unit_tests} >= MODELS
