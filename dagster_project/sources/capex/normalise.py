"""yfinance's quarterly cash-flow statement -> rows in CAPEX_COLUMNS.

The statement (`Ticker.quarterly_cashflow`) is a DataFrame whose rows are line items
("Capital Expenditure", "Free Cash Flow", ...) and whose columns are the period-end Timestamps,
newest first. Its quirks, all handled here:
- outflows are negative: capex is reported as -14.4e9, and becomes a positive spend; a positive
  "Capital Expenditure" (a net inflow) becomes a negative spend, which the checks quarantine;
- values are plain US-dollar floats for a USD reporter (no thousands, no millions); a foreign
  filer's are in its own currency, which the row carries (`currency`) so the checks can refuse it;
- Yahoo pads the statement with quarters it has no data for: a column where every line item is
  NaN is dropped; a NaN capex in a quarter that has other lines is kept as a missing spend, so
  the checks quarantine it with a reason instead of the quarter silently vanishing;
- a quarter Yahoo repeats (same period end twice) is kept twice: the duplicate-period check
  decides, so a conflict is never resolved by column order.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dagster_project.sources.capex.schema import CAPEX_COLUMNS

CAPEX_LINE = "Capital Expenditure"


def normalise_quarterly_cashflow(
    ticker: str,
    statement: pd.DataFrame | None,
    currency: str | None,
    start: dt.date,
    end: dt.date,
    fetched_at: pd.Timestamp,
) -> pd.DataFrame:
    """The quarters of one ticker's statement whose period ends between start and end.
    Raises KeyError when the statement has quarters but no capex line at all."""
    if statement is None or statement.empty:
        return pd.DataFrame(columns=CAPEX_COLUMNS)
    reported = statement.loc[:, statement.notna().any(axis=0)]
    if reported.empty:
        return pd.DataFrame(columns=CAPEX_COLUMNS)
    if CAPEX_LINE not in reported.index:
        raise KeyError(f"{ticker}: no {CAPEX_LINE!r} line in the quarterly cash-flow statement")
    line = reported.loc[CAPEX_LINE]
    if isinstance(line, pd.DataFrame):  # the line item repeated: keep its first occurrence
        line = line.iloc[0]
    period_ends = [pd.Timestamp(column).date() for column in reported.columns]
    spend = -pd.to_numeric(pd.Series(line.to_numpy()), errors="coerce").astype("float64")
    frame = pd.DataFrame({"period_end": period_ends, "capex_usd": spend.to_numpy()})
    frame = frame[(frame["period_end"] >= start) & (frame["period_end"] <= end)]
    frame = frame.assign(
        ticker=ticker,
        fiscal_year=pd.array([pd.NA] * len(frame), dtype="Int32"),
        fiscal_quarter=pd.array([pd.NA] * len(frame), dtype="Int32"),
        calendar_quarter=None,
        finance_lease_principal_usd=float("nan"),  # the statement has no separate finance-lease line
        currency=(currency or "").upper() or None,
        filing_date=None,  # Yahoo does not say when a quarter was filed: known_from waits (dbt)
        form="yahoo_quarterly_cashflow",
        source_url=None,
        source="yfinance",
        fetched_at=fetched_at,
    )
    return frame.sort_values("period_end")[CAPEX_COLUMNS].reset_index(drop=True)
