"""Fiscal quarters -> calendar quarters, one rule for the whole capex family.

Companies close their fiscal years in different months (MSFT June, ORCL May, AAPL September,
the rest December), and some close on a weekday rather than a month end: Apple's quarters are
13-week periods ending on a Saturday (2023-04-01, 2024-09-28). So a period end is first moved to
its *nominal month end*: the month end nearest to it (a period that closes in the first week
of a month belongs to the month before). Then:

- the calendar quarter is the one that contains the nominal month end (AAPL's quarter ended
  2023-04-01 is calendar 2023-Q1; MSFT's fiscal Q2 2025, ended 2024-12-31, is calendar 2024-Q4);
- the fiscal year is named after the calendar year in which it ends (MSFT FY2025 ends
  2025-06-30), and fiscal quarter 1 is the first quarter after the fiscal year-end month;
- a period end is on its company's fiscal calendar when its nominal month end is one of the
  four quarter ends of that calendar (for ORCL: Feb, May, Aug, Nov).
"""

from __future__ import annotations

import calendar
import datetime as dt

# A quarter that closes this many days into a month (a 52/53-week calendar) belongs to the
# month before; a week covers every 52/53-week calendar the watchlist has.
EARLY_CLOSE_DAYS = 7


def nominal_month_end(period_end: dt.date) -> dt.date:
    """The month end a period end stands for (2023-04-01 -> 2023-03-31, 2024-09-28 -> 2024-09-30)."""
    day = period_end - dt.timedelta(days=period_end.day) if period_end.day <= EARLY_CLOSE_DAYS else period_end
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def calendar_quarter(period_end: dt.date) -> str:
    """'2024-Q4': the calendar quarter that contains the period's nominal month end."""
    month_end = nominal_month_end(period_end)
    return f"{month_end.year}-Q{(month_end.month - 1) // 3 + 1}"


def calendar_quarter_start(period_end: dt.date) -> dt.date:
    """The first day of `calendar_quarter(period_end)`: the key of the capex lake partition."""
    month_end = nominal_month_end(period_end)
    return dt.date(month_end.year, 3 * ((month_end.month - 1) // 3) + 1, 1)


def is_on_fiscal_calendar(period_end: dt.date, fiscal_year_end_month: int) -> bool:
    """True when the period closes in one of the four quarter-end months of the fiscal calendar."""
    return (nominal_month_end(period_end).month - fiscal_year_end_month) % 3 == 0


def fiscal_period(period_end: dt.date, fiscal_year_end_month: int) -> tuple[int, int]:
    """(fiscal_year, fiscal_quarter) of a quarter that closes on the fiscal calendar."""
    month_end = nominal_month_end(period_end)
    months_into_year = (month_end.month - fiscal_year_end_month - 1) % 12 + 1  # 1..12
    fiscal_year = month_end.year + (1 if month_end.month > fiscal_year_end_month else 0)
    return fiscal_year, (months_into_year - 1) // 3 + 1
