"""The raw capex asset: quarterly capital expenditure per company, one Parquet file per
calendar quarter (lake/capex_quarterly/quarter_start=2024-10-01/data.parquet).

Capex is the demand side of the AI shock (what the hyperscalers spend on the chips whose
value fell), so a wrong quarter must not reach the analysts: rows that break a rule go to the
quarantine folder with a reason that names them, and blocking checks re-read what landed
before dbt may build. A partition is merged, never blanked: a ticker the source did not
return this time (a failed fetch, or a quarter older than Yahoo keeps) keeps its earlier row,
and a rejected re-statement keeps the good figure already there.
"""

import datetime as dt

import pandas as pd
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from dagster_project import datasets, lake
from dagster_project.assets.ingest import LIVE_FETCH_RETRY, preview, quarantine, write_dataset
from dagster_project.automation import CAPEX_FRESHNESS
from dagster_project.capex_quality import (
    KEY,
    CapexRules,
    capex_check_results,
    quarantine_bad_capex,
    with_fiscal_calendar,
)
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.checks import check_results, check_specs
from dagster_project.lib.fiscal_calendar import EARLY_CLOSE_DAYS, calendar_quarter_start
from dagster_project.partitions import capex_quarter_partitions
from dagster_project.resources import SourcesResource, WatchlistResource
from dagster_project.sources.capex import CAPEX_COLUMNS, CapexFetchError

CAPEX_CHECKS = {
    "capex_spend_valid": True,
    "capex_on_fiscal_calendar": True,
    "capex_unique_period": True,
    "capex_below_3x_trailing_mean": False,
}


class CapexCheckRules(Config):
    """Thresholds of the capex checks (editable in the launchpad)."""

    max_jump: float = Field(default=3.0, description="WARN when a quarter is above this multiple of its trailing mean")

    def rules(self) -> CapexRules:
        return CapexRules(max_jump=self.max_jump)


def fetch_window(quarter_starts: list[dt.date]) -> tuple[dt.date, dt.date]:
    """Period ends that can fall into the quarters: a 52/53-week quarter may close in the
    first days of the month after (AAPL's 2023-04-01 belongs to 2023-Q1)."""
    last = quarter_starts[-1]
    after_last = dt.date(last.year + (last.month == 10), (last.month + 2) % 12 + 1, 1)
    return quarter_starts[0], after_last + dt.timedelta(days=EARLY_CLOSE_DAYS)


def merged_partition(new: pd.DataFrame, previous: pd.DataFrame, rejected_keys: set) -> pd.DataFrame:
    """The partition after this run: the new rows, plus every earlier row whose ticker sent
    nothing for the quarter this time or whose new figure was rejected."""
    if previous.empty:
        return new
    keys = list(zip(previous["ticker"], previous["period_end"]))
    sent = set(new["ticker"].unique())  # once, not per earlier row
    kept = previous[[t not in sent or k in rejected_keys for t, k in zip(previous["ticker"], keys)]]
    return pd.concat([new, kept], ignore_index=True) if not kept.empty else new


def in_quarters(frame: pd.DataFrame, quarter_starts: set[str]) -> pd.DataFrame:
    """The rows whose period end falls into one of the calendar quarters (keys of the partitions)."""
    keys = [calendar_quarter_start(d).isoformat() if pd.notna(d) else None for d in frame["period_end"]]
    return frame[pd.Series([k in quarter_starts for k in keys], index=frame.index, dtype=bool)]


def read_capex_lake(settings: ShockWatchSettings) -> pd.DataFrame:
    root = settings.lake_dir / datasets.CAPEX.name
    frames = [lake.read_parquet(p) for p in sorted(root.glob(f"{datasets.CAPEX.partition_column}=*/{lake.DATA_FILE}"))]
    return pd.concat(frames, ignore_index=True) if frames else datasets.CAPEX.schema.empty_table().to_pandas()


@asset(
    **datasets.CAPEX.asset_args(),
    partitions_def=capex_quarter_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=LIVE_FETCH_RETRY,
    freshness_policy=CAPEX_FRESHNESS,
    check_specs=check_specs("capex_quarterly", CAPEX_CHECKS),
    description=(
        "Capital expenditure per company and fiscal quarter (purchases of property and equipment, "
        "as a positive USD figure; finance-lease principal apart where the filing reports it), "
        "one Parquet file per calendar quarter (lake/capex_quarterly/quarter_start=YYYY-MM-DD). "
        "Fiscal quarters map to calendar quarters by their period end (lib/fiscal_calendar.py). "
        "A partition range is fetched in one request; bad rows are quarantined with a reason."
    ),
)
def capex_quarterly(
    context: AssetExecutionContext,
    config: CapexCheckRules,
    settings: ShockWatchSettings,
    sources: SourcesResource,
    watchlist: WatchlistResource,
):
    quarters = [dt.date.fromisoformat(key) for key in context.partition_keys]
    fiscal_year_ends = watchlist.capex_fiscal_year_ends
    start, end = fetch_window(quarters)
    context.log.info(
        f"fetching capex for {len(fiscal_year_ends)} tickers, period ends {start}..{end}, from {sources.capex.name}"
    )
    failed: list[str] = []
    try:
        raw = sources.capex.fetch(list(fiscal_year_ends), start, end)
    except CapexFetchError as exc:
        if exc.rows.empty:
            if exc.transient:  # rate limit, 5xx, timeout: the op's retry policy gets a slower second chance
                raise
            raise Failure(description=str(exc), allow_retries=False) from exc
        context.log.warning(f"{exc}; the other tickers' quarters are written, these keep their earlier rows")
        raw, failed = exc.rows, exc.tickers

    wanted = {q.isoformat() for q in quarters}
    framed = with_fiscal_calendar(raw[CAPEX_COLUMNS], fiscal_year_ends)
    good, rejected = quarantine_bad_capex(in_quarters(framed, wanted).reset_index(drop=True), fiscal_year_ends)
    if not rejected.empty:
        where = quarantine(settings, "capex_quarterly", context.run_id, rejected)
        for row in rejected.head(20).itertuples():
            context.log.warning(f"quarantined capex {row.ticker} {row.period_end}: {row.reason}")
        context.log.warning(f"{len(rejected)} capex row(s) quarantined to {where}")
    if good.empty and rejected.empty:
        # Nothing is written: every partition of the range keeps the file it had.
        raise Failure(
            description=(
                f"{sources.capex.name} returned no capex quarter ending {start}..{end}; no partition was written"
            ),
            allow_retries=False,
        )

    rejected_keys = set(zip(rejected["ticker"], rejected["period_end"]))
    good = good.assign(_partition=[calendar_quarter_start(d).isoformat() for d in good["period_end"]])
    written = []
    for quarter in sorted(wanted):
        path = datasets.CAPEX.path(settings.lake_dir, quarter)
        previous = lake.read_parquet(path) if path.exists() else good.iloc[0:0].drop(columns="_partition")
        new = good[good["_partition"] == quarter].drop(columns="_partition")
        if new.empty:
            context.log.info(f"no capex quarter for {quarter} from {sources.capex.name}; partition left as it was")
            continue
        merged = merged_partition(new, previous[CAPEX_COLUMNS], rejected_keys).sort_values(KEY, ignore_index=True)
        write_dataset(settings, datasets.CAPEX, merged, quarter)
        written.append(quarter)

    history = read_capex_lake(settings)
    landed = in_quarters(history, wanted)
    checks = check_results(
        capex_check_results(landed.reset_index(drop=True), history, fiscal_year_ends, config.rules()),
        warn=context.log.warning,
    )
    yield MaterializeResult(
        metadata={
            "dagster/row_count": len(landed),
            "partitions_written": MetadataValue.json(written),
            "tickers_covered": MetadataValue.json(sorted(landed["ticker"].unique().tolist())),
            "tickers_failed": MetadataValue.json(failed),
            "quarantined_rows": len(rejected),
            "source": sources.capex.name,
            "preview": preview(landed.sort_values("period_end", ascending=False)),
        },
        check_results=checks,
    )
