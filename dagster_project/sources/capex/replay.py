"""The case-study capex replay: the bundled 10-Q/10-K figures (case_study/capex_quarterly.csv).

The bundle is in millions of US dollars, as the filings print them, and already per quarter
(the filings' year-to-date figures are differenced in the bundle; see case_study/PROVENANCE.md).
Replay is chosen by configuration (SHOCKWATCH_SOURCE_MODE=replay), never as a fallback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from dagster_project.sources.capex.schema import CAPEX_COLUMNS

MILLION = 1_000_000.0


class CaseStudyCapexSource:
    name = "case_study"

    def __init__(self, case_study_dir: Path):
        self.path = Path(case_study_dir) / "capex_quarterly.csv"

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(f"case-study capex not found at {self.path}")
        frame = pd.read_csv(self.path, dtype={"ticker": str, "fiscal_year": "Int32", "fiscal_quarter": "Int32"})
        for column in ("period_end", "filing_date"):
            frame[column] = pd.to_datetime(frame[column]).dt.date
        frame["filing_date"] = frame["filing_date"].where(frame["filing_date"].notna(), None)
        frame = frame[frame["ticker"].isin(tickers) & frame["period_end"].between(start, end)].copy()
        frame["capex_usd"] = frame["capex_millions_usd"].astype("float64") * MILLION
        frame["finance_lease_principal_usd"] = frame["finance_lease_principal_millions_usd"].astype("float64") * MILLION
        frame["calendar_quarter"] = None  # the raw asset derives it, for every source alike
        frame["currency"] = "USD"
        frame["source"] = "case_study:" + frame["form"].astype(str)
        frame["fetched_at"] = pd.Timestamp.now(tz="UTC")
        return frame[CAPEX_COLUMNS].reset_index(drop=True)
