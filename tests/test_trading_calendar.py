import datetime as dt

from dagster import PartitionKeyRange

from dagster_project.partitions import trading_day_partitions
from dagster_project.trading_calendar import previous_session, sessions_between


def test_partitions_are_nyse_sessions_only():
    keys = trading_day_partitions.get_partition_keys_in_range(PartitionKeyRange("2025-01-06", "2025-01-22"))
    assert "2025-01-09" not in keys  # national day of mourning
    assert "2025-01-20" not in keys  # MLK Day
    assert keys[:4] == ["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-10"]


def test_case_study_range_has_374_sessions():
    keys = trading_day_partitions.get_partition_keys_in_range(PartitionKeyRange("2024-01-02", "2025-06-30"))
    assert len(keys) == 374
    assert keys == [d.isoformat() for d in sessions_between(dt.date(2024, 1, 2), dt.date(2025, 6, 30))]


def test_previous_session_skips_holidays_and_weekends():
    assert previous_session(dt.date(2025, 1, 21)) == dt.date(2025, 1, 17)
    assert previous_session(dt.date(2025, 1, 20)) == dt.date(2025, 1, 17)
    assert previous_session(dt.date(2025, 1, 27)) == dt.date(2025, 1, 24)
