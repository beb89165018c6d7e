"""The live capex source: yfinance's quarterly cash-flow statement ("Capital Expenditure").

yfinance 1.7 specifics (see tests/sources/capex/test_live.py and normalise.py):
- `Ticker.quarterly_cashflow` asks Yahoo's fundamentals time series; Yahoo keeps only the last
  five or so quarters, so a backfill of older quarters gets nothing from here and the lake keeps
  what it had (replay or earlier runs) for them;
- an empty statement, or one without a capex line (a bank), is a definitive answer: reported
  at once, not retried. With yfinance's exceptions shown, a symbol Yahoo has no statement for
  raises `YFException("Empty fundamentals-timeseries result")` (yfinance retries it once in
  chunks first); that too means "no capex", unless the responses were HTTP errors: Yahoo's 5xx
  page parses as the same "empty" result, and is then reported as the outage it is (transient);
- the reporting currency is not in the statement; it is `info['financialCurrency']` (TSM
  reports TWD, while its ADS trades in USD), read in the same attempt;
- failures are told transient from permanent as for prices and shares (yfinance_plumbing).
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from dagster_project.sources.capex.normalise import normalise_quarterly_cashflow
from dagster_project.sources.capex.schema import CAPEX_COLUMNS, CapexFetchError
from dagster_project.sources.retry import Sleep, backoff_delays, default_sleep
from dagster_project.sources.yfinance_plumbing import (
    forget_yfinance_responses,
    http_errors_for,
    looks_transient,
    normalise_tickers,
    yahoo_http_errors,
    yfinance_exceptions_shown,
)

log = logging.getLogger(__name__)


class _NoCapex(CapexFetchError):
    """Yahoo answered, and has no capex for this ticker: retrying cannot change that."""


EMPTY_STATEMENT = "Empty fundamentals-timeseries result"


def _yfinance_ticker(symbol: str, session=None):
    import yfinance as yf

    return yf.Ticker(symbol, session=session)


class YFinanceCapexSource:
    """Live quarterly capex through yfinance. `ticker_factory(symbol, session)` makes the
    yfinance handle (tests pass handles that serve recorded statements)."""

    name = "yfinance"

    def __init__(
        self,
        session=None,
        attempts: int = 3,
        base_delay_s: float = 2.0,
        sleep: Sleep = default_sleep,
        ticker_factory=_yfinance_ticker,
    ):
        self.session = session
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.sleep = sleep
        self.ticker_factory = ticker_factory

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        frames, failed, transient = [], {}, {}
        for ticker in normalise_tickers(tickers):
            try:
                frames.append(self._fetch_one(ticker, start, end))
            except Exception as exc:  # noqa: BLE001 - collected and reported by name below
                failed[ticker] = str(exc) if isinstance(exc, CapexFetchError) else f"{type(exc).__name__}: {exc}"
                transient[ticker] = not isinstance(exc, _NoCapex) and looks_transient(failed[ticker])
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CAPEX_COLUMNS)
        if failed:
            detail = "; ".join(f"{t}: {c}" for t, c in failed.items())
            raise CapexFetchError(
                f"capex unavailable for {', '.join(failed)} between {start} and {end} ({detail})",
                tickers=list(failed),
                transient=all(transient.values()),
                rows=rows,
            )
        return rows

    def _fetch_one(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        delays = backoff_delays(self.attempts, self.base_delay_s)
        for attempt in range(self.attempts):
            statuses: list = []
            try:
                with yfinance_exceptions_shown(), yahoo_http_errors() as statuses:
                    return self._fetch_once(self.ticker_factory(ticker, self.session), ticker, start, end, statuses)
            except _NoCapex:
                raise
            except Exception as exc:  # noqa: BLE001
                http = http_errors_for(ticker, statuses, "/fundamentals-timeseries/")
                if http and not isinstance(exc, CapexFetchError):
                    exc = CapexFetchError(
                        f"{http} ({type(exc).__name__}: {exc})", tickers=[ticker], transient=looks_transient(http)
                    )
                if attempt == self.attempts - 1 or not looks_transient(f"{type(exc).__name__}: {exc}"):
                    raise exc
                log.warning("capex %s attempt %d failed (%s); retrying", ticker, attempt + 1, exc)
                forget_yfinance_responses()
                self.sleep(delays[attempt])
        raise AssertionError("unreachable")

    @staticmethod
    def _fetch_once(handle, ticker: str, start: dt.date, end: dt.date, statuses: list) -> pd.DataFrame:
        now = pd.Timestamp.now(tz="UTC")
        try:
            statement = handle.quarterly_cashflow
        except Exception as exc:  # noqa: BLE001 - only yfinance's "empty result" is re-read
            if EMPTY_STATEMENT not in str(exc):
                raise
            statement = None
        if statement is None or statement.empty or not statement.notna().any().any():
            # a 5xx error page also parses as "empty": then it is an outage, not an answer
            http = http_errors_for(ticker, statuses, "/fundamentals-timeseries/")
            if http:
                raise CapexFetchError(
                    f"{http} (yfinance read the error page as an empty statement)",
                    tickers=[ticker],
                    transient=looks_transient(http),
                )
            raise _NoCapex(f"{ticker}: Yahoo has no quarterly cash-flow statement", tickers=[ticker])
        currency = (handle.get_info() or {}).get("financialCurrency")
        try:
            return normalise_quarterly_cashflow(ticker, statement, currency, start, end, now)
        except KeyError as exc:
            raise _NoCapex(str(exc).strip("'\""), tickers=[ticker]) from exc
