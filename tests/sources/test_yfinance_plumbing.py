"""Which yfinance failure causes are transient (worth a later retry) and which are permanent."""

from __future__ import annotations

import pytest

from dagster_project.sources.yfinance_plumbing import looks_transient


@pytest.mark.parametrize(
    ("cause", "transient"),
    [
        ("['AVGO']: YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')", True),
        (
            "['AVGO']: ReadTimeout(\"HTTPSConnectionPool(host='query2.finance.yahoo.com', port=443): Read timed out.\")",
            True,
        ),
        (
            "['AVGO']: HTTPError('503 Server Error: Service Unavailable for url: https://query2.finance.yahoo.com/')",
            True,
        ),
        ("['XXXX']: YFTzMissingError('possibly delisted; no timezone found')", False),
        (
            "['XXXX']: HTTPError('404 Client Error: Not Found for url: https://query2.finance.yahoo.com/v10/finance/quoteSummary/XXXX')",
            False,
        ),
        # a status code inside a number or a crumb is not a status code
        ("['NVDA']: possibly delisted; no price data found (period1=1737500400 period2=1738126800)", False),
        ("no rows returned (crumb=Ab500xY)", False),
    ],
)
def test_transient_causes(cause, transient):
    assert looks_transient(cause) is transient
