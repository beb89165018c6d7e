"""YFinanceCapexSource against yfinance's quarterly cash-flow statement in its real shape.

`Ticker.quarterly_cashflow` (yfinance 1.7: `get_cash_flow(pretty=True, freq="quarterly")`) is a
DataFrame whose index holds the line items' pretty names ("Capital Expenditure", "Free Cash
Flow", ...), whose columns are period-end Timestamps newest first, with outflows negative,
plain USD floats and NaN where Yahoo has no figure (it pads with an all-NaN oldest quarter).
The fake handles below serve exactly that, plus `get_info()` for the reporting currency.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import requests

from dagster_project.sources.capex import CAPEX_COLUMNS, CapexFetchError
from dagster_project.sources.capex.live import YFinanceCapexSource

START, END = dt.date(2024, 1, 1), dt.date(2025, 7, 7)


def statement(rows: dict[str, list[float]], ends: list[str]) -> pd.DataFrame:
    """A quarterly_cashflow frame: rows are line items, columns period-end Timestamps (newest first)."""
    return pd.DataFrame(rows, index=[pd.Timestamp(e) for e in ends]).T


# META as Yahoo serves it: Q2 2025 first, an all-NaN padding quarter last (2024-03-31), and a
# quarter (2024-06-30) where Yahoo has other lines but no capex.
META_ENDS = ["2025-06-30", "2025-03-31", "2024-12-31", "2024-09-30", "2024-06-30", "2024-03-31"]
META = statement(
    {
        "Free Cash Flow": [8.55e9, 10.33e9, 13.15e9, 15.52e9, 10.90e9, np.nan],
        "Capital Expenditure": [-17.01e9, -13.69e9, -14.425e9, -8.258e9, np.nan, np.nan],
        "Operating Cash Flow": [25.56e9, 24.03e9, 27.99e9, 24.72e9, 19.37e9, np.nan],
    },
    META_ENDS,
)


class Handle:
    """A yfinance Ticker stand-in serving a recorded statement (or raising the scripted failures)."""

    def __init__(self, cashflow=None, currency="USD", failures=()):
        self._cashflow = cashflow
        self.currency = currency
        self.failures = list(failures)
        self.calls = 0

    @property
    def quarterly_cashflow(self):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self._cashflow if self._cashflow is not None else pd.DataFrame()

    def get_info(self):
        return {"financialCurrency": self.currency}


def source(handles: dict[str, Handle], sleeps: list | None = None) -> YFinanceCapexSource:
    return YFinanceCapexSource(
        sleep=(sleeps if sleeps is not None else []).append, ticker_factory=lambda symbol, session: handles[symbol]
    )


def test_capex_becomes_a_positive_usd_spend_per_quarter_and_a_nan_hole_stays_a_missing_spend():
    rows = source({"META": Handle(META)}).fetch([" meta "], START, END)

    assert list(rows.columns) == CAPEX_COLUMNS
    assert rows["period_end"].tolist() == [
        dt.date(2024, 6, 30),
        dt.date(2024, 9, 30),
        dt.date(2024, 12, 31),
        dt.date(2025, 3, 31),
        dt.date(2025, 6, 30),
    ]  # padding quarter dropped
    spend = dict(zip(rows["period_end"].astype(str), rows["capex_usd"]))
    assert spend["2024-12-31"] == 14_425_000_000 and spend["2025-06-30"] == 17_010_000_000
    assert np.isnan(spend["2024-06-30"])  # kept, so the checks quarantine it with a reason
    assert set(rows["ticker"]) == {"META"} and set(rows["currency"]) == {"USD"}
    assert rows["filing_date"].isna().all()  # Yahoo does not say: known_from waits (dbt)


def test_the_window_filters_period_ends_and_a_positive_capex_line_becomes_a_negative_spend():
    sale = statement({"Capital Expenditure": [1.5e8, -2.0e9]}, ["2024-12-31", "2023-12-31"])
    rows = source({"XYZ": Handle(sale)}).fetch(["XYZ"], START, END)
    assert rows[["period_end", "capex_usd"]].values.tolist() == [[dt.date(2024, 12, 31), -150_000_000.0]]


def test_a_foreign_filer_keeps_its_reporting_currency_for_the_checks_to_refuse():
    twd = statement({"Capital Expenditure": [-3.6e11]}, ["2024-12-31"])
    rows = source({"TSM": Handle(twd, currency="TWD")}).fetch(["TSM"], START, END)
    assert rows["currency"].tolist() == ["TWD"]


def test_a_ticker_without_statement_or_capex_line_fails_at_once_and_the_others_still_arrive():
    bank = statement({"Free Cash Flow": [1e9]}, ["2024-12-31"])
    handles = {"META": Handle(META), "JPM": Handle(bank), "NONE": Handle(None)}
    with pytest.raises(CapexFetchError) as caught:
        source(handles).fetch(["META", "JPM", "NONE"], START, END)

    error = caught.value
    assert error.tickers == ["JPM", "NONE"] and not error.transient
    assert "JPM: no 'Capital Expenditure' line" in str(error)
    assert "NONE: Yahoo has no quarterly cash-flow statement" in str(error)
    assert handles["JPM"].calls == 1 and handles["NONE"].calls == 1  # definitive: never retried
    assert set(error.rows["ticker"]) == {"META"}


def test_a_timeout_is_retried_with_backoff_then_succeeds():
    flaky = Handle(
        META, failures=[requests.exceptions.ReadTimeout("read timed out"), requests.ConnectionError("reset")]
    )
    sleeps: list = []
    rows = source({"META": flaky}, sleeps).fetch(["META"], START, END)
    assert flaky.calls == 3 and len(sleeps) == 2 and len(rows) == 5


def test_a_timeout_on_every_attempt_is_reported_as_transient():
    down = Handle(META, failures=[requests.exceptions.ReadTimeout("read timed out")] * 3)
    with pytest.raises(CapexFetchError) as caught:
        source({"META": down}).fetch(["META"], START, END)
    assert caught.value.transient and "ReadTimeout" in str(caught.value) and down.calls == 3


# --------------------------------------------------------------------------- through yfinance
# The same adapter with its real yfinance handle, against the fake Yahoo (tests/sources/yahoo_fake.py):
# yfinance builds `quarterly_cashflow` from the fundamentals time series and `info` from
# quoteSummary, exactly as it does against Yahoo.

META_SERIES = {
    "CapitalExpenditure": {"2024-12-31": -14.425e9, "2024-09-30": -8.258e9, "2024-06-30": None},
    "FreeCashFlow": {"2024-12-31": 13.15e9, "2024-09-30": 15.52e9, "2024-06-30": 10.90e9},
}


def real_source(session, sleeps):
    return YFinanceCapexSource(session=session, sleep=sleeps.append)


def test_through_yfinance_the_statement_becomes_positive_usd_quarters(make_session, sleeps):
    session = make_session(cashflow={"META": META_SERIES}, quotes={"META": {"financialCurrency": "USD"}})
    rows = real_source(session, sleeps).fetch(["META"], START, END)

    spend = dict(zip(rows["period_end"].astype(str), rows["capex_usd"]))
    assert spend["2024-12-31"] == 14_425_000_000 and spend["2024-09-30"] == 8_258_000_000
    assert np.isnan(spend["2024-06-30"])  # Yahoo left the line out for that quarter
    assert set(rows["currency"]) == {"USD"} and not sleeps
    assert any("quarterlyCapitalExpenditure" in c.params["type"] for c in session.calls("timeseries", "META"))


def test_through_yfinance_a_symbol_without_statement_is_a_definitive_no(make_session, sleeps):
    session = make_session(cashflow={"META": META_SERIES}, quotes={"META": {"financialCurrency": "USD"}})
    with pytest.raises(CapexFetchError) as caught:
        real_source(session, sleeps).fetch(["META", "ZZZZ"], START, END)

    assert caught.value.tickers == ["ZZZZ"] and not caught.value.transient and not sleeps
    assert "ZZZZ: Yahoo has no quarterly cash-flow statement" in str(caught.value)
    assert set(caught.value.rows["ticker"]) == {"META"}


def test_through_yfinance_an_outage_is_named_and_transient(make_session, sleeps):
    session = make_session(
        cashflow={"META": META_SERIES},
        quotes={"META": {"financialCurrency": "USD"}},
        timeseries_failures={"META": [503] * 12},
    )
    with pytest.raises(CapexFetchError) as caught:
        real_source(session, sleeps).fetch(["META"], START, END)

    assert caught.value.transient and "HTTP 503" in str(caught.value)
    assert len(sleeps) == 2  # three attempts
