"""Daily price bars: the raw schema, the PriceSource interface and the live yfinance adapter.

yfinance quirks handled here and nowhere else:
- `auto_adjust=False` gives split-adjusted `Close` (used for market cap) and `Adj Close`.
- a failed ticker does not raise: it comes back as all-NaN columns plus a log line
  (a 429 is logged as YFRateLimitError per ticker). We detect those tickers, retry them
  with backoff and jitter, and fail naming the ones that never arrive.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

import pandas as pd
import pyarrow as pa

from dagster_project.sources.retry import Sleep, backoff_delays, default_sleep

log = logging.getLogger(__name__)

PRICE_COLUMNS = [
    "ticker", "trade_date", "open", "high", "low", "close", "adj_close", "volume",
    "price_basis", "source", "fetched_at",
]
PRICES_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("trade_date", pa.date32()),
        ("open", pa.float64()),
        ("high", pa.float64()),
        ("low", pa.float64()),
        ("close", pa.float64()),
        ("adj_close", pa.float64()),
        ("volume", pa.int64()),
        ("price_basis", pa.string()),
        ("source", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)
YF_FIELDS = {"Open": "open", "High": "high", "Low": "low", "Close": "close",
             "Adj Close": "adj_close", "Volume": "volume"}
MAX_CHUNK = 50


class PriceFetchError(RuntimeError):
    """Some tickers could not be fetched; the message names them and the cause."""

    def __init__(self, message: str, tickers: list[str], transient: bool):
        super().__init__(message)
        self.tickers = tickers
        self.transient = transient


class PriceSource(Protocol):
    name: str

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily bars for `tickers` on sessions in [start, end] (inclusive), in PRICE_COLUMNS."""


def empty_prices() -> pd.DataFrame:
    return PRICES_SCHEMA.empty_table().to_pandas()


def normalise_download(frame: pd.DataFrame | None, fetched_at: pd.Timestamp) -> pd.DataFrame:
    """yf.download output (MultiIndex columns: Price x Ticker) -> long rows in PRICE_COLUMNS.

    Rows whose close is NaN are dropped: yfinance pads every ticker to the union of dates,
    so a NaN row means "no bar", not "a bar with a missing close".
    """
    if frame is None or frame.empty:
        return empty_prices()
    if not isinstance(frame.columns, pd.MultiIndex):
        raise ValueError("expected yf.download(..., multi_level_index=True) output")
    names = list(frame.columns.names)
    price_level = names.index("Price") if "Price" in names else 0
    ticker_level = 1 - price_level
    long = frame.stack(level=ticker_level, future_stack=True)
    long.index = long.index.set_names(["trade_date", "ticker"])
    long = long.reset_index()
    missing = [f for f in ("Open", "High", "Low", "Close", "Volume") if f not in long.columns]
    if missing:
        raise ValueError(f"yfinance frame lacks column(s) {missing}")
    if "Adj Close" not in long.columns:
        long["Adj Close"] = long["Close"]
    long = long.rename(columns=YF_FIELDS)
    long = long[long["close"].notna()].copy()
    long["ticker"] = long["ticker"].astype(str).str.strip().str.upper()
    long["trade_date"] = pd.to_datetime(long["trade_date"]).dt.date
    long["volume"] = long["volume"].round().astype("Int64")
    long["price_basis"] = "split_adjusted"
    long["source"] = "yfinance"
    long["fetched_at"] = fetched_at
    return long[PRICE_COLUMNS].sort_values(["trade_date", "ticker"]).reset_index(drop=True)


class _CollectYFErrors(logging.Handler):
    """yfinance reports per-ticker failures only as log lines; keep them for our messages."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _errors_for(ticker: str, lines: list[str]) -> str:
    hits = [line for line in lines if f"'{ticker}'" in line or ticker in line.split()]
    return "; ".join(hits)[:300] or "no rows returned"


def _looks_transient(cause: str) -> bool:
    lowered = cause.lower()
    return any(k in lowered for k in ("ratelimit", "rate limit", "too many requests", "timed out",
                                      "timeout", "connection", "500", "502", "503", "504"))


class YFinancePriceSource:
    """Live prices through yfinance's batch download."""

    name = "yfinance"

    def __init__(self, session=None, timeout_s: float = 20.0, attempts: int = 4,
                 base_delay_s: float = 2.0, chunk_size: int = MAX_CHUNK, sleep: Sleep = default_sleep):
        self.session = session
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.chunk_size = min(chunk_size, MAX_CHUNK)
        self.sleep = sleep

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        frames = []
        for i in range(0, len(tickers), self.chunk_size):
            frames.append(self._fetch_chunk(tickers[i : i + self.chunk_size], start, end))
        return pd.concat(frames, ignore_index=True) if frames else empty_prices()

    def _fetch_chunk(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        got: list[pd.DataFrame] = []
        pending = list(tickers)
        causes: dict[str, str] = {}
        delays = backoff_delays(self.attempts, self.base_delay_s)
        for attempt in range(1, self.attempts + 1):
            rows, errors = self._download(pending, start, end)
            got.append(rows)
            arrived = set(rows["ticker"])
            failed = [t for t in pending if t not in arrived]
            causes = {t: _errors_for(t, errors) for t in failed}
            if not failed:
                break
            log.warning("yfinance attempt %d/%d: no rows for %s (%s)", attempt, self.attempts,
                        ", ".join(failed), "; ".join(f"{t}: {c}" for t, c in causes.items()))
            pending = failed
            if attempt < self.attempts:
                self.sleep(delays[attempt - 1])
        else:
            detail = "; ".join(f"{t}: {c}" for t, c in causes.items())
            raise PriceFetchError(
                f"yfinance returned no prices for {', '.join(pending)} between {start} and {end} "
                f"after {self.attempts} attempts ({detail})",
                tickers=pending,
                transient=all(_looks_transient(c) for c in causes.values()),
            )
        return pd.concat(got, ignore_index=True)

    def _download(self, tickers: list[str], start: dt.date, end: dt.date):
        import yfinance as yf  # imported late so tests can set YF_DISABLE_CURL_CFFI first

        handler = _CollectYFErrors()
        yf_logger = logging.getLogger("yfinance")
        yf_logger.addHandler(handler)
        try:
            frame = yf.download(
                tickers, start=start.isoformat(), end=(end + dt.timedelta(days=1)).isoformat(),
                auto_adjust=False, actions=True, progress=False, threads=False,
                group_by="column", multi_level_index=True, timeout=self.timeout_s,
                session=self.session,
            )
        finally:
            yf_logger.removeHandler(handler)
        rows = normalise_download(frame, pd.Timestamp.now(tz="UTC"))
        return rows[rows["ticker"].isin(tickers)], handler.lines
