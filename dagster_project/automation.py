"""Schedules, sensors and freshness: when each family runs, and how a failure is heard.

Each job ends in the dbt build and the publish step (see definitions.py), so a schedule
tick carries its family all the way to the analysts' warehouse: no second trigger needed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from zoneinfo import ZoneInfo

import requests
from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    FreshnessPolicy,
    RunFailureSensorContext,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    schedule,
    sensor,
)

from dagster_project.lib.alerts import post_alert
from dagster_project.lib.run_tags import partition_label, range_tags
from dagster_project.run_workers import reclaim_slots_of_dead_runs
from dagster_project.trading_calendar import is_session

log = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")

# Prices: stale if today's session is not in by 18:00 New York (close + 2 h) on weekdays.
PRICES_FRESHNESS = FreshnessPolicy.cron(
    deadline_cron="0 18 * * 1-5", lower_bound_delta=dt.timedelta(hours=1, minutes=30), timezone="America/New_York"
)
NEWS_FRESHNESS = FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=13), warn_window=dt.timedelta(hours=7))
APP_RANK_FRESHNESS = FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=26), warn_window=dt.timedelta(hours=9))
# Capex: filings come weeks after a quarter; a week without a successful run is stale, two fail.
CAPEX_FRESHNESS = FreshnessPolicy.time_window(fail_window=dt.timedelta(days=15), warn_window=dt.timedelta(days=8))
WAREHOUSE_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=26), warn_window=dt.timedelta(hours=13)
)


def _scheduled_time(context: ScheduleEvaluationContext) -> dt.datetime:
    return context.scheduled_execution_time or dt.datetime.now(dt.UTC)


@schedule(
    cron_schedule="45 16 * * 1-5",
    execution_timezone="America/New_York",
    job_name="daily_pipeline",
    default_status=DefaultScheduleStatus.RUNNING,
    description="After the NYSE close on session days: today's prices and shares, then dbt and publish.",
)
def prices_after_close(context: ScheduleEvaluationContext):
    day = _scheduled_time(context).astimezone(NEW_YORK).date()
    if not is_session(day):
        return SkipReason(f"{day} is not an NYSE session (exchange_calendars XNYS): no price run")
    return RunRequest(run_key=f"prices-{day}", partition_key=day.isoformat())


@schedule(
    cron_schedule="15 0,6,12,18 * * *",
    execution_timezone="UTC",
    job_name="news_pipeline",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "News four times a day. The 00:15 UTC run fetches the day that just ended, so items "
        "published late in the evening land in their own day's partition."
    ),
)
def news_every_six_hours(context: ScheduleEvaluationContext):
    at = _scheduled_time(context).astimezone(dt.UTC)
    day = (at - dt.timedelta(hours=1)).date()
    return RunRequest(run_key=f"news-{at:%Y-%m-%dT%H%M}", partition_key=day.isoformat())


@schedule(
    cron_schedule="30 */4 * * *",
    execution_timezone="UTC",
    job_name="app_rank_pipeline",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "App Store charts every four hours (Apple shows only the current chart; a missed day is "
        "lost). The daily fact keeps the best rank of the day."
    ),
)
def app_ranks_every_four_hours(context: ScheduleEvaluationContext):
    at = _scheduled_time(context).astimezone(dt.UTC)
    return RunRequest(run_key=f"app-ranks-{at:%Y-%m-%dT%H%M}", partition_key=at.date().isoformat())


def completed_quarter_starts(day: dt.date, count: int = 2) -> list[str]:
    """The first days of the `count` calendar quarters that ended last before `day`, oldest first."""
    quarter = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    starts = []
    for _ in range(count):
        quarter = dt.date(quarter.year - (quarter.month == 1), (quarter.month - 4) % 12 + 1, 1)
        starts.append(quarter.isoformat())
    return starts[::-1]


@schedule(
    cron_schedule="0 7 * * 1",
    execution_timezone="UTC",
    job_name="capex_pipeline",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "Capex every Monday: the last two completed calendar quarters in one run (10-Qs come "
        "within 40 days of a quarter, 10-Ks within 60), so late filers and restatements land."
    ),
)
def capex_weekly(context: ScheduleEvaluationContext):
    at = _scheduled_time(context).astimezone(dt.UTC)
    first, last = completed_quarter_starts(at.date())
    return RunRequest(run_key=f"capex-{at:%Y-%m-%d}", tags=range_tags(first, last))


def failure_message(job_name: str, run_id: str, partition: str | None, reason: str) -> dict:
    return {
        "text": f"ShockWatch run failed: {job_name}"
        + (f" [{partition}]" if partition else "")
        + f" ({run_id[:8]}): {reason}",
        "job": job_name,
        "run_id": run_id,
        "partition": partition,
        "reason": reason,
    }


def _step_failure_reason(event) -> str:
    """'step: why' — a Failure's description, else the error (a blocking check names itself there)."""
    data = event.step_failure_data
    why = (data.user_failure_data.description if data and data.user_failure_data else None) or (
        data.error.message.strip() if data and data.error else event.message
    )
    return f"{event.step_key}: {why}"


@run_failure_sensor(
    default_status=DefaultSensorStatus.RUNNING,
    description="Logs every failed run in one clear line and posts it to SHOCKWATCH_ALERT_WEBHOOK when set.",
)
def alert_on_run_failure(context: RunFailureSensorContext):
    run = context.dagster_run
    partition = partition_label(run.tags)
    reasons = [_step_failure_reason(e) for e in context.get_step_failure_events()] or [
        context.failure_event.message or "run failed"
    ]
    payload = failure_message(run.job_name, run.run_id, partition, " | ".join(reasons)[:2000])
    context.log.error(payload["text"])
    webhook = os.environ.get("SHOCKWATCH_ALERT_WEBHOOK")
    if webhook:
        try:
            post_alert(webhook, payload)
        except requests.RequestException as exc:
            context.log.error(f"could not post the alert to SHOCKWATCH_ALERT_WEBHOOK: {exc}")


@sensor(
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Fails runs whose process was killed and frees the `warehouse` pool slot they held, "
        "so the next run does not wait forever (see dagster_project/run_workers.py)."
    ),
)
def reclaim_slots_of_killed_runs(context: SensorEvaluationContext):
    reclaimed = reclaim_slots_of_dead_runs(context.instance, log=context.log)
    if reclaimed:
        return SkipReason(f"freed the pool slots of killed runs {', '.join(reclaimed)}")
    return SkipReason("no killed run holds a pool slot")


# The dossiers follow every publish (whichever family's job published): the asset's eager
# automation condition, evaluated by this sensor, requests a run once analytics_warehouse
# has a new materialization. By key, so this module imports no asset.
dossiers_after_publish = AutomationConditionSensorDefinition(
    "dossiers_after_publish",
    target=AssetSelection.assets("shock_dossiers"),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Rewrites the shock dossiers (shock_dossiers) after each publish of the analytics warehouse.",
)

SCHEDULES = [prices_after_close, news_every_six_hours, app_ranks_every_four_hours, capex_weekly]
SENSORS = [alert_on_run_failure, reclaim_slots_of_killed_runs, dossiers_after_publish]
