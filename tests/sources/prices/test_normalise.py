"""`normalise_download` on frames shaped like yfinance 1.7's

    yf.download(tickers, auto_adjust=False, actions=True, group_by="column", multi_level_index=True)

Shape (checked against the real thing in `test_hand_built_frame_matches_real_download`):
columns are a MultiIndex named ["Price", "Ticker"], sorted by Price; the index is a tz-naive
DatetimeIndex named "Date" (the union of every ticker's sessions); a ticker that failed is all
NaN and, unlike the others, has no Dividends / Stock Splits columns; Volume is int64 for a
ticker that arrived and float (NaN) for one that did not.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dagster_project.sources.prices import PRICE_COLUMNS
from dagster_project.sources.prices.normalise import normalise_download
from tests.sources.conftest import AVGO_BARS, NVDA_BARS

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # yfinance 1.7 on pandas 3.1

FETCHED_AT = pd.Timestamp("2025-01-29 02:00", tz="UTC")
FIELDS = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]


def _ticker_frame(bars: dict[str, tuple] | None, index: pd.DatetimeIndex) -> pd.DataFrame:
    if bars is None:  # yfinance's utils.empty_df() reindexed to the union of dates
        return pd.DataFrame({f: np.nan for f in FIELDS}, index=index)
    frame = pd.DataFrame.from_dict(bars, orient="index", columns=FIELDS)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="Date")
    frame["Volume"] = frame["Volume"].astype(np.int64)
    frame["Dividends"] = 0.0
    frame["Stock Splits"] = 0.0
    return frame.reindex(index)


def yf_download_frame(per_ticker: dict[str, dict[str, tuple] | None], group_by: str = "column") -> pd.DataFrame:
    """Build what yf.download returns for these tickers (None = a ticker that failed)."""
    days = sorted({d for bars in per_ticker.values() if bars for d in bars})
    index = pd.DatetimeIndex(pd.to_datetime(days), name="Date")
    frames = {t: _ticker_frame(bars, index) for t, bars in per_ticker.items()}
    data = pd.concat(frames.values(), axis=1, sort=True, keys=frames.keys(), names=["Ticker", "Price"])
    if group_by == "column":
        data.columns = data.columns.swaplevel(0, 1)
        data = data.sort_index(level=0, axis=1)
    return data


def test_two_tickers_and_a_failed_one_become_long_rows():
    frame = yf_download_frame({"AVGO": AVGO_BARS, "NVDA": NVDA_BARS, "XXXX": None})
    assert frame.columns.names == ["Price", "Ticker"]
    assert ("Dividends", "NVDA") in frame.columns and ("Stock Splits", "AVGO") in frame.columns
    assert ("Dividends", "XXXX") not in frame.columns

    rows = normalise_download(frame, FETCHED_AT)

    assert list(rows.columns) == PRICE_COLUMNS
    assert len(rows) == 8  # the all-NaN ticker contributes nothing
    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    assert "XXXX" not in set(rows["ticker"])
    # ordered by (trade_date, ticker)
    assert list(zip(rows["trade_date"], rows["ticker"]))[:3] == [
        (dt.date(2025, 1, 23), "AVGO"),
        (dt.date(2025, 1, 23), "NVDA"),
        (dt.date(2025, 1, 24), "AVGO"),
    ]

    nvda = rows[rows["ticker"] == "NVDA"].set_index("trade_date")
    monday = nvda.loc[dt.date(2025, 1, 27)]
    assert monday["close"] == pytest.approx(118.42)
    assert monday["open"] == pytest.approx(124.80)
    assert monday["high"] == pytest.approx(128.40)
    assert monday["low"] == pytest.approx(116.70)
    assert monday["adj_close"] == pytest.approx(118.38)
    assert monday["volume"] == 818830900
    assert nvda.loc[dt.date(2025, 1, 24), "close"] == pytest.approx(142.62)  # the previous close
    assert nvda.loc[dt.date(2025, 1, 24), "volume"] == 234657600
    assert rows.loc[rows["ticker"] == "AVGO", "close"].tolist() == pytest.approx([240.28, 244.70, 202.13, 207.36])


def test_types_and_constant_columns():
    rows = normalise_download(yf_download_frame({"NVDA": NVDA_BARS, "XXXX": None}), FETCHED_AT)

    assert all(type(d) is dt.date for d in rows["trade_date"])  # a DATE, not a midnight timestamp
    assert pd.api.types.is_integer_dtype(rows["volume"])  # although the stacked column was float (NaN)
    assert rows["volume"].tolist() == [155915500, 234657600, 818830900, 579666400]
    assert set(rows["price_basis"]) == {"split_adjusted"}
    assert set(rows["source"]) == {"yfinance"}
    assert set(rows["fetched_at"]) == {FETCHED_AT}
    assert rows[["open", "high", "low", "close", "adj_close"]].notna().all().all()


def test_lowercase_and_padded_ticker_labels_are_normalised():
    rows = normalise_download(yf_download_frame({" nvda ": NVDA_BARS, "avgo": AVGO_BARS}), FETCHED_AT)

    assert sorted(set(rows["ticker"])) == ["AVGO", "NVDA"]
    assert rows.loc[
        (rows["ticker"] == "NVDA") & (rows["trade_date"] == dt.date(2025, 1, 27)), "close"
    ].item() == pytest.approx(118.42)


def test_a_missing_session_for_one_ticker_drops_only_that_row():
    # yfinance pads every ticker to the union of dates: a NaN close there means "no bar".
    avgo_without_friday = {d: v for d, v in AVGO_BARS.items() if d != "2025-01-24"}
    rows = normalise_download(yf_download_frame({"NVDA": NVDA_BARS, "AVGO": avgo_without_friday}), FETCHED_AT)

    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 3, "NVDA": 4}
    assert dt.date(2025, 1, 24) not in set(rows.loc[rows["ticker"] == "AVGO", "trade_date"])


def test_group_by_ticker_layout_gives_the_same_rows():
    by_column = normalise_download(yf_download_frame({"NVDA": NVDA_BARS, "AVGO": AVGO_BARS}), FETCHED_AT)
    by_ticker_frame = yf_download_frame({"NVDA": NVDA_BARS, "AVGO": AVGO_BARS}, group_by="ticker")
    assert by_ticker_frame.columns.names == ["Ticker", "Price"]

    by_ticker = normalise_download(by_ticker_frame, FETCHED_AT)

    pd.testing.assert_frame_equal(by_ticker, by_column)


def test_nothing_arrived():
    everything_failed = yf_download_frame({"XXXX": None, "YYYY": None})
    assert everything_failed.empty

    for frame in (None, everything_failed):
        rows = normalise_download(frame, FETCHED_AT)
        assert rows.empty
        assert list(rows.columns) == PRICE_COLUMNS


def test_unexpected_shapes_are_refused():
    flat = yf_download_frame({"NVDA": NVDA_BARS}).droplevel("Ticker", axis=1)
    with pytest.raises(ValueError, match="multi_level_index"):
        normalise_download(flat, FETCHED_AT)

    no_volume = yf_download_frame({"NVDA": NVDA_BARS}).drop(columns="Volume", level="Price")
    with pytest.raises(ValueError, match="Volume"):
        normalise_download(no_volume, FETCHED_AT)


def test_hand_built_frame_matches_real_download(make_session):
    """Pin the hand-built frames above to what yfinance 1.7 really returns (through the fake)."""
    import yfinance as yf

    real = yf.download(
        ["NVDA", "AVGO", "XXXX"],
        start="2025-01-23",
        end="2025-01-29",
        auto_adjust=False,
        actions=True,
        progress=False,
        threads=False,
        group_by="column",
        multi_level_index=True,
        session=make_session(),
    )
    built = yf_download_frame({"AVGO": AVGO_BARS, "NVDA": NVDA_BARS, "XXXX": None})

    assert list(real.columns) == list(built.columns)
    assert real.columns.names == built.columns.names
    assert real.index.name == built.index.name == "Date"
    assert real.index.tz is None
    assert list(real.index.date) == list(built.index.date)
    assert real.dtypes.to_dict() == built.dtypes.to_dict()
    pd.testing.assert_frame_equal(normalise_download(real, FETCHED_AT), normalise_download(built, FETCHED_AT))
