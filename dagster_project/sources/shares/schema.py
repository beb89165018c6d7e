"""The share-count interface: the raw schema, the error and the SharesSource protocol."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pandas as pd
import pyarrow as pa

SHARES_COLUMNS = [
    "ticker",
    "as_of_date",
    "filing_date",
    "shares",
    "shares_diluted",
    "basis_factor",
    "measure",
    "source",
    "fetched_at",
]
SHARES_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("as_of_date", pa.date32()),
        ("filing_date", pa.date32()),  # when the count became public; null if unknown
        ("shares", pa.int64()),  # as reported on as_of_date (before any later split)
        # the same period's weighted-average diluted count, where the source has it: a basic
        # count above it is impossible, so the checks compare the two
        ("shares_diluted", pa.int64()),
        # what puts `shares` on the basis of the listed price series (split-adjusted closes of
        # the listed share or ADS): the split ratios after as_of_date that the count does not
        # yet reflect, times the ADS ratio where a count is of ordinary shares (TSM: 1/5);
        # 1.0 when the count is already on that basis
        ("basis_factor", pa.float64()),
        ("measure", pa.string()),
        ("source", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


class SharesFetchError(RuntimeError):
    """Some tickers have no share count; the message names them and the cause. `rows` holds
    the counts of the tickers that did arrive (SHARES_COLUMNS; empty when none did)."""

    def __init__(
        self,
        message: str,
        tickers: list[str] | None = None,
        transient: bool = False,
        rows: pd.DataFrame | None = None,
    ):
        super().__init__(message)
        self.tickers = list(tickers or [])
        self.transient = transient
        self.rows = rows if rows is not None else pd.DataFrame(columns=SHARES_COLUMNS)


class SharesSource(Protocol):
    name: str

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Share counts known for `tickers` between start and end, in SHARES_COLUMNS."""
