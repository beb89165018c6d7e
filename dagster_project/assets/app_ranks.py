"""Raw App Store chart snapshots, one Parquet file per capture day (UTC).

Apple only shows each chart as it is now, so history exists only because this runs every
day. Several captures a day are kept (the daily fact takes the best rank); re-running a
capture day with the same snapshot leaves identical rows.
"""

import datetime as dt

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project import datasets, lake
from dagster_project.assets.ingest import preview, write_dataset
from dagster_project.automation import APP_RANK_FRESHNESS
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.checks import CheckOutcome, check_results, check_specs
from dagster_project.partitions import app_rank_day_partitions
from dagster_project.resources import SourcesResource, WatchlistResource

SNAPSHOT_KEY = ["captured_at", "country", "chart", "rank"]
APP_CHECKS = {
    "rank_unique_per_snapshot": True,
    "rank_within_limit": True,
    "app_id_not_null": True,
    "all_charts_captured": False,
}


@asset(
    **datasets.HIGHLIGHT_APPS.asset_args(),
    description="Apps the analysts follow across charts (watchlist.yml `highlight_apps`): app id and display name.",
)
def highlight_apps(settings: ShockWatchSettings, watchlist: WatchlistResource) -> MaterializeResult:
    frame = pd.DataFrame(
        [{"app_id": a.app_id, "display_name": a.name} for a in watchlist.highlight_apps],
        columns=datasets.HIGHLIGHT_APPS.schema.names,
    )
    write_dataset(settings, datasets.HIGHLIGHT_APPS, frame)
    return MaterializeResult(metadata={"dagster/row_count": len(frame), "preview": preview(frame)})


@asset(
    **datasets.APP_RANKS.asset_args(),
    partitions_def=app_rank_day_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    freshness_policy=APP_RANK_FRESHNESS,
    check_specs=check_specs("app_rank_snapshots", APP_CHECKS),
    description=(
        "App Store top-chart positions per capture (lake/app_rank_snapshots/capture_date=YYYY-MM-DD): "
        "Apple's v2 JSON feed for top-free/top-paid, the legacy iTunes feed for top-grossing. "
        "Live captures are only possible for today; the case study replays documented positions."
    ),
)
def app_rank_snapshots(
    context: AssetExecutionContext,
    settings: ShockWatchSettings,
    sources: SourcesResource,
    watchlist: WatchlistResource,
):
    days = [dt.date.fromisoformat(k) for k in context.partition_keys]
    charts = list(watchlist.charts)
    limits = {(c.country, c.chart): c.limit for c in charts}
    written, failures = [], {}
    for day in days:
        try:
            result = sources.app_charts.fetch(charts, day)
        except ValueError as exc:  # e.g. a live capture asked for a past day
            raise Failure(description=str(exc), allow_retries=False) from exc
        for key, message in result.failures.items():
            context.log.warning(f"chart {key} on {day} failed: {message}")
        failures.update({f"{day} {k}": v for k, v in result.failures.items()})
        if result.rows.empty:
            if sources.mode == "live":
                raise Failure(
                    description=f"no chart could be captured on {day}: {result.failures}", allow_retries=False
                )
            context.log.info(f"no documented chart positions on {day}: no snapshot written")
            continue
        path = datasets.APP_RANKS.path(settings.lake_dir, day.isoformat())
        existing = lake.read_parquet(path) if path.exists() else None
        if existing is not None:
            # A snapshot captured again replaces the stored one as a whole. Deduplicating rows by
            # SNAPSHOT_KEY instead would also silently drop a repeated rank *within* the new
            # snapshot, which rank_unique_per_snapshot is there to catch.
            fresh = set(zip(result.rows["captured_at"], result.rows["country"], result.rows["chart"]))
            again = [key in fresh for key in zip(existing["captured_at"], existing["country"], existing["chart"])]
            existing = existing[~pd.Series(again, index=existing.index, dtype=bool)]
        merged = pd.concat([f for f in (existing, result.rows) if f is not None], ignore_index=True)
        merged = merged.sort_values(SNAPSHOT_KEY).reset_index(drop=True)
        write_dataset(settings, datasets.APP_RANKS, merged, day.isoformat())
        written.append(merged)
    stored = pd.concat(written, ignore_index=True) if written else datasets.APP_RANKS.schema.empty_table().to_pandas()
    highlighted = {a.app_id for a in watchlist.highlight_apps}
    yield MaterializeResult(
        metadata={
            "dagster/row_count": len(stored),
            "snapshots_written": len(written),
            "charts_failed": MetadataValue.json(failures),
            "source": sources.app_charts.name,
            "preview": preview(
                stored[stored["app_id"].isin(highlighted)][["captured_at", "country", "chart", "rank", "app_name"]]
            ),
        },
        check_results=_app_checks(stored, limits, failures),
    )


def _app_checks(stored: pd.DataFrame, limits: dict, failures: dict[str, str]) -> list[AssetCheckResult]:
    dupes = stored[stored.duplicated(["captured_at", "country", "chart", "rank"], keep=False)]
    limit = pd.Series(
        [limits.get((c, ch), 100) for c, ch in zip(stored["country"], stored["chart"])], index=stored.index
    )
    out_of_range = stored[(stored["rank"] < 1) | (stored["rank"] > limit)]
    no_id = stored[stored["app_id"].isna() | (stored["app_id"].astype(str).str.strip() == "")]

    def outcome(name: str, bad: pd.DataFrame, description: str) -> CheckOutcome:
        sample = [f"{r.country}/{r.chart} #{r.rank} {r.app_name}" for r in bad.head(10).itertuples()]
        return CheckOutcome(name, bad.empty, description, len(bad), sample)

    return check_results(
        [
            outcome("rank_unique_per_snapshot", dupes, "no two rows share a rank in one snapshot"),
            outcome("rank_within_limit", out_of_range, "every rank is within 1..the chart's limit"),
            outcome("app_id_not_null", no_id, "every row has an app id"),
            CheckOutcome(
                "all_charts_captured",
                not failures,
                "every configured chart was captured",
                len(failures),
                sorted(failures),
                blocking=False,
                extra={"failures": failures},
            ),
        ]
    )
