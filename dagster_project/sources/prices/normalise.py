"""yf.download output -> long rows in PRICE_COLUMNS.

`auto_adjust=False` gives split-adjusted `Close` (used for market cap) and `Adj Close`.
"""

from __future__ import annotations

import pandas as pd

from dagster_project.sources.prices.schema import PRICE_COLUMNS, empty_prices

YF_FIELDS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}


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
