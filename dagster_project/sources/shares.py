"""Shares outstanding: the raw schema, the SharesSource interface and the live yfinance adapter.

yfinance quirks handled here: `get_shares_full()` returns an index whose hours are shifted
(we keep the date), may repeat a date (we keep the last count of the day), or returns None
(we fall back to `fast_info['shares']` dated the day we fetched it).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

import pandas as pd
import pyarrow as pa

from dagster_project.sources.retry import Sleep, backoff_delays, default_sleep

log = logging.getLogger(__name__)

SHARES_COLUMNS = ["ticker", "as_of_date", "filing_date", "shares", "measure", "source", "fetched_at"]
SHARES_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("as_of_date", pa.date32()),
        ("filing_date", pa.date32()),  # when the count became public; null if unknown
        ("shares", pa.int64()),
        ("measure", pa.string()),
        ("source", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)


class SharesFetchError(RuntimeError):
    pass


class SharesSource(Protocol):
    name: str

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Share counts known for `tickers` between start and end, in SHARES_COLUMNS."""


def normalise_shares_full(ticker: str, series: pd.Series | None, fetched_at: pd.Timestamp) -> pd.DataFrame:
    if series is None or len(series) == 0:
        return pd.DataFrame(columns=SHARES_COLUMNS)
    frame = pd.DataFrame({"as_of_date": pd.to_datetime(series.index).date, "shares": series.values})
    frame = frame[pd.to_numeric(frame["shares"], errors="coerce") > 0]
    # Several counts on one date: keep the last reported one.
    frame = frame.groupby("as_of_date", as_index=False).last()
    frame["ticker"] = ticker
    frame["filing_date"] = None
    frame["shares"] = frame["shares"].astype("int64")
    frame["measure"] = "yahoo_shares_full"
    frame["source"] = "yfinance"
    frame["fetched_at"] = fetched_at
    return frame[SHARES_COLUMNS]


class YFinanceSharesSource:
    """Live share counts through yfinance's fundamentals time series."""

    name = "yfinance"

    def __init__(self, session=None, timeout_s: float = 20.0, attempts: int = 3,
                 base_delay_s: float = 2.0, sleep: Sleep = default_sleep):
        self.session = session
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.sleep = sleep

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        frames, failed = [], {}
        for ticker in tickers:
            try:
                frames.append(self._fetch_one(ticker, start, end))
            except Exception as exc:  # noqa: BLE001 - collected and reported by name below
                failed[ticker] = f"{type(exc).__name__}: {exc}"
        if failed:
            detail = "; ".join(f"{t}: {c}" for t, c in failed.items())
            raise SharesFetchError(f"shares outstanding unavailable for {', '.join(failed)} ({detail})")
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SHARES_COLUMNS)

    def _fetch_one(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        import yfinance as yf

        delays = backoff_delays(self.attempts, self.base_delay_s)
        for attempt in range(self.attempts):
            try:
                handle = yf.Ticker(ticker, session=self.session)
                now = pd.Timestamp.now(tz="UTC")
                frame = normalise_shares_full(
                    ticker, handle.get_shares_full(start=start.isoformat(),
                                                   end=(end + dt.timedelta(days=1)).isoformat()), now
                )
                if frame.empty:
                    shares = handle.fast_info["shares"]
                    if not shares or shares <= 0:
                        raise SharesFetchError(f"{ticker}: no share count in fundamentals or fast_info")
                    log.info("%s: no share history; using fast_info count %s as of %s", ticker, shares, now.date())
                    frame = pd.DataFrame([{
                        "ticker": ticker, "as_of_date": now.date(), "filing_date": None,
                        "shares": int(shares), "measure": "yahoo_fast_info", "source": "yfinance",
                        "fetched_at": now,
                    }])
                return frame
            except Exception as exc:  # noqa: BLE001
                if attempt == self.attempts - 1:
                    raise
                log.warning("shares %s attempt %d failed (%s); retrying", ticker, attempt + 1, exc)
                self.sleep(delays[attempt])
        raise AssertionError("unreachable")
