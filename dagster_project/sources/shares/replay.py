"""The case-study share-count replay: the bundled counts (case_study/shares_outstanding.csv).

Replay is chosen by configuration (SHOCKWATCH_SOURCE_MODE=replay), never as a fallback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from dagster_project.sources.shares.schema import SHARES_COLUMNS


class CaseStudySharesSource:
    name = "case_study"

    def __init__(self, case_study_dir: Path):
        self.path = Path(case_study_dir) / "shares_outstanding.csv"

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(f"case-study shares not found at {self.path}")
        frame = pd.read_csv(self.path, dtype={"ticker": str, "shares": "Int64", "shares_diluted": "Int64"})
        for column in ("as_of_date", "filing_date"):
            frame[column] = pd.to_datetime(frame[column]).dt.date
        frame["filing_date"] = frame["filing_date"].where(frame["filing_date"].notna(), None)
        frame = frame[frame["ticker"].isin(tickers) & (frame["as_of_date"] <= end)].copy()
        # older bundles (and small test bundles) may leave out the optional columns
        frame["shares_diluted"] = frame.get("shares_diluted", pd.Series(pd.NA, index=frame.index, dtype="Int64"))
        frame["basis_factor"] = frame.get("basis_factor", pd.Series(1.0, index=frame.index)).fillna(1.0).astype(float)
        frame["source"] = "case_study:" + frame["source_document"].fillna("").astype(str)
        frame["fetched_at"] = pd.Timestamp.now(tz="UTC")
        return frame[SHARES_COLUMNS].reset_index(drop=True)
