"""The live share-count source: yfinance's fundamentals time series, `fast_info` as fallback.

`get_shares_full()` may return None; we then fall back to `fast_info['shares']` dated the day
we fetched it. yfinance 1.7 specifics (see tests/sources/shares/test_live.py):
- when Yahoo has no share-count history it answers `{"timeseries": {"result": []}}` and
  `get_shares_full()` raises IndexError on `result[0]` instead of returning None (guarded
  upstream only after 1.7); we read that as "no history", not as a failure to retry.
- `fast_info['shares']` is not a separate source: it is `get_shares_full()` over the 548 days
  before *now*, last value. It rescues a window with no counts, not a ticker with none.
- "no count anywhere" is a definitive answer: it is reported at once, not retried. To tell it
  from a timeout (which yfinance would otherwise hide and turn into None), we run with
  yfinance's exceptions shown (see yfinance_plumbing.yfinance_exceptions_shown).
- past-dated fundamentals requests go through yfinance's response cache; it is cleared before
  a retry so the retry asks Yahoo again (see yfinance_plumbing.forget_yfinance_responses).
- an HTTP 5xx on the fundamentals request surfaces as `KeyError: 'timeseries'` (yfinance
  parses the error body); the status is recorded (yfinance_plumbing.yahoo_http_errors) and
  named in the cause, so an outage reads "HTTP 503 ..." and is classified as transient.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from dagster_project.sources.retry import Sleep, backoff_delays, default_sleep
from dagster_project.sources.shares.normalise import normalise_shares_full
from dagster_project.sources.shares.schema import SHARES_COLUMNS, SharesFetchError
from dagster_project.sources.yfinance_plumbing import (
    forget_yfinance_responses,
    http_errors_for,
    looks_transient,
    normalise_tickers,
    yahoo_http_errors,
    yfinance_exceptions_shown,
)

log = logging.getLogger(__name__)


class _NoShareCount(SharesFetchError):
    """Yahoo answered, and has no count for this ticker: retrying cannot change that."""


class YFinanceSharesSource:
    """Live share counts through yfinance's fundamentals time series."""

    name = "yfinance"

    def __init__(
        self,
        session=None,
        timeout_s: float = 20.0,
        attempts: int = 3,
        base_delay_s: float = 2.0,
        sleep: Sleep = default_sleep,
    ):
        self.session = session
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.sleep = sleep

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        frames, failed, transient = [], {}, {}
        for ticker in normalise_tickers(tickers):
            try:
                frames.append(self._fetch_one(ticker, start, end))
            except Exception as exc:  # noqa: BLE001 - collected and reported by name below
                failed[ticker] = str(exc) if isinstance(exc, SharesFetchError) else f"{type(exc).__name__}: {exc}"
                transient[ticker] = not isinstance(exc, _NoShareCount) and looks_transient(failed[ticker])
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SHARES_COLUMNS)
        if failed:
            detail = "; ".join(f"{t}: {c}" for t, c in failed.items())
            raise SharesFetchError(
                f"shares outstanding unavailable for {', '.join(failed)} between {start} and {end} ({detail})",
                tickers=list(failed),
                transient=all(transient.values()),
                rows=rows,
            )
        return rows

    def _fetch_one(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        import yfinance as yf

        delays = backoff_delays(self.attempts, self.base_delay_s)
        for attempt in range(self.attempts):
            try:
                # exceptions shown, else a timeout reads as "no count" (None); statuses recorded,
                # else a 5xx reads as KeyError
                with yfinance_exceptions_shown(), yahoo_http_errors() as statuses:
                    return self._fetch_once(yf.Ticker(ticker, session=self.session), ticker, start, end)
            except _NoShareCount:
                raise
            except Exception as exc:  # noqa: BLE001
                http = http_errors_for(ticker, statuses, "/fundamentals-timeseries/")
                if http and not isinstance(exc, SharesFetchError):
                    exc = SharesFetchError(
                        f"{http} ({type(exc).__name__}: {exc})", tickers=[ticker], transient=looks_transient(http)
                    )
                response = getattr(exc, "response", None)
                if getattr(response, "status_code", None) == 404:  # Yahoo does not know the symbol
                    where = str(getattr(response, "url", "")).split("?")[0]
                    raise _NoShareCount(f"{ticker}: HTTP 404 from {where}", tickers=[ticker]) from exc
                if attempt == self.attempts - 1:
                    raise exc
                log.warning("shares %s attempt %d failed (%s); retrying", ticker, attempt + 1, exc)
                forget_yfinance_responses()
                self.sleep(delays[attempt])
        raise AssertionError("unreachable")

    @staticmethod
    def _fetch_once(handle, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        now = pd.Timestamp.now(tz="UTC")
        try:
            series = handle.get_shares_full(start=start.isoformat(), end=(end + dt.timedelta(days=1)).isoformat())
        except IndexError:  # yfinance 1.7 on `timeseries.result == []`: no history in the window
            series = None
        frame = normalise_shares_full(ticker, series, now)
        if not frame.empty:
            return frame
        try:
            shares = handle.fast_info["shares"]  # = get_shares_full() over the last 548 days
        except IndexError:  # same empty `timeseries.result`
            shares = None
        if not shares or shares <= 0:
            raise _NoShareCount(f"{ticker}: no share count in fundamentals or fast_info", tickers=[ticker])
        log.info("%s: no share history; using fast_info count %s as of %s", ticker, shares, now.date())
        return pd.DataFrame(
            [
                {
                    # a count Yahoo serves now is public now: its filing date is the fetch date
                    "ticker": ticker,
                    "as_of_date": now.date(),
                    "filing_date": now.date(),
                    "shares": int(shares),
                    "shares_diluted": pd.NA,
                    "basis_factor": 1.0,
                    "measure": "yahoo_fast_info",
                    "source": "yfinance",
                    "fetched_at": now,
                }
            ]
        )[SHARES_COLUMNS]
