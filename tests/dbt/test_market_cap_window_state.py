"""A window run on a table whose share-count state is missing (a warehouse built before the
state existed, or the state dropped): dbt/macros/market_cap_window.sql then recomputes
everything from the start of the lake, and the result equals a full rebuild."""

import duckdb

from tests.dbt.test_incremental_market_cap import _dbt, _rows


def test_a_window_run_without_the_share_count_state_recomputes_everything(tmp_path):
    from bench.synthetic_lake import generate

    inc, full = tmp_path / "inc", tmp_path / "full"
    generate(inc, tickers=4, years=1, quiet=True)
    (full / "warehouse").mkdir(parents=True)
    (inc / "warehouse").mkdir(exist_ok=True)
    (full / "lake").symlink_to(inc / "lake")
    sessions = sorted(p.name.split("=")[1] for p in (inc / "lake" / "prices").glob("trade_date=*"))

    _dbt(inc)  # the first build
    with duckdb.connect(str(inc / "warehouse" / "build.duckdb")) as con:
        con.execute("drop table main.fct_daily_market_cap__shares_built")
    _dbt(inc, "--vars", f'{{"prices_start": "{sessions[-1]}", "prices_end": "{sessions[-1]}"}}')
    _dbt(full)
    assert _rows(inc / "warehouse" / "build.duckdb") == _rows(full / "warehouse" / "build.duckdb")
    with duckdb.connect(str(inc / "warehouse" / "build.duckdb"), read_only=True) as con:  # written again
        assert con.execute("select count(*) from main.fct_daily_market_cap__shares_built").fetchone()[0] > 0
