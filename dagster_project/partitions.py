"""Partitions: price partitions are NYSE sessions; news and app charts are calendar days;
capex partitions are calendar quarters."""

from __future__ import annotations

import datetime as dt

from dagster import DailyPartitionsDefinition, TimeWindowPartitionsDefinition

from dagster_project.trading_calendar import PRICES_START, closed_weekdays, nyse

# Weekdays minus the exchange's closures = sessions. The closures come from
# exchange_calendars, which knows one year ahead, so schedules never target a holiday.
trading_day_partitions = TimeWindowPartitionsDefinition(
    cron_schedule="0 0 * * 1-5",
    start=PRICES_START.isoformat(),
    fmt="%Y-%m-%d",
    timezone="America/New_York",
    # Today's session is a partition from midnight on, so the after-close schedule can run it.
    end_offset=1,
    exclusions=[
        dt.datetime.combine(day, dt.time()) for day in closed_weekdays(PRICES_START, nyse().last_session.date())
    ],
)

# News and app charts happen every calendar day (DeepSeek reached #1 on a Sunday).
# end_offset=1 makes today's partition exist, so a capture can run during the day.
news_day_partitions = DailyPartitionsDefinition(start_date="2024-01-01", end_offset=1)
app_rank_day_partitions = DailyPartitionsDefinition(start_date="2025-01-01", end_offset=1)

# Capex: one partition per calendar quarter, keyed by its first day (2024-10-01 = 2024-Q4), into
# which every company's fiscal quarter falls by its period end (lib/fiscal_calendar.py). A
# quarter's partition exists once the quarter is over: filings come after it.
capex_quarter_partitions = TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *",
    start="2023-01-01",
    fmt="%Y-%m-%d",
    timezone="UTC",
)
