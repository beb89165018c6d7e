"""Shares outstanding: the raw schema and the SharesSource interface (re-exported here, so
callers need not know the module layout), with one module per job:

- normalise.py  yfinance's share-count series -> rows in SHARES_COLUMNS;
- live.py       the live yfinance adapter (fundamentals, fast_info fallback, retries);
- replay.py     the case-study replay.
"""

from dagster_project.sources.shares.schema import SHARES_COLUMNS, SHARES_SCHEMA, SharesFetchError, SharesSource

__all__ = ["SHARES_COLUMNS", "SHARES_SCHEMA", "SharesFetchError", "SharesSource"]
