"""Fiscal quarters map to calendar quarters by their nominal month end."""

import datetime as dt

import pytest

from dagster_project.lib.fiscal_calendar import (
    calendar_quarter,
    calendar_quarter_start,
    fiscal_period,
    is_on_fiscal_calendar,
)

D = dt.date


@pytest.mark.parametrize(
    ("ticker", "period_end", "year_end_month", "fiscal", "calendar"),
    [
        ("MSFT", D(2024, 12, 31), 6, (2025, 2), "2024-Q4"),  # FY2025 ends June 2025
        ("MSFT", D(2025, 6, 30), 6, (2025, 4), "2025-Q2"),
        ("ORCL", D(2025, 2, 28), 5, (2025, 3), "2025-Q1"),  # quarters end Aug, Nov, Feb, May
        ("ORCL", D(2024, 8, 31), 5, (2025, 1), "2024-Q3"),
        ("AAPL", D(2023, 4, 1), 9, (2023, 2), "2023-Q1"),  # a Saturday close in April's first week
        ("AAPL", D(2024, 9, 28), 9, (2024, 4), "2024-Q3"),
        ("AAPL", D(2024, 12, 28), 9, (2025, 1), "2024-Q4"),
        ("NVDA", D(2025, 1, 26), 1, (2025, 4), "2025-Q1"),
        ("AVGO", D(2024, 11, 3), 10, (2024, 4), "2024-Q4"),  # early November belongs to October
        ("META", D(2024, 12, 31), 12, (2024, 4), "2024-Q4"),
    ],
)
def test_fiscal_and_calendar_quarters(ticker, period_end, year_end_month, fiscal, calendar):
    assert is_on_fiscal_calendar(period_end, year_end_month), ticker
    assert fiscal_period(period_end, year_end_month) == fiscal
    assert calendar_quarter(period_end) == calendar
    assert calendar_quarter_start(period_end).isoformat()[:7] == f"{calendar[:4]}-{3 * int(calendar[-1]) - 2:02d}"


def test_a_month_that_ends_no_quarter_of_the_calendar_is_off_it():
    assert not is_on_fiscal_calendar(D(2024, 11, 30), 12)
    assert not is_on_fiscal_calendar(D(2024, 12, 31), 5)
    assert is_on_fiscal_calendar(D(2024, 11, 30), 5)
