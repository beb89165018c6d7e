"""A small SYNTHETIC lake with a planted shock, for the event-study marts (made-up figures).

SPY is the benchmark; AAA follows ret = ALPHA + BETA x spy + e with a known noise e, and on
SHOCK_DAY an abnormal return of PLANTED_AR on top. Over AAA's estimation window for that day
(sessions [-250, -11]) the noise is made orthogonal to (1, spy), so OLS there returns exactly
ALPHA and BETA and the residuals are exactly that noise. BBB is a quiet company, CCC one that
is missing from GAP (a ticker with a hole in its history). Prices are not rounded, so the
returns dbt recomputes from them are the planted ones to ~1e-15.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project import datasets
from dagster_project import lake as lake_module
from dagster_project.trading_calendar import sessions_between

FIRST, LAST = dt.date(2023, 6, 1), dt.date(2025, 3, 31)
SHOCK_DAY = dt.date(2025, 1, 21)  # the Tuesday after MLK Day
ALPHA, BETA, PLANTED_AR = 0.0004, 1.5, -0.12
AAA_SHARES, BBB_SHARES = 1_000_000_000, 500_000_000
GAP = range(100, 130)  # CCC has no row on these sessions (indices)
SYNTHETIC = "SYNTHETIC test data"
FETCHED_AT = pd.Timestamp("2026-01-01", tz="UTC")


def sessions() -> list[dt.date]:
    return sessions_between(FIRST, LAST)


def planted_returns() -> dict:
    """Per ticker, the return of every session (index 0 has none: the first close)."""
    days = sessions()
    n = len(days)
    rng = np.random.default_rng(20250127)
    spy = rng.normal(0.0004, 0.01, n)
    noise = rng.normal(0.0, 0.015, n)
    k = days.index(SHOCK_DAY)
    window = slice(k - 250, k - 10)  # rows k-250 .. k-11
    design = np.column_stack([np.ones(240), spy[window]])
    coef, *_ = np.linalg.lstsq(design, noise[window], rcond=None)
    noise[window] -= design @ coef  # orthogonal to (1, spy): OLS there gives ALPHA, BETA exactly
    aaa = ALPHA + BETA * spy + noise
    aaa[k] = ALPHA + BETA * spy[k] + PLANTED_AR
    bbb = 0.0001 + 0.8 * spy + rng.normal(0.0, 0.004, n)
    ccc = 1.1 * spy + rng.normal(0.0, 0.02, n)
    return {
        "days": days,
        "shock_index": k,
        "noise": noise,
        "returns": {"SPY": spy, "AAA": aaa, "BBB": bbb, "CCC": ccc},
    }


def write_lake(data_dir: Path) -> dict:
    """Write <data_dir>/lake (and an empty warehouse dir); returns planted_returns()."""
    planted = planted_returns()
    lake_dir = data_dir / "lake"
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    closes = {t: 100.0 * np.cumprod(np.concatenate([[1.0], 1.0 + r[1:]])) for t, r in planted["returns"].items()}
    for i, day in enumerate(planted["days"]):
        tickers = [t for t in closes if not (t == "CCC" and i in GAP)]
        close = [closes[t][i] for t in tickers]
        frame = pd.DataFrame(
            {
                "ticker": tickers,
                "trade_date": day,
                "open": close,
                "high": close,
                "low": close,
                "close": close,
                "adj_close": close,
                "volume": 1000,
                "price_basis": "split_adjusted",
                "source": SYNTHETIC,
                "fetched_at": FETCHED_AT,
            }
        )
        lake_module.write_parquet_atomic(frame, datasets.PRICES.path(lake_dir, day.isoformat()), datasets.PRICES.schema)
    shares = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB"],
            "as_of_date": [dt.date(2023, 3, 31)] * 2,
            "filing_date": [dt.date(2023, 4, 28)] * 2,
            "shares": [AAA_SHARES, BBB_SHARES],
            "shares_diluted": [None, None],
            "basis_factor": [1.0, 1.0],
            "measure": ["cover_page_shares_outstanding"] * 2,
            "source": [SYNTHETIC] * 2,
            "fetched_at": [FETCHED_AT] * 2,
        }
    )
    lake_module.write_parquet_atomic(shares, datasets.SHARES.path(lake_dir), datasets.SHARES.schema)
    companies = pd.DataFrame(
        {
            "ticker": ["AAA", "BBB", "CCC", "SPY"],
            "company_name": [f"SYNTHETIC {t}" for t in ("AAA", "BBB", "CCC", "SPY")],
            "theme": ["synthetic", "synthetic", "synthetic", "benchmark"],
            "theme_description": [SYNTHETIC] * 4,
            "is_benchmark": [False, False, False, True],
        }
    )
    lake_module.write_parquet_atomic(companies, datasets.COMPANIES.path(lake_dir), datasets.COMPANIES.schema)
    datasets.ensure_readable(lake_dir)
    return planted


def edit_prices(data_dir: Path, day: dt.date, change) -> None:
    path = datasets.PRICES.path(data_dir / "lake", day.isoformat())
    lake_module.write_parquet_atomic(change(pd.read_parquet(path)), path, datasets.PRICES.schema)
