"""Schedules follow the real calendars; a failed run is logged and posted to the webhook."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from dagster import (
    DagsterEventType,
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    build_schedule_context,
)

from dagster_project.automation import (
    alert_on_run_failure,
    app_ranks_every_four_hours,
    capex_weekly,
    news_every_six_hours,
    prices_after_close,
)
from dagster_project.definitions import build_definitions
from tests.pipeline import run_pipeline

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def tick(schedule, when):
    return schedule(build_schedule_context(scheduled_execution_time=when))


def test_price_schedule_skips_mlk_day_and_runs_the_next_session():
    holiday = tick(prices_after_close, dt.datetime(2025, 1, 20, 16, 45, tzinfo=NY))
    assert isinstance(holiday, SkipReason) and "2025-01-20 is not an NYSE session" in holiday.skip_message
    session = tick(prices_after_close, dt.datetime(2025, 1, 21, 16, 45, tzinfo=NY))
    assert isinstance(session, RunRequest) and session.partition_key == "2025-01-21"
    mourning = tick(prices_after_close, dt.datetime(2025, 1, 9, 16, 45, tzinfo=NY))
    assert isinstance(mourning, SkipReason)  # national day of mourning for President Carter


def test_news_schedule_fetches_yesterday_just_after_midnight_then_today():
    assert tick(news_every_six_hours, dt.datetime(2025, 1, 27, 0, 15, tzinfo=UTC)).partition_key == "2025-01-26"
    assert tick(news_every_six_hours, dt.datetime(2025, 1, 27, 12, 15, tzinfo=UTC)).partition_key == "2025-01-27"


def test_app_rank_schedule_captures_today_every_run_including_sundays():
    request = tick(app_ranks_every_four_hours, dt.datetime(2025, 1, 26, 8, 30, tzinfo=UTC))
    assert request.partition_key == "2025-01-26"
    assert request.run_key != tick(app_ranks_every_four_hours, dt.datetime(2025, 1, 26, 12, 30, tzinfo=UTC)).run_key


def test_capex_schedule_covers_the_last_two_completed_quarters_in_one_run():
    # 2025-02-03: Q4 2024 10-Ks are being filed, late Q3 restatements still land
    request = tick(capex_weekly, dt.datetime(2025, 2, 3, 7, 0, tzinfo=UTC))
    assert request.tags["dagster/asset_partition_range_start"] == "2024-07-01"
    assert request.tags["dagster/asset_partition_range_end"] == "2024-10-01"
    january = tick(capex_weekly, dt.datetime(2025, 1, 6, 7, 0, tzinfo=UTC))
    assert january.tags["dagster/asset_partition_range_end"] == "2024-10-01" and january.run_key != request.run_key


def test_definitions_carry_the_schedules_and_the_failure_sensor(replay_settings):
    defs = build_definitions(replay_settings)
    assert {s.name: s.job_name for s in defs.schedules} == {
        "prices_after_close": "daily_pipeline",
        "news_every_six_hours": "news_pipeline",
        "app_ranks_every_four_hours": "app_rank_pipeline",
        "capex_weekly": "capex_pipeline",
    }
    assert [s.name for s in defs.sensors] == [
        "alert_on_run_failure",
        "reclaim_slots_of_killed_runs",
        "dossiers_after_publish",
    ]


def test_failed_run_is_logged_and_posted_to_the_webhook(replay_settings, httpserver, monkeypatch):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SHOCKWATCH_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    instance = DagsterInstance.ephemeral()
    result = run_pipeline(build_definitions(replay_settings), "2025-06-27", "2025-07-02", instance=instance)
    assert not result.success  # the bundle ends 2025-06-30
    failure = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_FAILURE)[0].dagster_event
    context = build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
    ).for_run_failure()
    alert_on_run_failure(context)

    ((request, _),) = httpserver.log
    payload = json.loads(request.get_data())
    assert payload["job"] == "daily_pipeline"
    assert payload["partition"] == "2025-06-27..2025-07-02"
    assert payload["reason"].startswith("prices: case_study returned no valid price rows for session(s) 2025-07-01")
