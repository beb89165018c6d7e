"""NYSE sessions, from exchange_calendars (never a hand-written holiday list)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

PRICES_START = dt.date(2024, 1, 2)


@lru_cache(maxsize=1)
def nyse():
    # The default calendar window (about 20 years back, 1 year ahead) covers backfills and schedules.
    return xcals.get_calendar("XNYS")


def sessions_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """NYSE sessions in [start, end], both inclusive."""
    cal = nyse()
    start = max(start, cal.first_session.date())
    end = min(end, cal.last_session.date())
    if start > end:
        return []
    return [ts.date() for ts in cal.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))]


def is_session(day: dt.date) -> bool:
    return nyse().is_session(pd.Timestamp(day))


def closed_weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    """Weekdays on which NYSE did not (or will not) open: holidays and special closures."""
    sessions = set(sessions_between(start, end))
    days = pd.bdate_range(start, end)
    return [d.date() for d in days if d.date() not in sessions]


def previous_session(day: dt.date) -> dt.date:
    """The last session strictly before `day`."""
    ts = pd.Timestamp(day)
    if is_session(day):
        return nyse().previous_session(ts).date()
    return nyse().date_to_session(ts, direction="previous").date()
