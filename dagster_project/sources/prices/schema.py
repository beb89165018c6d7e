"""The price interface: the raw schema of daily bars, the error and the PriceSource protocol."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pandas as pd
import pyarrow as pa

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


class PriceFetchError(RuntimeError):
    """Some tickers could not be fetched; the message names them and the cause. `rows` holds
    the bars of the tickers that did arrive (PRICE_COLUMNS; empty when none did)."""

    def __init__(self, message: str, tickers: list[str], transient: bool, rows: pd.DataFrame | None = None):
        super().__init__(message)
        self.tickers = tickers
        self.transient = transient
        self.rows = rows if rows is not None else empty_prices()


class PriceSource(Protocol):
    name: str

    def fetch(self, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily bars for `tickers` on sessions in [start, end] (inclusive), in PRICE_COLUMNS."""


def empty_prices() -> pd.DataFrame:
    return PRICES_SCHEMA.empty_table().to_pandas()
