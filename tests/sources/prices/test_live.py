"""YFinancePriceSource end to end through the real `yf.download`, against the offline fake Yahoo.

What yfinance 1.7 asks per ticker (a fresh process): one chart request with `range=1d` to learn
the exchange timezone (cached afterwards in its SQLite tz cache), then one chart request with
period1/period2 for the bars. Any HTTP status >= 400 is retried once by yfinance itself after it
re-mints the crumb, so one scripted failure is invisible: a ticker fails an attempt of ours only
after two failed responses in a row.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from dagster_project.sources.prices import PRICE_COLUMNS, PriceFetchError
from dagster_project.sources.prices.live import YFinancePriceSource

# yfinance 1.7 still calls pandas with inplace=True, which pandas 3.1 deprecates: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

START, END = dt.date(2025, 1, 23), dt.date(2025, 1, 28)  # four NYSE sessions: 23, 24, 27, 28


def _source(session, sleeps, **kwargs) -> YFinancePriceSource:
    return YFinancePriceSource(session=session, sleep=sleeps.append, attempts=kwargs.pop("attempts", 3), **kwargs)


def _statuses(session, symbol):
    return [(c.purpose, c.status) for c in session.calls("chart", symbol)]


def test_two_tickers_four_sessions(make_session, sleeps):
    session = make_session()

    rows = _source(session, sleeps, timeout_s=7.5).fetch(["NVDA", "AVGO"], START, END)

    assert list(rows.columns) == PRICE_COLUMNS
    assert len(rows) == 8
    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    assert sorted(set(rows["trade_date"])) == [dt.date(2025, 1, d) for d in (23, 24, 27, 28)]
    nvda = rows[rows["ticker"] == "NVDA"].set_index("trade_date").sort_index()
    assert nvda.loc[dt.date(2025, 1, 27), "close"] == pytest.approx(118.42)
    assert nvda.loc[dt.date(2025, 1, 24), "close"] == pytest.approx(142.62)  # previous close
    assert nvda.loc[dt.date(2025, 1, 27), "close"] / nvda.loc[dt.date(2025, 1, 24), "close"] - 1 == pytest.approx(
        -0.1697, abs=5e-5
    )
    assert nvda.loc[dt.date(2025, 1, 27), "volume"] == 818830900
    assert nvda.loc[dt.date(2025, 1, 27), "adj_close"] == pytest.approx(118.38)
    avgo = rows[rows["ticker"] == "AVGO"].set_index("trade_date")
    assert avgo.loc[dt.date(2025, 1, 27), "close"] == pytest.approx(202.13)
    assert set(rows["source"]) == {"yfinance"} and set(rows["price_basis"]) == {"split_adjusted"}

    assert sleeps == []
    for symbol in ("NVDA", "AVGO"):
        assert _statuses(session, symbol) == [("tz", 200), ("history", 200)]
    history = session.calls("chart", "NVDA", purpose="history")[0]
    # the window asked for: [start 00:00 New York, end + 1 day 00:00 New York)
    assert int(history.params["period1"]) == int(dt.datetime(2025, 1, 23, 5, tzinfo=dt.UTC).timestamp())
    assert int(history.params["period2"]) == int(dt.datetime(2025, 1, 29, 5, tzinfo=dt.UTC).timestamp())
    assert history.params["interval"] == "1d"
    assert history.params["crumb"] == session.crumb
    assert history.timeout == 7.5  # our timeout reaches the bars request
    assert len(session.calls("cookie")) == 1  # the A3 cookie is fetched once, then reused


def test_lowercase_padded_and_repeated_tickers(make_session, sleeps):
    session = make_session()

    rows = _source(session, sleeps).fetch(["nvda", " AVGO ", "NVDA"], START, END)

    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    assert sleeps == []
    assert {c.symbol for c in session.calls("chart")} == {"NVDA", "AVGO"}


def test_rate_limited_once_then_served(make_session, sleeps):
    # Two 429s = one failed attempt of ours (yfinance retries each failed request once itself).
    session = make_session(chart_failures={"AVGO": [429, 429]})

    rows = _source(session, sleeps).fetch(["NVDA", "AVGO"], START, END)

    assert len(rows) == 8
    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    avgo = rows[rows["ticker"] == "AVGO"].set_index("trade_date")
    assert avgo.loc[dt.date(2025, 1, 27), "close"] == pytest.approx(202.13)
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 2.0  # full jitter in [0, base_delay_s]
    assert _statuses(session, "AVGO") == [("tz", 429), ("tz", 429), ("tz", 200), ("history", 200)]
    assert _statuses(session, "NVDA") == [("tz", 200), ("history", 200)]  # not asked twice


def test_a_single_429_is_absorbed_by_yfinance(make_session, sleeps):
    session = make_session(chart_failures={"AVGO": [429]})

    rows = _source(session, sleeps).fetch(["AVGO"], START, END)

    assert len(rows) == 4
    assert sleeps == []
    assert _statuses(session, "AVGO") == [("tz", 429), ("tz", 200), ("history", 200)]


def test_server_error_on_the_bars_is_asked_again(make_session, sleeps):
    # yfinance keeps past-dated responses in an lru_cache, 500s included: without clearing it
    # our retry would be answered from the cache and never reach Yahoo.
    session = make_session(chart_failures={"AVGO": [200, 500, 500]})

    rows = _source(session, sleeps).fetch(["NVDA", "AVGO"], START, END)

    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    assert len(sleeps) == 1
    assert _statuses(session, "AVGO") == [("tz", 200), ("history", 500), ("history", 500), ("history", 200)]


def test_timeout_on_the_bars_is_retried(make_session, sleeps):
    session = make_session(chart_failures={"AVGO": [200, "timeout"]})

    rows = _source(session, sleeps).fetch(["NVDA", "AVGO"], START, END)

    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    assert len(sleeps) == 1
    assert _statuses(session, "AVGO") == [("tz", 200), ("history", 0), ("history", 200)]


def test_persistent_timeouts_are_transient(make_session, sleeps):
    # yfinance hides request exceptions by default and then reports "possibly delisted; no price
    # data found": a network outage would read as a permanent failure. The adapter surfaces them.
    session = make_session(chart_failures={"AVGO": [200] + ["timeout"] * 3})

    with pytest.raises(PriceFetchError) as caught:
        _source(session, sleeps).fetch(["NVDA", "AVGO"], START, END)

    assert caught.value.tickers == ["AVGO"]
    assert caught.value.transient is True
    assert "ReadTimeout" in str(caught.value)
    assert "delisted" not in str(caught.value)
    assert _statuses(session, "AVGO") == [("tz", 200)] + [("history", 0)] * 3


def test_unknown_ticker_fails_by_name_and_is_not_transient(make_session, sleeps, caplog):
    session = make_session()

    with caplog.at_level(logging.WARNING, logger="dagster_project.sources.prices"):
        with pytest.raises(PriceFetchError) as caught:
            _source(session, sleeps).fetch(["NVDA", "XXXX"], START, END)

    err = caught.value
    assert err.tickers == ["XXXX"]
    assert err.transient is False
    message = str(err)
    assert "XXXX" in message and "NVDA" not in message
    assert "2025-01-23" in message and "2025-01-28" in message and "3 attempts" in message
    assert "no timezone found" in message  # yfinance's reason, carried into ours
    assert len(sleeps) == 2
    assert [c.status for c in session.calls("chart", "XXXX")] == [404] * 6  # 2 per attempt, 3 attempts
    assert len(session.calls("chart", "NVDA", purpose="history")) == 1  # NVDA arrived once, not refetched
    assert sum("no rows for XXXX" in r.getMessage() for r in caplog.records) == 3  # one per attempt


def test_persistent_rate_limit_is_transient(make_session, sleeps):
    session = make_session(chart_failures={"AVGO": [429] * 10})

    with pytest.raises(PriceFetchError) as caught:
        _source(session, sleeps).fetch(["NVDA", "AVGO"], START, END)

    assert caught.value.tickers == ["AVGO"]
    assert caught.value.transient is True
    assert "AVGO" in str(caught.value) and "YFRateLimitError" in str(caught.value)
    assert len(sleeps) == 2
    assert [s for s in sleeps if not 0 <= s <= 4.0] == []  # delays before attempts 2, 3: <= 2 s, <= 4 s
    assert 0 <= sleeps[0] <= 2.0
    assert [c.status for c in session.calls("chart", "AVGO")] == [429] * 6


def test_one_transient_and_one_permanent_failure_is_not_transient(make_session, sleeps):
    session = make_session(chart_failures={"AVGO": [429] * 10})

    with pytest.raises(PriceFetchError) as caught:
        _source(session, sleeps).fetch(["AVGO", "XXXX"], START, END)

    assert sorted(caught.value.tickers) == ["AVGO", "XXXX"]
    assert caught.value.transient is False  # retrying the run cannot conjure XXXX


def test_split_and_dividend_events_do_not_touch_close(make_session, sleeps):
    # Illustrative bars around a 10:1 split, already split-adjusted as Yahoo serves them; with
    # auto_adjust=False yfinance must pass Close through and only add event columns we drop.
    bars = {
        "NVDA": {
            "2024-06-07": (119.77, 121.69, 119.04, 120.89, 120.86, 412_385_000),
            "2024-06-10": (120.37, 123.10, 117.01, 121.79, 121.76, 314_162_700),
        }
    }
    session = make_session(
        bars=bars, splits={"NVDA": {"2024-06-10": (10, 1)}}, dividends={"NVDA": {"2024-06-07": 0.01}}
    )

    rows = _source(session, sleeps).fetch(["NVDA"], dt.date(2024, 6, 7), dt.date(2024, 6, 10))

    assert list(rows.columns) == PRICE_COLUMNS
    assert rows["trade_date"].tolist() == [dt.date(2024, 6, 7), dt.date(2024, 6, 10)]
    assert rows["close"].tolist() == pytest.approx([120.89, 121.79])
    assert rows["adj_close"].tolist() == pytest.approx([120.86, 121.76])
    assert rows["volume"].tolist() == [412_385_000, 314_162_700]
    history = session.calls("chart", "NVDA", purpose="history")[0]
    assert history.params["events"] == "div,splits,capitalGains"


def test_chunks_are_fetched_separately_and_combined(make_session, sleeps):
    session = make_session()

    rows = _source(session, sleeps, chunk_size=2).fetch(["NVDA", "AVGO", "MSFT"], START, END)

    assert len(rows) == 12
    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "MSFT": 4, "NVDA": 4}
    msft = rows[rows["ticker"] == "MSFT"].set_index("trade_date")
    assert msft.loc[dt.date(2025, 1, 27), "close"] == pytest.approx(434.56)
    assert rows.duplicated(["ticker", "trade_date"]).sum() == 0
    # MSFT was requested in a second download, after the first chunk's two tickers
    history = [c.symbol for c in session.calls("chart", purpose="history")]
    assert sorted(history[:2]) == ["AVGO", "NVDA"] and history[2] == "MSFT"


def test_failure_in_second_chunk_names_only_its_ticker(make_session, sleeps):
    session = make_session()

    with pytest.raises(PriceFetchError) as caught:
        _source(session, sleeps, chunk_size=2, attempts=2).fetch(["NVDA", "AVGO", "XXXX"], START, END)

    assert caught.value.tickers == ["XXXX"]
    assert "2 attempts" in str(caught.value)
    assert len(sleeps) == 1


def test_a_chunk_whose_download_raises_fails_alone_and_the_others_are_fetched(make_session, sleeps, monkeypatch):
    # #13: an exception out of yfinance (or our reading of its frame) for one chunk used to
    # escape as itself, and the chunks after it were never asked for
    session = make_session()
    source = _source(session, sleeps, chunk_size=2, attempts=1)
    real_download = YFinancePriceSource._download

    def download(self, tickers, start, end):
        if "NVDA" in tickers:
            raise KeyError("chart")
        return real_download(self, tickers, start, end)

    monkeypatch.setattr(YFinancePriceSource, "_download", download)
    with pytest.raises(PriceFetchError) as caught:
        source.fetch(["NVDA", "AVGO", "MSFT"], START, END)

    assert sorted(caught.value.tickers) == ["AVGO", "NVDA"]
    assert "KeyError: 'chart'" in str(caught.value)
    assert [c.symbol for c in session.calls("chart", purpose="history")] == ["MSFT"]
    assert caught.value.rows.groupby("ticker").size().to_dict() == {"MSFT": 4}
