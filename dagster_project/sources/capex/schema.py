"""The capex interface: the raw schema, the error and the CapexSource protocol."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pandas as pd
import pyarrow as pa

# What a source gives; the raw asset fills the fiscal and calendar columns from the watchlist's
# fiscal calendar (dagster_project/lib/fiscal_calendar.py) where the source does not state them.
CAPEX_COLUMNS = [
    "ticker",
    "period_end",
    "fiscal_year",
    "fiscal_quarter",
    "calendar_quarter",
    "capex_usd",
    "finance_lease_principal_usd",
    "currency",
    "filing_date",
    "form",
    "source_url",
    "source",
    "fetched_at",
]
CAPEX_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("period_end", pa.date32()),  # the last day of the fiscal quarter, as filed
        ("fiscal_year", pa.int32()),  # named after the calendar year the fiscal year ends in
        ("fiscal_quarter", pa.int32()),
        ("calendar_quarter", pa.string()),  # '2024-Q4', by the nominal month end of period_end
        # cash spent on property and equipment in the quarter (not year to date), as a positive
        # number; a source's sign convention (yfinance: negative outflows) stays in its adapter
        ("capex_usd", pa.float64()),
        # principal payments on finance leases, where the filing reports them (null otherwise)
        ("finance_lease_principal_usd", pa.float64()),
        ("currency", pa.string()),  # the reporting currency; only USD passes the checks
        ("filing_date", pa.date32()),  # when the quarter became public; null if unknown
        ("form", pa.string()),  # 10-Q, 10-K, or the vendor's name for it
        ("source_url", pa.string()),  # the filing document, where known
        ("source", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


class CapexFetchError(RuntimeError):
    """Some tickers have no capex; the message names them and the cause. `rows` holds the
    quarters of the tickers that did arrive (CAPEX_COLUMNS; empty when none did)."""

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
        self.rows = rows if rows is not None else pd.DataFrame(columns=CAPEX_COLUMNS)


class CapexSource(Protocol):
    name: str

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Quarters of `tickers` whose period ends between start and end, in CAPEX_COLUMNS."""
