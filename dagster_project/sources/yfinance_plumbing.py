"""yfinance plumbing that the price and the share-count adapters share: how a failure is told
transient from permanent, and the switches that make yfinance say what went wrong.

yfinance 1.7 hides what went wrong, and these undo that for the duration of our calls:
- by default it hides request exceptions, so a timeout reads "possibly delisted; no price
  data found" or "no count" (permanent); `yfinance_exceptions_shown` lets the cause be named
  ("ReadTimeout(...)") and so classified as transient.
- an HTTP 5xx is not raised either: yfinance parses the error body and reports missing data
  (or fails on a KeyError). `yahoo_http_errors` records the status of every Yahoo response so
  an outage can be named ("HTTP 503 ...") and classified as transient.
- it keeps the HTTP *responses* of past-dated requests in a process-wide lru_cache
  (`YfData.cache_get`), so a retry would be answered with the same cached 500 without asking
  Yahoo again; `forget_yfinance_responses` clears that cache before every retry.
- it upper-cases symbols but does not strip them, and reports rows under the upper-cased
  symbol: `normalise_tickers` gives the symbols to ask for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

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
