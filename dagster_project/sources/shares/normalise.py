"""yfinance's `get_shares_full()` series -> rows in SHARES_COLUMNS.

Its index has shifted hours (we keep the date) and may repeat a date (we keep the last
count of the day); counts that are not positive numbers are dropped with a warning.
"""

from __future__ import annotations

import logging

import pandas as pd

from dagster_project.sources.shares.schema import SHARES_COLUMNS

log = logging.getLogger(__name__)


def normalise_shares_full(ticker: str, series: pd.Series | None, fetched_at: pd.Timestamp) -> pd.DataFrame:
    if series is None or len(series) == 0:
        return pd.DataFrame(columns=SHARES_COLUMNS)
    frame = pd.DataFrame({"as_of_date": pd.to_datetime(series.index).date, "shares": series.values})
    usable = pd.to_numeric(frame["shares"], errors="coerce") > 0
    if not usable.all():
        bad = frame[~usable]
        log.warning(
            "%s: dropped %d share count(s) that are not positive numbers: %s",
            ticker,
            len(bad),
            ", ".join(f"{d} ({v!r})" for d, v in zip(bad["as_of_date"], bad["shares"]))[:300],
        )
    frame = frame[usable]
    # Several counts on one date: keep the last reported one.
    frame = frame.groupby("as_of_date", as_index=False).last()
    frame["ticker"] = ticker
    frame["filing_date"] = None
    frame["shares"] = frame["shares"].astype("int64")
    frame["shares_diluted"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["basis_factor"] = 1.0
    frame["measure"] = "yahoo_shares_full"
    frame["source"] = "yfinance"
    frame["fetched_at"] = fetched_at
    return frame[SHARES_COLUMNS]
