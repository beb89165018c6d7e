"""The case-study price replay: the bundled daily bars (case_study/prices_daily.csv).

Replay is chosen by configuration (SHOCKWATCH_SOURCE_MODE=replay), never as a fallback.
A request outside the bundle's dates returns no rows; the raw assets turn that into a
clear error rather than silently writing an empty partition.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path

import pandas as pd

from dagster_project.sources.prices.schema import PRICE_COLUMNS


class CaseStudyPriceSource:
    name = "case_study"

    def __init__(self, case_study_dir: Path):
        self.path = Path(case_study_dir) / "prices_daily.csv"

    @cached_property
    def _bars(self) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(f"case-study prices not found at {self.path}")
        frame = pd.read_csv(self.path, dtype={"ticker": str, "price_basis": str})
        frame["trade_date"] = pd.to_datetime(frame["trade_date"]).dt.date
        frame["volume"] = frame["volume"].astype("Int64")
        frame["source"] = "case_study:" + frame["origin"]
        return frame

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        bars = self._bars
        rows = bars[bars["ticker"].isin(tickers) & (bars["trade_date"] >= start) & (bars["trade_date"] <= end)].copy()
        rows["fetched_at"] = pd.Timestamp.now(tz="UTC")
        return rows[PRICE_COLUMNS].reset_index(drop=True)
