"""The event-study marts (fct_abnormal_returns, fct_event_study, fct_shocks, fct_shock_spillover).

- on the case study (the session's demo_run warehouse, read-only): the market model's alpha,
  beta and sigma recomputed by OLS with numpy match the marts to 1e-9, and every CAR is the
  sum of the daily abnormal returns of its window;
- on a SYNTHETIC lake with a planted shock (tests/dbt/planted_lake.py): the known beta and
  abnormal return come back, and the shock is found;
- window runs of fct_abnormal_returns give the rows a full rebuild gives, row for row.
Weekend and holiday event dates: dbt unit tests in _marts_unit_tests.yml (and the Sunday
event of the case study below).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.config.settings import REPO_ROOT
from dagster_project.dbt_cli import dbt_executable
from tests.dbt import planted_lake

TOL = 1e-9
CASE_TICKERS = ["NVDA", "AVGO", "AAPL", "SMCI", "MSFT", "TSM"]


def dbt(data_dir: Path, *args: str, command: str = "run") -> None:
    """dbt (run) from the project folder, on `data_dir`, into a target path of its own."""
    env = dict(os.environ, SHOCKWATCH_DATA_DIR=str(data_dir), DO_NOT_TRACK="1")
    target = data_dir / "target"
    subprocess.run(
        [dbt_executable(), command, "--profiles-dir", ".", "--quiet", "--target-path", str(target)]
        + ["--log-path", str(target), *args],
        cwd=REPO_ROOT / "dbt",
        env=env,
        check=True,
    )


def frame(db: Path, sql: str, params=None) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).df()


def ols(y: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    """alpha, beta and the residual standard deviation (n - 2 degrees of freedom) by numpy lstsq."""
    design = np.column_stack([np.ones(len(x)), x])
    (alpha, beta), *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - alpha - beta * x
    return float(alpha), float(beta), float(np.sqrt(resid @ resid / (len(x) - 2)))


def expected_market_model(rows: pd.DataFrame, i: int) -> tuple[float, float, float, int] | None:
    """The OLS estimate for row i of one ticker's rows (sorted by date): rows [i-250, i-11]."""
    window = rows.iloc[max(0, i - 250) : max(0, i - 10)]
    paired = window.dropna(subset=["ret", "benchmark_ret"])
    if len(paired) < 120:
        return None
    alpha, beta, sigma = ols(paired["ret"].to_numpy(), paired["benchmark_ret"].to_numpy())
    return alpha, beta, sigma, len(paired)


def close(a, b, tol=TOL) -> bool:
    return abs(a - b) <= tol


# ------------------------------------------------------------------------------ case study


@pytest.fixture(scope="module")
def case_db(demo_run) -> Path:
    return demo_run[0].analytics_db


def test_market_model_matches_numpy_ols_on_the_case_study(case_db):
    checked = 0
    for ticker in CASE_TICKERS:
        rows = frame(
            case_db,
            "select * from marts.fct_abnormal_returns where ticker = ? order by trade_date",
            [ticker],
        )
        spy = frame(
            case_db,
            "select trade_date, total_return from marts.fct_daily_market_cap where ticker = 'SPY' order by 1",
        )
        # the mart's own inputs are the lake's returns: ret and benchmark_ret as in fct_daily_market_cap
        joined = rows[["trade_date"]].merge(spy, on="trade_date", how="left")
        assert np.allclose(joined["total_return"], rows["benchmark_ret"], equal_nan=True, rtol=0, atol=0)
        picks = sorted(set(range(0, len(rows), 23)) | {int(rows.index[rows["trade_date"] == "2025-01-27"][0])})
        for i in picks:
            row = rows.iloc[i]
            want = expected_market_model(rows, i)
            if want is None:
                assert pd.isna(row["beta"]) and pd.isna(row["alpha"]) and pd.isna(row["ar_market_model"])
                continue
            alpha, beta, sigma, n = want
            assert row["estimation_obs"] == n
            assert close(row["alpha"], alpha) and close(row["beta"], beta) and close(row["resid_std"], sigma), (
                ticker,
                row["trade_date"],
            )
            if not pd.isna(row["ret"]):
                ar = row["ret"] - (alpha + beta * row["benchmark_ret"])
                assert close(row["ar_market_model"], ar)
                assert close(row["sar"], ar / sigma, 1e-7)  # |sar| ~ 1..7: relative 1e-9
                assert close(row["ar_market_adjusted"], row["ret"] - row["benchmark_ret"])
            checked += 1
    assert checked >= 40


def test_event_study_cars_are_sums_of_the_daily_abnormal_returns(case_db):
    study = frame(case_db, "select * from marts.fct_event_study")
    daily = frame(case_db, "select * from marts.fct_abnormal_returns order by ticker, trade_date")
    caps = frame(case_db, "select ticker, trade_date, market_cap_usd from marts.fct_daily_market_cap")
    sessions = sorted(caps["trade_date"].unique())
    index = {d: i for i, d in enumerate(sessions)}
    daily["idx"] = daily["trade_date"].map(index)
    by_ticker = {t: f.set_index("idx") for t, f in daily.groupby("ticker")}
    caps = caps.set_index(["ticker", "trade_date"])["market_cap_usd"]
    assert study["event_id"].nunique() == 6 + len(frame(case_db, "select * from marts.fct_shocks"))
    assert len(study) == study["event_id"].nunique() * 15 * 5  # every company, every window
    for _, row in study[study["ticker"].isin(CASE_TICKERS)].iterrows():
        day0 = index[row["event_date"]]
        own = by_ticker[row["ticker"]]
        params = own.loc[day0]
        assert row["beta"] == params["beta"] or (pd.isna(row["beta"]) and pd.isna(params["beta"]))
        days = own.loc[day0 + row["window_start"] : day0 + row["window_end"]]
        ar = days["ret"] - (params["alpha"] + params["beta"] * days["benchmark_ret"])
        assert row["sessions"] == days["ar_market_adjusted"].notna().sum()
        assert row["is_partial"] == (day0 + row["window_end"] > len(sessions) - 1)
        assert close(row["car_market_adjusted"], days["ar_market_adjusted"].sum())
        if pd.isna(params["beta"]):
            assert pd.isna(row["car_market_model"]) and pd.isna(row["t_stat"])
            continue
        assert close(row["car_market_model"], ar.sum())
        assert close(row["t_stat"], ar.sum() / (params["resid_std"] * math.sqrt(row["sessions"])), 1e-7)
        if row["window_name"] == "[0,0]":  # day 0 is the daily mart's own abnormal return
            assert close(row["car_market_model"], params["ar_market_model"])
        cap = caps.get((row["ticker"], sessions[day0 - 1]))
        if cap is not None and not pd.isna(cap):
            assert row["abnormal_value_usd"] == pytest.approx(ar.sum() * cap, rel=1e-12)


def test_the_deepseek_monday(case_db):
    nvda = frame(
        case_db,
        """select * from marts.fct_event_study where ticker = 'NVDA' and event_source = 'shock'
           and event_date = '2025-01-27' order by window_end, window_start""",
    ).set_index("window_name")
    assert nvda.loc["[0,0]", "t_stat"] < -5 and nvda.loc["[0,0]", "is_significant"]
    assert not nvda["is_partial"].any()
    assert nvda["sessions"].to_dict() == {"[0,0]": 1, "[0,+1]": 2, "[-1,+1]": 3, "[0,+5]": 6, "[0,+10]": 11}
    shock = frame(case_db, "select * from marts.fct_shocks where trade_date = '2025-01-27'").iloc[0]
    assert shock["epicenter_ticker"] == "NVDA"
    assert shock["dossier_path"] == "reports/shocks/2025-01-27-NVDA.html"
    assert {"NVDA", "AVGO", "TSM", "MRVL"} <= set(shock["members"].split(","))
    assert shock["abnormal_value_usd"] < -5e11 and shock["curated_events"] == 6
    assert "DeepSeek reached_1" in shock["app_rank_signals"]
    # the Sunday event (DeepSeek No. 1 on 2025-01-26) counts from Monday, under its timeline id
    sunday = frame(
        case_db,
        """select distinct s.event_id, s.event_date, s.calendar_date, t.event_type
           from marts.fct_event_study as s join marts.fct_event_timeline as t using (event_id)
           where s.calendar_date = '2025-01-26'""",
    )
    assert sunday[["event_date", "event_type"]].astype(str).values.tolist() == [["2025-01-27", "curated"]]
    spill = frame(case_db, "select * from marts.fct_shock_spillover where shock_id = ?", [shock["shock_id"]])
    assert len(spill) == 15 and spill["is_epicenter"].sum() == 1
    epicenter = spill[spill["is_epicenter"]].iloc[0]
    assert epicenter["corr_60d"] == pytest.approx(1.0) and epicenter["beta_to_epicenter"] == pytest.approx(1.0)


# ------------------------------------------------------------------ planted synthetic shock


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("planted") / "data"
    truth = planted_lake.write_lake(data_dir)
    # build: the seed of curated events too (the marts' data tests run on the case study)
    dbt(data_dir, "--select", "+fct_shock_spillover", "--exclude-resource-type", "test", "unit_test", command="build")
    return data_dir / "warehouse" / "build.duckdb", truth


def test_a_planted_shock_is_recovered_exactly(planted):
    db, truth = planted
    day = planted_lake.SHOCK_DAY
    row = frame(db, "select * from marts.fct_abnormal_returns where ticker = 'AAA' and trade_date = ?", [day]).iloc[0]
    k = truth["shock_index"]
    noise = truth["noise"][k - 250 : k - 10]
    sigma = math.sqrt(noise @ noise / 238)
    assert row["estimation_obs"] == 240
    assert close(row["alpha"], planted_lake.ALPHA) and close(row["beta"], planted_lake.BETA)
    assert close(row["resid_std"], sigma) and close(row["ar_market_model"], planted_lake.PLANTED_AR)
    assert close(row["sar"], planted_lake.PLANTED_AR / sigma, 1e-7)
    spy = truth["returns"]["SPY"][k]
    assert close(
        row["ar_market_adjusted"], planted_lake.ALPHA + (planted_lake.BETA - 1) * spy + planted_lake.PLANTED_AR
    )

    shock = frame(db, "select * from marts.fct_shocks where trade_date = ?", [day]).iloc[0]
    prev_close = 100.0 * np.prod(1.0 + truth["returns"]["AAA"][1:k])
    assert shock["epicenter_ticker"] == "AAA" and shock["members"].split(",")[0] == "AAA"
    assert shock["epicenter_abnormal_value_usd"] == pytest.approx(
        planted_lake.PLANTED_AR * planted_lake.AAA_SHARES * prev_close, rel=1e-9
    )
    assert shock["dossier_path"] == f"reports/shocks/{day}-AAA.html"

    study = frame(
        db,
        "select * from marts.fct_event_study where event_id = ? and ticker = 'AAA'",
        [shock["shock_id"]],
    ).set_index("window_name")
    assert close(study.loc["[0,0]", "car_market_model"], planted_lake.PLANTED_AR)
    assert close(study.loc["[0,0]", "t_stat"], planted_lake.PLANTED_AR / sigma, 1e-7)
    # [0,+1] adds day +1's planted noise: the day-0 model applies to the whole window
    assert close(study.loc["[0,+1]", "car_market_model"], planted_lake.PLANTED_AR + truth["noise"][k + 1])
    assert close(
        study.loc["[0,+1]", "t_stat"], (planted_lake.PLANTED_AR + truth["noise"][k + 1]) / (sigma * math.sqrt(2)), 1e-7
    )
    assert study["is_partial"].sum() == 0
    # the benchmark is never studied; CCC (a hole in its history) still is
    assert set(frame(db, "select distinct ticker from marts.fct_event_study")["ticker"]) == {"AAA", "BBB", "CCC"}
    spill = frame(db, "select * from marts.fct_shock_spillover where shock_id = ?", [shock["shock_id"]])
    assert spill.set_index("ticker").loc["AAA", "is_epicenter"]
    assert close(spill.set_index("ticker").loc["AAA", "car_0_1"], study.loc["[0,+1]", "car_market_model"])


def test_windows_at_the_end_of_the_lake_are_partial(planted):
    db, truth = planted
    last = truth["days"][-1]
    rows = frame(
        db,
        "select window_name, sessions, is_partial from marts.fct_event_study where event_date = ? and ticker = 'BBB'",
        [last],
    )
    if rows.empty:  # no shock on the last session of this lake: check the latest one
        rows = frame(
            db,
            """select window_name, sessions, is_partial, event_date from marts.fct_event_study
               where ticker = 'BBB' and event_date = (select max(event_date) from marts.fct_event_study)""",
        )
        last_day = rows["event_date"].iloc[0]
        left = len(truth["days"]) - 1 - truth["days"].index(pd.Timestamp(last_day).date())
    else:
        left = 0
    for _, r in rows.iterrows():
        end = {"[0,0]": 0, "[0,+1]": 1, "[-1,+1]": 1, "[0,+5]": 5, "[0,+10]": 10}[r["window_name"]]
        start = -1 if r["window_name"] == "[-1,+1]" else 0
        assert r["is_partial"] == (end > left)
        assert r["sessions"] == min(end, left) - start + 1


# --------------------------------------------------------------------- window == full build


# every mart that follows the price window, in a stable order (all its columns)
MARTS_IN_ORDER = {
    "marts.fct_abnormal_returns": "ticker, trade_date",
    "main.int_shock_days": "trade_date",
    "marts.fct_shocks": "trade_date",
    "marts.fct_event_study": "event_id, ticker, window_name",
    "marts.fct_shock_spillover": "shock_id, ticker",
}


def marts(db: Path) -> dict[str, pd.DataFrame]:
    return {name: frame(db, f"select * from {name} order by {order}") for name, order in MARTS_IN_ORDER.items()}


def _compiled_sql(data_dir: Path, model: str = "fct_abnormal_returns") -> str:
    return (data_dir / "target" / "compiled" / "shockwatch" / "models" / "marts" / f"{model}.sql").read_text()


def _compiled_scan_from(data_dir: Path) -> str:
    return _compiled_sql(data_dir).split("where trade_date >= date '")[1][:10]


def test_window_runs_equal_full_rebuilds(planted, tmp_path):
    """Starts from the planted lake's full build (a copy: the fixture stays as it was). The full
    rebuild to compare with is `--full-refresh` in the same data dir with the same vars (so dbt
    re-parses the project, ~12 s, only once per window)."""
    inc = tmp_path / "data"
    shutil.copytree(planted[0].parent.parent, inc)
    db = inc / "warehouse" / "build.duckdb"
    days = planted_lake.sessions()

    def window_run_equals_full_rebuild(start: dt.date, end: dt.date) -> tuple[str, bool]:
        """(the first date the window run read, whether it summed the estimation windows by
        the join of a few sessions rather than by the sliding window)"""
        args = ("--select", "+fct_shock_spillover", "--vars", f'{{"prices_start": "{start}", "prices_end": "{end}"}}')
        dbt(inc, *args)
        scan_from, windowed = _compiled_scan_from(inc), marts(db)
        by_join = "row_in_scan" in _compiled_sql(inc)
        assert "date '" in _compiled_sql(inc, "fct_event_study")  # really a window run of the event marts
        dbt(inc, *args, "--full-refresh")
        assert "where trade_date >= date" not in _compiled_sql(inc)  # really a full rebuild
        for name, rebuilt in marts(db).items():
            assert len(rebuilt) > 0, name
            pd.testing.assert_frame_equal(windowed[name], rebuilt, check_exact=True, obj=name)  # bit for bit
        return scan_from, by_join

    def bump(f: pd.DataFrame, tickers=("AAA", "BBB", "CCC", "SPY")) -> pd.DataFrame:
        hit = f["ticker"].isin(tickers)
        return f.assign(
            close=np.where(hit, f["close"] * 1.01, f["close"]),
            adj_close=np.where(hit, f["adj_close"] * 1.01, f["adj_close"]),
        )

    # A corrected session in the middle (its return, the next one's and 250 sessions of
    # estimates change) and the benchmark corrected on the shock day (every company's estimates
    # after it move), re-run as one window; CCC's hole lies within the 260 sessions before it,
    # so the whole history is read.
    planted_lake.edit_prices(inc, days[300], bump)
    planted_lake.edit_prices(inc, planted_lake.SHOCK_DAY, lambda f: bump(f, ("SPY",)))
    assert window_run_equals_full_rebuild(days[300], planted_lake.SHOCK_DAY) == ("0001-01-01", False)

    # the last session corrected (a daily run): only the 260 sessions before it are read, and
    # only its rows are summed (the join)
    planted_lake.edit_prices(inc, days[-1], bump)
    assert window_run_equals_full_rebuild(days[-1], days[-1]) == (days[-261].isoformat(), True)

    # a crash five sessions before the end (AAA -30% for one session, so the next one rebounds):
    # two new shocks whose event windows run past the lake's end; only recent events are
    # recomputed (day 0 from 10 sessions before the window on)
    def crash(f: pd.DataFrame) -> pd.DataFrame:
        hit = f["ticker"] == "AAA"
        return f.assign(
            close=np.where(hit, f["close"] * 0.7, f["close"]),
            adj_close=np.where(hit, f["adj_close"] * 0.7, f["adj_close"]),
        )

    planted_lake.edit_prices(inc, days[-5], crash)
    assert window_run_equals_full_rebuild(days[-5], days[-5])[1]  # five sessions to the end: still the join
    shocks = frame(db, "select trade_date, epicenter_ticker from marts.fct_shocks where trade_date >= ?", [days[-5]])
    assert [(d.date(), t) for d, t in shocks.itertuples(index=False, name=None)] == [
        (days[-5], "AAA"),
        (days[-4], "AAA"),
    ]
    dbt(
        inc,
        "--select",
        "+fct_shock_spillover",
        "--vars",
        f'{{"prices_start": "{days[-5]}", "prices_end": "{days[-5]}"}}',
    )
    assert f"where s.trade_date >= date '{days[-15]}'" in _compiled_sql(inc, "fct_event_study")

    # a news-type run (no price session): nothing to recompute, the marts stay as they are
    window_run_equals_full_rebuild(dt.date(9999, 12, 31), dt.date(9999, 12, 31))
