"""Data tests on a window run check the rows changed since the last publish
(dbt/macros/get_where_subquery.sql): a bad row inside the window fails the build, one in a
published session is left to full builds, a failed build is checked again by the next, and a
full build checks everything."""

import json

import pandas as pd
import pytest

from dagster_project.assets.dbt import NO_PRICE_CHANGE
from dagster_project.publishing import publish_warehouse
from tests.dbt.dbt_cli import dbt


def _dbt_test(data_dir, window=None, command="test") -> dict[str, str]:
    """`dbt test` (or build) of stg_prices and fct_daily_market_cap: {test name: status}."""
    target = dbt(data_dir, command, "--select", "stg_prices", "fct_daily_market_cap", window=window, check=False)
    results = json.loads((target / "run_results.json").read_text())["results"]
    # the data tests' outcomes (not the models a build ran, nor the project's on-run-start hook)
    return {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.")}


@pytest.fixture
def lake_with_a_duplicate_bar(tmp_path):
    """A small synthetic lake, built once, then one session gains a duplicate bar."""
    from bench.synthetic_lake import generate
    from dagster_project import datasets
    from dagster_project import lake as lake_module

    generate(tmp_path, tickers=3, years=1, quiet=True)
    (tmp_path / "warehouse").mkdir()
    dbt(tmp_path, "run", "--select", "+fct_daily_market_cap", "+dim_company")
    # published: what the first build changed has passed its checks (dagster_project/publishing.py)
    publish_warehouse(tmp_path / "warehouse" / "build.duckdb", tmp_path / "warehouse" / "analytics.duckdb")
    sessions = sorted(p.name.split("=")[1] for p in (tmp_path / "lake" / "prices").glob("trade_date=*"))
    bad_day = sessions[100]
    path = datasets.PRICES.path(tmp_path / "lake", bad_day)
    frame = pd.read_parquet(path)
    lake_module.write_parquet_atomic(pd.concat([frame, frame.head(1)]), path, datasets.PRICES.schema)
    return tmp_path, sessions, bad_day


def test_a_window_run_checks_its_sessions_and_a_full_build_checks_all(lake_with_a_duplicate_bar):
    data_dir, sessions, bad_day = lake_with_a_duplicate_bar
    uniqueness = "unique_combination_of_columns_stg_prices_ticker__trade_date"

    assert _dbt_test(data_dir)[uniqueness] == "fail"  # a full build sees every session
    assert _dbt_test(data_dir, (bad_day, bad_day))[uniqueness] == "fail"  # the window holds the bad bar
    elsewhere = _dbt_test(data_dir, (sessions[-1], sessions[-1]))
    assert elsewhere[uniqueness] == "pass"  # not this run's sessions: not re-checked
    assert set(elsewhere.values()) == {"pass"}
    assert set(_dbt_test(data_dir, NO_PRICE_CHANGE).values()) == {"pass"}  # a news run re-checks no price

    # a window build over the bad bar fails and is not published: the next window run,
    # elsewhere, checks that session again (it is still pending), until it is fixed
    assert _dbt_test(data_dir, (bad_day, bad_day), command="build")[uniqueness] == "fail"
    assert _dbt_test(data_dir, (sessions[-1], sessions[-1]))[uniqueness] == "fail"
