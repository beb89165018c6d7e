import datetime as dt

import pandas as pd

from dagster_project.quality import price_check_results, quarantine_bad_prices

D1, D2 = dt.date(2025, 1, 24), dt.date(2025, 1, 27)


def bar(ticker, day, close, open_=None, high=None, low=None, volume=1000):
    open_ = close if open_ is None else open_
    return {
        "ticker": ticker,
        "trade_date": day,
        "open": open_,
        "high": max(open_, close) if high is None else high,
        "low": min(open_, close) if low is None else low,
        "close": close,
        "adj_close": close,
        "volume": volume,
    }


def test_quarantine_names_each_bad_row_and_keeps_the_good_ones():
    frame = pd.DataFrame(
        [
            bar("NVDA", D2, 118.42, open_=124.8, high=128.4, low=116.7),
            bar(" amd ", D2, 115.0),
            bar("NVDA", D2, 118.42),  # duplicate key
            bar("MSFT", D2, -1.0),  # negative close
            bar("META", D2, 650.0, high=600.0),  # high below close
            bar("GOOGL", D2, 190.0, volume=-5),  # negative volume
            bar("ZZZZ", D2, 10.0),  # not in the watchlist
            bar("AMZN", dt.date(2025, 1, 25), 230.0),  # a Saturday
        ]
    )
    tickers = ["NVDA", "AMD", "MSFT", "META", "GOOGL", "AMZN"]
    good, rejected = quarantine_bad_prices(frame, tickers, [D2])
    assert sorted(good["ticker"]) == ["AMD", "NVDA"]
    reasons = dict(zip(rejected["ticker"], rejected["reason"]))
    assert reasons == {
        "NVDA": "duplicate (ticker, trade_date)",
        "MSFT": "close missing or not positive",
        "META": "low above open/close or high below open/close",
        "GOOGL": "volume negative",
        "ZZZZ": "ticker not in watchlist",
        "AMZN": "date is not an NYSE session in the requested range",
    }


def test_checks_pass_on_clean_bars_and_flag_missing_tickers_and_split_like_jumps():
    frame = pd.DataFrame([bar("NVDA", D2, 118.42), bar("AMD", D2, 115.0)])
    previous = pd.DataFrame([bar("NVDA", D1, 142.62), bar("AMD", D1, 250.0)])
    outcomes = {o.name: o for o in price_check_results(frame, ["NVDA", "AMD", "MU"], [D2], previous)}
    assert outcomes["unique_ticker_trade_date"].passed
    assert outcomes["ohlc_consistent"].passed
    assert not outcomes["watchlist_complete"].passed
    assert outcomes["watchlist_complete"].sample == ["MU 2025-01-27"]
    jump = outcomes["daily_return_below_40pct"]
    assert not jump.passed and not jump.blocking and jump.sample == ["AMD 2025-01-27"]  # -54%: NVDA's -17% is fine


def test_duplicate_rows_fail_the_blocking_uniqueness_check():
    frame = pd.DataFrame([bar("NVDA", D2, 118.42), bar("NVDA", D2, 118.42)])
    outcomes = {o.name: o for o in price_check_results(frame, ["NVDA"], [D2], frame.iloc[0:0])}
    assert not outcomes["unique_ticker_trade_date"].passed
    assert outcomes["unique_ticker_trade_date"].blocking
    assert outcomes["unique_ticker_trade_date"].failing_rows == 2
