"""The code location loads, and the UI shows one graph from raw assets to the published warehouse."""

import subprocess
import sys

import pytest
from dagster import AssetKey

from dagster_project.config.settings import REPO_ROOT
from dagster_project.definitions import build_definitions


def test_definitions_load_with_one_lineage_graph(replay_settings):
    defs = build_definitions(replay_settings)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "prices",
        "shares_outstanding",
        "companies",
        "stg_prices",
        "fct_daily_market_cap",
        "dim_company",
        "analytics_warehouse",
    } <= keys
    # dbt sources are the Python raw assets, not separate source nodes
    assert AssetKey("prices") in graph.get(AssetKey("stg_prices")).parent_keys
    assert AssetKey("shares_outstanding") in graph.get(AssetKey("stg_shares_outstanding")).parent_keys
    assert AssetKey("fct_daily_market_cap") in graph.get(AssetKey("analytics_warehouse")).parent_keys
    assert graph.get(AssetKey("stg_prices")).group_name == "staging"
    assert graph.get(AssetKey("fct_daily_market_cap")).group_name == "marts"


def test_dbt_tests_and_raw_checks_are_asset_checks(replay_settings):
    defs = build_definitions(replay_settings)
    checks = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert ("prices", "watchlist_complete") in checks
    assert ("stg_companies", "unique_stg_companies_ticker") in checks
    assert any(asset == "fct_daily_market_cap" and "unique_combination" in name for asset, name in checks)


def test_dbt_runs_in_the_single_writer_pool(replay_settings):
    defs = build_definitions(replay_settings)
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("daily_pipeline")
    pools = {node.name: node.definition.pool for node in job.graph.node_dict.values()}
    assert pools["warehouse_models"] == "warehouse"
    assert pools["analytics_warehouse"] == "warehouse"
    assert graph.get(AssetKey("prices")).partitions_def is not None


def test_a_process_s_definitions_are_frozen_out_of_the_garbage_collector_after_one_collection(replay_settings):
    """definitions_for_process (the code location, make demo): what exists once the definitions
    are built is frozen (gc.freeze), and garbage from before is collected first, not kept."""
    import gc
    import weakref

    from dagster_project.definitions import definitions_for_process

    class Cycle:
        pass

    garbage = Cycle()
    garbage.self = garbage  # unreachable once dropped; only the cyclic collector frees it
    gone = weakref.ref(garbage)
    del garbage
    before = gc.get_freeze_count()
    try:
        defs = definitions_for_process(replay_settings)
        assert gone() is None
        assert gc.get_freeze_count() > before + 100_000  # the libraries, the manifest, the definitions
        assert {job.name for job in defs.jobs} >= {"daily_pipeline", "news_pipeline"}  # the definitions, unchanged
    finally:
        gc.unfreeze()  # the rest of the suite collects as usual


@pytest.mark.parametrize("collecting", [True, False])
def test_importing_the_definitions_pauses_garbage_collection_and_restores_it(collecting):
    """Automatic collection is off while the module's imports load, then as the process had it."""
    probe = (
        "import gc, sys\n"
        f"{'' if collecting else 'gc.disable()'}\n"
        "seen = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'dagster_project.assets.dbt':\n"
        "            seen.append(gc.isenabled())\n"
        "sys.meta_path.insert(0, Watch())\n"
        "import dagster_project.definitions\n"
        "print(seen, gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert out.stdout.split() == ["[False]", str(collecting)]
