"""The live price source: daily bars through yfinance's batch download.

yfinance quirks handled here (the plumbing shared with shares is in yfinance_plumbing.py):
- a failed ticker does not raise: it comes back as all-NaN columns plus a log line
  (a 429 is logged as YFRateLimitError per ticker). We detect those tickers, retry them
  with backoff and jitter, and fail naming the ones that never arrive.
- requests run with yfinance's exceptions shown and Yahoo's HTTP statuses recorded, and the
  response cache is cleared before a retry: a timeout or a 5xx on the bars request is then
  named ("ReadTimeout(...)", "HTTP 503 ...") and classified as transient instead of reading
  "possibly delisted; no price data found".
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from dagster_project.sources.prices.normalise import normalise_download
from dagster_project.sources.prices.schema import PriceFetchError, empty_prices
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

MAX_CHUNK = 50


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
        """Bars of every ticker, chunk by chunk; each chunk in its own guard, so whatever one
        chunk raises (yfinance, our reading of its frame) is that chunk's named failure and
        the other chunks are still fetched. Raises one PriceFetchError naming every failed
        ticker, with the rows that did arrive."""
        tickers = normalise_tickers(tickers)
        frames: list[pd.DataFrame] = []
        failures: list[PriceFetchError] = []
        for i in range(0, len(tickers), self.chunk_size):
            chunk = tickers[i : i + self.chunk_size]
            try:
                frames.append(self._fetch_chunk(chunk, start, end))
            except PriceFetchError as exc:
                failures.append(exc)
                frames.append(exc.rows)
            except Exception as exc:  # noqa: BLE001 - a third-party crash fails this chunk only
                log.warning("yfinance download of %s raised", ", ".join(chunk), exc_info=True)
                cause = f"{type(exc).__name__}: {exc}"[:300]
                failures.append(
                    PriceFetchError(
                        f"yfinance download of {', '.join(chunk)} raised {cause}",
                        tickers=chunk,
                        transient=looks_transient(cause),
                    )
                )
        frames = [f for f in frames if not f.empty]
        rows = pd.concat(frames, ignore_index=True) if frames else empty_prices()
        if failures:
            raise PriceFetchError(
                "; ".join(str(f) for f in failures),
                tickers=[t for f in failures for t in f.tickers],
                transient=all(f.transient for f in failures),
                rows=rows,
            )
        return rows

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
                rows=pd.concat(got, ignore_index=True),
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
