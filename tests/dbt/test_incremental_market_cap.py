"""fct_daily_market_cap rebuilt incrementally over a daily_pipeline run's sessions.

The rule under test (dbt/models/marts/fct_daily_market_cap.sql, docs/PERFORMANCE.md):
a run over sessions [start, end] recomputes the rows of those sessions plus each ticker's
next session (whose prev_close, pct_change and market_cap_change_usd depend on the last
close of the window), reading the previous session from the lake; share counts that differ
from the ones the table was built with widen the window. The result equals a full rebuild.
"""

import datetime as dt
import os
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from dagster_project.assets.dbt import (
    NO_PRICE_CHANGE,
    dbt_invocation_env,
    environment,
    price_window,
)
from dagster_project.config.settings import REPO_ROOT, load_settings
from dagster_project.dbt_cli import dbt_executable
from dagster_project.definitions import build_definitions
from tests.dbt.dbt_cli import dbt
from tests.pipeline import query, run_pipeline

SLICE = ("2025-01-21", "2025-01-31")
SESSION, NEXT_SESSION = "2025-01-28", "2025-01-29"
ROWS_SQL = "select * from marts.fct_daily_market_cap order by ticker, trade_date"
COLUMNS = [
    "ticker",
    "trade_date",
    "close",
    "prev_close",
    "pct_change",
    "shares_outstanding",
    "market_cap_usd",
    "market_cap_change_usd",
    "price_basis",
    "shares_as_of_date",
    "shares_measure",
    "shares_known_from",
    "value_change_usd",
    "share_count_effect_usd",
    "total_return",
]


def run_partition(defs, partition: str):
    """One session through daily_pipeline, as a schedule or a UI launch of one partition runs it."""
    return defs.resolve_job_def("daily_pipeline").execute_in_process(
        instance=DagsterInstance.ephemeral(), partition_key=partition, raise_on_error=False
    )


def published(settings) -> pd.DataFrame:
    return pd.DataFrame(query(settings.analytics_db, ROWS_SQL), columns=COLUMNS)


def full_rebuild(settings) -> pd.DataFrame:
    """The same model built from scratch over the same lake (no window: dbt rebuilds the table)."""
    env = dict(os.environ, SHOCKWATCH_DATA_DIR=str(settings.data_path), DO_NOT_TRACK="1")
    target = settings.data_path / "dbt_full_rebuild"
    subprocess.run(
        [
            dbt_executable(),
            "run",
            "--select",
            "+fct_daily_market_cap",
            "--full-refresh",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--log-path",
            str(target),
            "--quiet",
        ],
        cwd=REPO_ROOT / "dbt",
        env=env,
        check=True,
    )
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return pd.DataFrame(con.execute(ROWS_SQL).fetchall(), columns=COLUMNS)


def edit_case_study(case_dir, file: str, change) -> None:
    frame = pd.read_csv(case_dir / file, dtype=str)
    change(frame).to_csv(case_dir / file, index=False)


def corrected_session(bars: pd.DataFrame) -> pd.DataFrame:
    day = bars["trade_date"] == SESSION
    for column in ("open", "high", "low", "close", "adj_close"):
        bars.loc[day, column] = (bars.loc[day, column].astype(float) * 1.01).round(4).astype(str)
    return bars


@pytest.fixture
def settings(replay_settings, case_study_copy, monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_CASE_STUDY_DIR", str(case_study_copy))
    return load_settings()


def test_the_window_comes_from_daily_pipeline_partition_tags():
    assert price_window("daily_pipeline", {"dagster/partition": "2025-01-28"}) == ("2025-01-28", "2025-01-28")
    assert price_window(
        "daily_pipeline",
        {"dagster/asset_partition_range_start": "2024-01-02", "dagster/asset_partition_range_end": "2025-06-30"},
    ) == ("2024-01-02", "2025-06-30")
    # the news and app-chart jobs write no prices: their builds recompute no session
    assert price_window("news_pipeline", {"dagster/partition": "2025-01-28"}) == NO_PRICE_CHANGE
    assert price_window("app_rank_pipeline", {}) == NO_PRICE_CHANGE
    assert price_window("__ASSET_JOB", {"dagster/partition": "2025-01-28"}) is None
    assert price_window("daily_pipeline", {}) is None
    # the run's data dir and window reach dbt as environment variables, never --vars (which
    # would make dbt re-parse the whole project on every new window)
    assert dbt_invocation_env(None, Path("/d")) == {
        "SHOCKWATCH_DATA_DIR": "/d",
        "SHOCKWATCH_PRICES_START": "",
        "SHOCKWATCH_PRICES_END": "",
    }
    assert dbt_invocation_env(("2025-01-28", "2025-01-29"), Path("/d")) == {
        "SHOCKWATCH_DATA_DIR": "/d",
        "SHOCKWATCH_PRICES_START": "2025-01-28",
        "SHOCKWATCH_PRICES_END": "2025-01-29",
    }
    with pytest.raises(ValueError):
        price_window("daily_pipeline", {"dagster/partition": "28/01/2025"})


def test_the_run_environment_is_in_place_only_while_dbt_starts(monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", "/before")
    monkeypatch.delenv("SHOCKWATCH_PRICES_START", raising=False)
    with environment({"SHOCKWATCH_DATA_DIR": "/run", "SHOCKWATCH_PRICES_START": "2025-01-27"}):
        assert os.environ["SHOCKWATCH_DATA_DIR"] == "/run"
        assert os.environ["SHOCKWATCH_PRICES_START"] == "2025-01-27"
    assert os.environ["SHOCKWATCH_DATA_DIR"] == "/before"
    assert "SHOCKWATCH_PRICES_START" not in os.environ
    with pytest.raises(RuntimeError), environment({"SHOCKWATCH_DATA_DIR": "/run"}):
        raise RuntimeError("dbt failed to start")
    assert os.environ["SHOCKWATCH_DATA_DIR"] == "/before"


def test_a_corrected_close_recomputes_its_session_and_the_next_one(settings, case_study_copy):
    defs = build_definitions(settings)
    assert run_pipeline(defs, *SLICE).success
    before = published(settings)

    # The vendor corrects every bar of one session (+1%); only that partition is re-run.
    edit_case_study(case_study_copy, "prices_daily.csv", corrected_session)
    assert run_partition(build_definitions(settings), SESSION).success
    after = published(settings)

    assert len(after) == len(before) == 17 * 9
    changed = (before != after) & ~(before.isna() & after.isna())
    changed_rows = after[changed.any(axis=1)]
    assert set(changed_rows["trade_date"].astype(str)) == {SESSION, NEXT_SESSION}
    assert len(changed_rows) == 2 * 17
    # the corrected session: its close and everything derived from it
    day = after[after["trade_date"].astype(str) == SESSION].set_index("ticker")
    old_day = before[before["trade_date"].astype(str) == SESSION].set_index("ticker")
    assert day["close"].tolist() == pytest.approx((old_day["close"] * 1.01).round(4).tolist())
    assert day.loc["NVDA", "prev_close"] == 118.42  # the previous session, read from the lake
    # the next session compares with the corrected close
    nxt = after[after["trade_date"].astype(str) == NEXT_SESSION].set_index("ticker")
    assert nxt["prev_close"].tolist() == day["close"].tolist()
    assert nxt["close"].tolist() == before[before["trade_date"].astype(str) == NEXT_SESSION]["close"].tolist()
    # columns of the next session that do not depend on the previous close are untouched
    old_next = before[before["trade_date"].astype(str) == NEXT_SESSION].set_index("ticker")
    assert nxt["market_cap_usd"].equals(old_next["market_cap_usd"])

    pd.testing.assert_frame_equal(after, full_rebuild(settings))


def test_a_window_run_reads_only_its_sessions(settings):
    """Drift planted outside the window (a lake file changed behind the pipeline's back) is
    not picked up by a one-session run, and is by a full rebuild: the run really was windowed."""
    defs = build_definitions(settings)
    assert run_pipeline(defs, *SLICE).success
    path = settings.lake_dir / "prices" / "trade_date=2025-01-22" / "data.parquet"
    planted = pd.read_parquet(path)
    planted["close"] = planted["close"] + 1
    planted.to_parquet(path, index=False)

    assert run_partition(defs, SESSION).success
    after = published(settings)
    drifted = after[after["trade_date"].astype(str) == "2025-01-22"].set_index("ticker")["close"]
    assert (drifted.to_numpy() + 1 == planted.set_index("ticker").loc[drifted.index, "close"].to_numpy()).all()

    rebuilt = full_rebuild(settings)
    assert (
        rebuilt[rebuilt["trade_date"].astype(str) == "2025-01-22"]["close"].to_numpy()
        == planted.sort_values("ticker")["close"].to_numpy()
    ).all()


def test_a_share_count_filed_before_the_window_widens_it(settings, case_study_copy):
    defs = build_definitions(settings)
    assert run_pipeline(defs, *SLICE).success
    before = published(settings)

    # A (made-up) NVDA count that became public on 2025-01-23, before the session re-run on
    # the 31st: the daily run re-reads the shares, sees the change and recomputes from the 23rd.
    edit_case_study(
        case_study_copy,
        "shares_outstanding.csv",
        lambda f: pd.concat(
            [
                f,
                pd.DataFrame(
                    [
                        {
                            "ticker": "NVDA",
                            "as_of_date": "2025-01-20",
                            "filing_date": "2025-01-23",
                            "shares": "25000000000",
                            "measure": "cover_page_shares_outstanding",
                            "source_document": "synthetic test row",
                        }
                    ]
                ),
            ]
        ),
    )
    assert run_partition(build_definitions(settings), "2025-01-31").success
    after = published(settings)

    nvda = after[after["ticker"] == "NVDA"].assign(day=lambda f: f["trade_date"].astype(str)).set_index("day")
    assert nvda.loc["2025-01-22", "shares_outstanding"] == 24_490_000_000
    assert (nvda.loc["2025-01-23":"2025-01-31", "shares_outstanding"] == 25_000_000_000).all()
    changed = after[((before != after) & ~(before.isna() & after.isna())).any(axis=1)]
    assert set(changed["ticker"]) == {"NVDA"}
    pd.testing.assert_frame_equal(after, full_rebuild(settings))


# ------------------------------------------------------------------ awkward changes, dbt only

# Every mart that follows the price window (dbt/macros/price_marts_window.sql)
PRICE_MARTS = ["fct_daily_market_cap", "fct_market_moves", "fct_theme_daily"]


def _dbt(data_dir, *args, window=None):
    """`dbt run` of the price marts and what they need, on `data_dir`."""
    dbt(data_dir, "run", "--select", *(f"+{mart}" for mart in PRICE_MARTS), *args, window=window)


def _rows(db) -> dict[str, list[tuple]]:
    """Every row of every price mart, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {mart: con.execute(f"select * from marts.{mart} order by all").fetchall() for mart in PRICE_MARTS}


def test_window_runs_equal_full_rebuilds_on_awkward_lakes(tmp_path):
    """A ticker that leaves a session, one that leaves 30 sessions (a gap right before and
    right after later windows), and a new ticker: each window run gives the rows a full
    rebuild gives. (Each change goes through a window covering it: the rule.)"""
    from bench.synthetic_lake import generate
    from dagster_project import datasets
    from dagster_project import lake as lake_module

    inc, full = tmp_path / "inc", tmp_path / "full"
    generate(inc, tickers=12, years=1, quiet=True)
    (full / "warehouse").mkdir(parents=True)
    (inc / "warehouse").mkdir()
    (full / "lake").symlink_to(inc / "lake")
    lake = inc / "lake"
    sessions = sorted(p.name.split("=")[1] for p in (lake / "prices").glob("trade_date=*"))

    def edit(day, change):
        path = datasets.PRICES.path(lake, day)
        frame = change(pd.read_parquet(path))
        lake_module.write_parquet_atomic(frame, path, datasets.PRICES.schema)

    def window_run_equals_full_rebuild(start, end):
        _dbt(inc, window=(start, end))
        _dbt(full)
        windowed, rebuilt = _rows(inc / "warehouse" / "build.duckdb"), _rows(full / "warehouse" / "build.duckdb")
        for mart in PRICE_MARTS:
            assert windowed[mart] == rebuilt[mart], f"{mart}: window {start}..{end} differs from a full rebuild"
        return windowed

    _dbt(inc)  # the first build
    # a news or app-chart run: no session recomputed, the same rows
    window_run_equals_full_rebuild(*NO_PRICE_CHANGE)

    # SYN00003 leaves one session (removed from the watchlist, the partition re-run)
    edit(sessions[100], lambda f: f[f["ticker"] != "SYN00003"])
    window_run_equals_full_rebuild(sessions[100], sessions[100])

    # SYN00004 leaves 30 sessions (re-run as one range); then windows right before and right
    # after that gap find its next / previous row only across the whole lake
    for day in sessions[150:180]:
        edit(day, lambda f: f[f["ticker"] != "SYN00004"])
    window_run_equals_full_rebuild(sessions[150], sessions[179])
    edit(sessions[149], lambda f: f.assign(close=f["close"] + 1))
    window_run_equals_full_rebuild(sessions[149], sessions[149])
    edit(sessions[180], lambda f: f.assign(close=f["close"] + 1))
    window_run_equals_full_rebuild(sessions[180], sessions[180])

    # a 30% crash in mid-history: a market move on that day, and a changed trailing sigma for
    # the 60 sessions after it, which a window of that one day must recompute too
    crash = lambda f: f.assign(close=f["close"].where(f["ticker"] != "SYN00005", f["close"] * 0.7))  # noqa: E731
    edit(sessions[120], crash)
    rows = window_run_equals_full_rebuild(sessions[120], sessions[120])
    assert ("SYN00005", dt.date.fromisoformat(sessions[120])) in {r[:2] for r in rows["fct_market_moves"]}

    # a ticker changes theme (the watchlist changed): every date of the theme totals moves
    companies = datasets.COMPANIES.path(lake)
    frame = pd.read_parquet(companies)
    frame.loc[frame["ticker"] == "SYN00002", "theme"] = "other"
    lake_module.write_parquet_atomic(frame, companies, datasets.COMPANIES.schema)
    rows = window_run_equals_full_rebuild(sessions[-1], sessions[-1])
    assert {r[0] for r in rows["fct_theme_daily"]} == {"synthetic", "other"}

    # a new ticker in the last three sessions
    for day in sessions[-3:]:
        edit(day, lambda f: pd.concat([f, f[f["ticker"] == "SYN00001"].assign(ticker="NEW01")]))
    window_run_equals_full_rebuild(sessions[-3], sessions[-1])
