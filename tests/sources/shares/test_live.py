"""YFinanceSharesSource end to end through the real `Ticker.get_shares_full`, against the fake Yahoo.

yfinance 1.7 facts these tests pin down:
- `get_shares_full` asks `/ws/fundamentals-timeseries/v1/finance/timeseries/{T}?symbol=T&period1&period2`
  and reads `timeseries.result[0].timestamp[]` / `.shares_out[]`. It builds the index from the
  epoch seconds as *naive UTC* and then `tz_localize`s it to the exchange timezone, so every
  instant is shifted by the UTC offset while the calendar date is kept.
- `fast_info['shares']` is the same endpoint again, over the 548 days before now (last value).
- With no history Yahoo answers `result: []` and yfinance 1.7 raises IndexError on `result[0]`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dagster_project.sources.shares import SHARES_COLUMNS, SharesFetchError
from dagster_project.sources.shares.live import YFinanceSharesSource

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # yfinance 1.7 on pandas 3.1

START, END = dt.date(2024, 11, 1), dt.date(2025, 1, 31)
NY_MIDNIGHT_UTC_HOUR = 4  # 2024-11-01 is still EDT (UTC-4); 2025-02-01 is EST (UTC-5)

# Share counts around NVIDIA's filings (24,490M on the 10-Q cover as of 2024-11-15). The second
# count on 2024-11-15 mimics the repeated dates of yfinance issue #1954 (two counts, one day).
NVDA_SHARES = [
    ("2024-06-10T00:00:00", 24_530_000_000),  # before the window: Yahoo filters it out
    ("2024-11-15T00:00:00", 24_490_000_000),
    ("2024-11-15T05:00:00", 24_774_000_000),  # same date, other hour: reported last, kept
    ("2024-12-02T14:00:00", 24_500_000_000),
    ("2025-01-26T23:00:00", 24_489_000_000),  # late UTC hour: must stay 2025-01-26, not become 27
]
# Placeholder bar so the fake's chart meta (the exchange timezone) answers for ARM.
ARM_BAR = {"2025-01-27": (150.0, 151.0, 140.0, 145.0, 145.0, 10_000_000)}


def _now_minus(days: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).replace(tzinfo=None).isoformat()


@pytest.fixture
def shares_session(make_session):
    def make(**kwargs):
        bars = {
            "NVDA": {"2025-01-27": (124.80, 128.40, 116.70, 118.42, 118.38, 818830900)},
            "AVGO": {"2025-01-27": (213.40, 218.43, 196.23, 202.13, 199.90, 90569400)},
            "ARM": ARM_BAR,
        }
        # ARM: nothing in the requested window, one recent count (what fast_info reads).
        shares = {"NVDA": NVDA_SHARES, "ARM": [(_now_minus(40), 1_057_000_000)]}
        return make_session(bars=bars, shares=shares, **kwargs)

    return make


def _source(session, sleeps, attempts=3):
    return YFinanceSharesSource(session=session, sleep=sleeps.append, attempts=attempts)


def test_share_history_one_row_per_date(shares_session, sleeps):
    session = shares_session()

    rows = _source(session, sleeps).fetch(["NVDA"], START, END)

    assert list(rows.columns) == SHARES_COLUMNS
    assert rows["as_of_date"].tolist() == [dt.date(2024, 11, 15), dt.date(2024, 12, 2), dt.date(2025, 1, 26)]
    assert all(type(d) is dt.date for d in rows["as_of_date"])
    assert rows["shares"].tolist() == [24_774_000_000, 24_500_000_000, 24_489_000_000]
    assert pd.api.types.is_integer_dtype(rows["shares"])
    assert set(rows["ticker"]) == {"NVDA"}
    assert set(rows["measure"]) == {"yahoo_shares_full"}
    assert set(rows["source"]) == {"yfinance"}
    assert rows["filing_date"].isna().all()
    assert not rows.duplicated(["ticker", "as_of_date", "measure"]).any()

    assert sleeps == []
    (request,) = session.calls("timeseries", "NVDA")  # no fast_info fallback needed
    assert request.params["symbol"] == "NVDA"
    # [START 00:00 New York, END + 1 day 00:00 New York]
    assert int(request.params["period1"]) == int(
        dt.datetime(2024, 11, 1, NY_MIDNIGHT_UTC_HOUR, tzinfo=dt.UTC).timestamp()
    )
    assert int(request.params["period2"]) == int(dt.datetime(2025, 2, 1, 5, tzinfo=dt.UTC).timestamp())


def test_yfinance_index_is_shifted_but_keeps_the_date(shares_session):
    """The quirk the adapter works around, seen directly on yfinance's output."""
    import yfinance as yf

    series = yf.Ticker("NVDA", session=shares_session()).get_shares_full(start="2025-01-01", end="2025-02-01")

    assert len(series) == 1
    stamp = series.index[0]
    # Yahoo sent 2025-01-26T23:00Z; yfinance labels it 23:00 New York (= 2025-01-27T04:00Z).
    assert str(stamp.tz) == "America/New_York"
    assert (stamp.date(), stamp.hour) == (dt.date(2025, 1, 26), 23)
    assert stamp.tz_convert("UTC").date() == dt.date(2025, 1, 27)
    assert int(series.iloc[0]) == 24_489_000_000


def test_empty_window_falls_back_to_fast_info(shares_session, sleeps):
    session = shares_session()
    before = dt.datetime.now(dt.UTC)

    rows = _source(session, sleeps).fetch(["ARM"], START, END)

    assert list(rows.columns) == SHARES_COLUMNS
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["ticker"] == "ARM"
    assert row["shares"] == 1_057_000_000
    assert row["measure"] == "yahoo_fast_info"
    assert row["as_of_date"] in {before.date(), dt.datetime.now(dt.UTC).date()}  # dated when fetched
    assert sleeps == []
    # fast_info['shares'] is the same endpoint again, over the 548 days before now.
    window, recent = session.calls("timeseries", "ARM")
    assert int(window.params["period1"]) < int(recent.params["period1"])
    days_back = (before.timestamp() - int(recent.params["period1"])) / 86400
    assert 547 <= days_back <= 550


def test_ticker_with_no_count_anywhere_fails_by_name_without_retrying(shares_session, sleeps):
    session = shares_session()

    with pytest.raises(SharesFetchError) as caught:
        _source(session, sleeps).fetch(["NVDA", "AVGO"], START, END)

    err = caught.value
    assert err.tickers == ["AVGO"]
    assert err.transient is False
    assert "AVGO" in str(err) and "NVDA" not in str(err)
    assert "no share count in fundamentals or fast_info" in str(err)
    assert sleeps == []  # Yahoo answered "nothing": asking again cannot change it
    assert len(session.calls("timeseries", "AVGO")) == 2  # the window, then fast_info's 548 days


def test_unknown_symbol_fails_by_name(shares_session, sleeps):
    session = shares_session()

    with pytest.raises(SharesFetchError) as caught:
        _source(session, sleeps).fetch(["XXXX"], START, END)

    assert caught.value.tickers == ["XXXX"]
    assert caught.value.transient is False
    assert "XXXX" in str(caught.value)
    assert sleeps == []  # a 404 is an answer, not a failure to retry
    assert [c.status for c in session.calls("chart", "XXXX")] == [404, 404]  # the timezone probe
    # Without a timezone, yfinance 1.7 asks the quote endpoints (twice per process at most).
    assert {c.status for c in session.calls("quote", "XXXX")} == {404}


@pytest.mark.parametrize("status", [429, 500])
def test_failed_requests_are_retried(shares_session, sleeps, status):
    # Two failures = one failed attempt (yfinance retries each failed request once itself).
    # A 500 body is cached by yfinance's response cache: without clearing it, no retry would
    # ever reach Yahoo again.
    session = shares_session(timeseries_failures={"NVDA": [status, status]})

    rows = _source(session, sleeps).fetch(["nvda "], START, END)

    assert rows["shares"].tolist() == [24_774_000_000, 24_500_000_000, 24_489_000_000]
    assert set(rows["ticker"]) == {"NVDA"}
    assert len(sleeps) == 1
    assert [c.status for c in session.calls("timeseries", "NVDA")] == [status, status, 200]


def test_timeout_is_retried_not_mistaken_for_no_count(shares_session, sleeps):
    # yfinance hides a request exception in get_shares_full and returns None, exactly what it
    # returns for "no data"; the adapter has it raise instead, so it is retried.
    session = shares_session(timeseries_failures={"NVDA": ["timeout"]})

    rows = _source(session, sleeps).fetch(["NVDA"], START, END)

    assert set(rows["measure"]) == {"yahoo_shares_full"}
    assert len(rows) == 3
    assert len(sleeps) == 1
    assert [c.status for c in session.calls("timeseries", "NVDA")] == [0, 200]


def test_persistent_timeouts_are_transient(shares_session, sleeps):
    session = shares_session(timeseries_failures={"NVDA": ["timeout"] * 3})

    with pytest.raises(SharesFetchError) as caught:
        _source(session, sleeps).fetch(["NVDA"], START, END)

    assert caught.value.tickers == ["NVDA"]
    assert caught.value.transient is True
    assert "ReadTimeout" in str(caught.value)
    assert len(sleeps) == 2


def test_persistent_rate_limit_is_reported_as_transient(shares_session, sleeps):
    session = shares_session(timeseries_failures={"NVDA": [429] * 10})

    with pytest.raises(SharesFetchError) as caught:
        _source(session, sleeps).fetch(["NVDA"], START, END)

    assert caught.value.tickers == ["NVDA"]
    assert caught.value.transient is True
    assert "YFRateLimitError" in str(caught.value)
    assert len(sleeps) == 2
    assert [c.status for c in session.calls("timeseries", "NVDA")] == [429] * 6


def test_a_ticker_whose_reading_raises_fails_alone_and_the_others_arrive(shares_session, sleeps, monkeypatch):
    # #13: whatever one ticker's fetch raises is that ticker's named failure; the rows of the
    # others travel with the error
    import dagster_project.sources.shares.live as live

    real = live.normalise_shares_full

    def normalise(ticker, series, now):
        if ticker == "AVGO":
            raise TypeError("'NoneType' object is not subscriptable")
        return real(ticker, series, now)

    monkeypatch.setattr(live, "normalise_shares_full", normalise)
    with pytest.raises(SharesFetchError) as caught:
        _source(shares_session(), sleeps, attempts=1).fetch(["AVGO", "NVDA"], START, END)

    assert caught.value.tickers == ["AVGO"]
    assert "TypeError: 'NoneType' object is not subscriptable" in str(caught.value)
    assert set(caught.value.rows["ticker"]) == {"NVDA"} and len(caught.value.rows) == 3
