"""Daily price bars: the raw schema, the PriceSource interface and the live yfinance adapter.

yfinance quirks handled here and nowhere else:
- `auto_adjust=False` gives split-adjusted `Close` (used for market cap) and `Adj Close`.
- a failed ticker does not raise: it comes back as all-NaN columns plus a log line
  (a 429 is logged as YFRateLimitError per ticker). We detect those tickers, retry them
  with backoff and jitter, and fail naming the ones that never arrive.
- yfinance keeps the HTTP *responses* of past-dated requests in a process-wide lru_cache
  (`YfData.cache_get`), so a retry would be answered with the same cached 500 without asking
  Yahoo again; we clear that cache before every retry.
- by default yfinance hides request exceptions, so a timeout on the bars request reads
  "possibly delisted; no price data found" (permanent); we run it with exceptions shown so
  the cause is named ("ReadTimeout(...)") and classified as transient.
- yfinance upper-cases symbols but does not strip them, and reports rows under the upper-cased
  symbol: requested tickers are normalised (strip, upper, de-duplicated) before the call.
- an HTTP 5xx on the bars request is not raised either: yfinance parses the error body and
  reports "possibly delisted; no price data found", i.e. a permanent failure. We record the
  status of every Yahoo response (`yahoo_http_errors`) and add it to the ticker's cause, so
  an outage is named ("HTTP 503 ...") and classified as transient.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import pandas as pd
import pyarrow as pa

from dagster_project.sources.retry import Sleep, backoff_delays, default_sleep

log = logging.getLogger(__name__)

PRICE_COLUMNS = [
    "ticker",
    "trade_date",
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "price_basis",
    "source",
    "fetched_at",
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
YF_FIELDS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}
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


# "currently down": yfinance's YFDataException for Yahoo's "Will be right back" outage page.
_TRANSIENT_WORDS = (
    "ratelimit",
    "rate limit",
    "too many requests",
    "timed out",
    "timeout",
    "connection",
    "currently down",
)
# Status codes as whole words: a bare substring test also matched "500" inside epoch seconds,
# crumbs and URLs that yfinance puts in its log lines.
_TRANSIENT_STATUS = re.compile(r"(?<![\w.])(429|500|502|503|504)(?!\w|\.\d)")


def looks_transient(cause: str) -> bool:
    lowered = cause.lower()
    return any(k in lowered for k in _TRANSIENT_WORDS) or bool(_TRANSIENT_STATUS.search(lowered))


def normalise_tickers(tickers: list[str]) -> list[str]:
    """Strip, upper-case and de-duplicate (keeping order): the symbols yfinance reports rows under."""
    seen: dict[str, None] = {}
    for ticker in tickers:
        symbol = str(ticker).strip().upper()
        if symbol:
            seen.setdefault(symbol, None)
    return list(seen)


@contextmanager
def yfinance_exceptions_shown() -> Iterator[None]:
    """Let yfinance raise request errors instead of hiding them, for the duration of our call.

    With yfinance 1.7's default `config.debug.hide_exceptions = True`, a timeout, a dropped
    connection or a malformed body on the bars request is swallowed and reported as
    "possibly delisted; no price data found" -- indistinguishable from a ticker with no data,
    so it would be classified as permanent. `yf.download` means to switch this off per ticker
    but sets `config.network.hide_exceptions`, which nothing reads. We flip the real switch;
    `download` still catches per-ticker exceptions and logs them by name (e.g. "ReadTimeout(...)").
    """
    import yfinance as yf

    saved = yf.config.debug.hide_exceptions
    yf.config.debug.hide_exceptions = False
    try:
        yield
    finally:
        yf.config.debug.hide_exceptions = saved


@contextmanager
def yahoo_http_errors() -> Iterator[list[tuple[str, int]]]:
    """Record (url, status) of every Yahoo response with a status >= 400 during the block.

    yfinance swallows error statuses (it parses the error body and reports missing data, or
    fails on a KeyError); this keeps the status so our messages can name it. It wraps
    `YfData._make_request`, through which every yfinance request goes.
    """
    from yfinance.data import YfData

    real = YfData._make_request
    seen: list[tuple[str, int]] = []

    def recording(self, url, *args, **kwargs):
        response = real(self, url, *args, **kwargs)
        status = getattr(response, "status_code", 0) or 0
        if status >= 400:
            seen.append((str(url).split("?")[0], status))
        return response

    YfData._make_request = recording
    try:
        yield seen
    finally:
        YfData._make_request = real


def http_errors_for(symbol: str, errors: list[tuple[str, int]], path: str) -> str:
    """ "HTTP 503 for 'AVGO' from <url>" for the error statuses of `symbol`'s `path` requests."""
    hits = dict.fromkeys(
        f"HTTP {status} for '{symbol}' from {url}"
        for url, status in errors
        if path in url and url.rsplit("/", 1)[-1].upper() == symbol
    )
    return "; ".join(hits)


def forget_yfinance_responses() -> None:
    """Empty yfinance's process-wide cache of HTTP responses, so that a retry really asks Yahoo.

    yfinance 1.7 fetches past-dated chart and fundamentals requests through `YfData.cache_get`,
    an lru_cache over (url, params) that also keeps error responses (a 500 is returned, not
    raised). Without this, every retry of such a request replays the first failure.
    """
    try:
        from yfinance.data import YfData
    except ImportError:  # pragma: no cover - yfinance is a pinned dependency
        return
    clear = getattr(getattr(YfData, "cache_get", None), "cache_clear", None)
    if clear is not None:
        clear()


class YFinancePriceSource:
    """Live prices through yfinance's batch download."""

    name = "yfinance"

    def __init__(
        self,
        session=None,
        timeout_s: float = 20.0,
        attempts: int = 4,
        base_delay_s: float = 2.0,
        chunk_size: int = MAX_CHUNK,
        sleep: Sleep = default_sleep,
    ):
        self.session = session
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.chunk_size = max(1, min(chunk_size, MAX_CHUNK))
        self.sleep = sleep

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        tickers = normalise_tickers(tickers)
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
            log.warning(
                "yfinance attempt %d/%d: no rows for %s (%s)",
                attempt,
                self.attempts,
                ", ".join(failed),
                "; ".join(f"{t}: {c}" for t, c in causes.items()),
            )
            pending = failed
            if attempt < self.attempts:
                forget_yfinance_responses()
                self.sleep(delays[attempt - 1])
        else:
            detail = "; ".join(f"{t}: {c}" for t, c in causes.items())
            raise PriceFetchError(
                f"yfinance returned no prices for {', '.join(pending)} between {start} and {end} "
                f"after {self.attempts} attempts ({detail})",
                tickers=pending,
                transient=all(looks_transient(c) for c in causes.values()),
            )
        return pd.concat(got, ignore_index=True)

    def _download(self, tickers: list[str], start: dt.date, end: dt.date):
        import yfinance as yf  # imported late so tests can set YF_DISABLE_CURL_CFFI first

        handler = _CollectYFErrors()
        yf_logger = logging.getLogger("yfinance")
        yf_logger.addHandler(handler)
        try:
            with yfinance_exceptions_shown(), yahoo_http_errors() as statuses:
                frame = yf.download(
                    tickers,
                    start=start.isoformat(),
                    end=(end + dt.timedelta(days=1)).isoformat(),
                    auto_adjust=False,
                    actions=True,
                    progress=False,
                    threads=False,
                    group_by="column",
                    multi_level_index=True,
                    timeout=self.timeout_s,
                    session=self.session,
                )
        finally:
            yf_logger.removeHandler(handler)
        rows = normalise_download(frame, pd.Timestamp.now(tz="UTC"))
        lines = handler.lines + [line for t in tickers if (line := http_errors_for(t, statuses, "/v8/finance/chart/"))]
        return rows[rows["ticker"].isin(tickers)], lines
