"""Fixtures for the source-adapter tests: yfinance over plain `requests`, fresh state per test.

yfinance 1.7 keeps process-wide state that would leak between tests (and into ~/.cache):
- the `YfData` singleton (session, cookie, crumb, cookie strategy 'basic'/'csrf');
- `YfData.cache_get`, an lru_cache of HTTP *responses* keyed by (instance, url, params);
- SQLite caches for ticker -> timezone, the Yahoo cookie and ISINs, opened once and then
  held by module-level managers (`set_tz_cache_location` alone does not detach a cache that
  has already been opened, so the managers are reset too);
- `yfinance.base._tz_info_fetch_ctr`, a global that lets only the first two timezone misses
  per process fall back to the quote endpoints.
"""

from __future__ import annotations

import os

# Must happen before yfinance is first imported anywhere: yfinance._http picks its backend
# (curl_cffi or requests) at import time, and only a requests backend accepts our fake session.
os.environ["YF_DISABLE_CURL_CFFI"] = "1"

import pytest  # noqa: E402
import yfinance  # noqa: E402,F401 - imported here, with the env var set and outside any test's warning filters

from tests.sources.yahoo_fake import FakeYahooSession  # noqa: E402


def _reset_yfinance(cache_dir) -> None:
    import yfinance as yf
    from yfinance import base, cache
    from yfinance.data import YfData

    for manager in (cache._TzDBManager, cache._CookieDBManager, cache._ISINDBManager):
        manager.close_db()
    cache._TzCacheManager._tz_cache = None
    cache._CookieCacheManager._Cookie_cache = None
    cache._ISINCacheManager._isin_cache = None
    if cache_dir is not None:
        yf.set_tz_cache_location(str(cache_dir))  # sets tz, cookie and ISIN cache folders
    YfData._instances.pop(YfData, None)
    YfData.cache_get.cache_clear()
    base._tz_info_fetch_ctr = 0


@pytest.fixture(scope="session")
def _yfinance_uses_requests():
    import yfinance._http as yf_http

    if yf_http.HAS_CURL_CFFI:
        pytest.fail(
            "yfinance was imported before YF_DISABLE_CURL_CFFI=1 was set; "
            "set it in the environment or in tests/conftest.py"
        )


@pytest.fixture
def fresh_yfinance(_yfinance_uses_requests, tmp_path):
    """An empty yfinance for this test (used by make_session): no session, crumb, cookie, tz or response cache."""
    _reset_yfinance(tmp_path / "yf-cache")
    yield
    _reset_yfinance(None)


@pytest.fixture
def sleeps() -> list[float]:
    """Pass `sleep=sleeps.append` to an adapter: records backoff delays instead of sleeping."""
    return []


# Real daily bars (Yahoo Finance, yfinance auto_adjust=False: split-adjusted OHLC, Adj Close,
# consolidated volume) for the DeepSeek week, rounded to the cent; adj_close as Yahoo reported it.
NVDA_BARS = {
    "2025-01-23": (145.05, 147.23, 143.72, 147.22, 147.17, 155915500),
    "2025-01-24": (148.37, 148.97, 141.88, 142.62, 142.57, 234657600),
    "2025-01-27": (124.80, 128.40, 116.70, 118.42, 118.38, 818830900),
    "2025-01-28": (121.81, 129.00, 116.25, 128.99, 128.95, 579666400),
}
AVGO_BARS = {
    "2025-01-23": (238.41, 240.40, 236.12, 240.28, 237.63, 17653900),
    "2025-01-24": (244.70, 249.59, 241.91, 244.70, 242.00, 25387800),
    "2025-01-27": (213.40, 218.43, 196.23, 202.13, 199.90, 90569400),
    "2025-01-28": (208.01, 209.95, 198.89, 207.36, 205.07, 50316000),
}
MSFT_BARS = {
    "2025-01-23": (442.00, 446.75, 441.50, 446.71, 442.43, 18389300),
    "2025-01-24": (445.16, 446.65, 441.40, 444.06, 439.80, 15549500),
    "2025-01-27": (424.01, 435.20, 423.50, 434.56, 430.40, 35647800),
    "2025-01-28": (434.60, 448.38, 431.38, 447.20, 442.91, 23491700),
}


@pytest.fixture
def make_session(fresh_yfinance):
    """FakeYahooSession factory preloaded with NVDA, AVGO and MSFT bars for 2025-01-23..28.

    Depends on `fresh_yfinance`, so every test that talks to the fake starts from a clean yfinance.
    """

    def make(**kwargs) -> FakeYahooSession:
        kwargs.setdefault("bars", {"NVDA": NVDA_BARS, "AVGO": AVGO_BARS, "MSFT": MSFT_BARS})
        return FakeYahooSession(**kwargs)

    return make
