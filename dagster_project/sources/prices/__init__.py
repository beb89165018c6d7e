"""Daily price bars: the raw schema and the PriceSource interface (re-exported here, so callers
need not know the module layout), with one module per job:

- normalise.py  yf.download output -> rows in PRICE_COLUMNS;
- live.py       the live yfinance adapter (retries, per-ticker failures);
- replay.py     the case-study replay.

The yfinance plumbing shared with share counts is in dagster_project.sources.yfinance_plumbing.
"""

from dagster_project.sources.prices.schema import (
    PRICE_COLUMNS,
    PRICES_SCHEMA,
    PriceFetchError,
    PriceSource,
    empty_prices,
)

__all__ = ["PRICE_COLUMNS", "PRICES_SCHEMA", "PriceFetchError", "PriceSource", "empty_prices"]
