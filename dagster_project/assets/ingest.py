"""Raw assets: fetch from a source adapter, write Parquet into the lake, check what landed.

Raw assets never open the DuckDB warehouse (that is dbt's alone), so ingest and analysts
never fight over its single-writer lock.
"""

import datetime as dt
import warnings

import pandas as pd
import pyarrow as pa
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Backoff,
    BetaWarning,
    Failure,
    Jitter,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from dagster_project import datasets, lake
from dagster_project.automation import PRICES_FRESHNESS
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.entities import entity_frame
from dagster_project.lib.checks import check_results, check_specs
from dagster_project.partitions import trading_day_partitions
from dagster_project.quality import price_check_results, quarantine_bad_prices
from dagster_project.resources import SourcesResource, WatchlistResource
from dagster_project.sources.prices import PriceFetchError
from dagster_project.trading_calendar import previous_session

# BackfillPolicy is marked beta; it is what makes a backfill range one run.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")

# Transient failures (rate limits, 5xx) that outlive the adapter's own retries get a second,
# slower chance at the op level; permanent ones raise Failure(allow_retries=False).
LIVE_FETCH_RETRY = RetryPolicy(max_retries=3, delay=30, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

PRICE_CHECKS = {
    "unique_ticker_trade_date": True,
    "positive_prices": True,
    "ohlc_consistent": True,
    "volume_non_negative": True,
    "watchlist_complete": True,
    "daily_return_below_40pct": False,
}


def preview(frame: pd.DataFrame, rows: int = 8) -> MetadataValue:
    return MetadataValue.md(frame.head(rows).to_markdown(index=False))


def write_dataset(settings: ShockWatchSettings, dataset: datasets.Dataset, frame: pd.DataFrame, key: str | None = None):
    return lake.write_parquet_atomic(frame, dataset.path(settings.lake_dir, key), dataset.schema)


@asset(
    **datasets.COMPANIES.asset_args(),
    description=(
        "The watchlist (dagster_project/watchlist.yml) as a lake table: ticker, company, theme, benchmark flag."
    ),
)
def companies(settings: ShockWatchSettings, watchlist: WatchlistResource) -> MaterializeResult:
    frame = pd.DataFrame(
        [
            {
                "ticker": c.ticker,
                "company_name": c.name,
                "theme": c.theme,
                "theme_description": watchlist.themes[c.theme],
                "is_benchmark": c.is_benchmark,
            }
            for c in watchlist.companies
        ]
    )
    path = write_dataset(settings, datasets.COMPANIES, frame)
    return MaterializeResult(metadata={"dagster/row_count": len(frame), "path": str(path), "preview": preview(frame)})


@asset(
    **datasets.ENTITIES.asset_args(),
    description=(
        "Entities news is tagged with (watchlist companies and the `actors` of watchlist.yml), "
        "one row per alias, with the whole-word pattern dbt matches headlines against."
    ),
)
def entities(settings: ShockWatchSettings, watchlist: WatchlistResource) -> MaterializeResult:
    frame = entity_frame(watchlist)
    path = write_dataset(settings, datasets.ENTITIES, frame)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "path": str(path),
            "entities": frame["entity"].nunique(),
            "preview": preview(frame),
        }
    )


@asset(
    **datasets.PRICES.asset_args(),
    partitions_def=trading_day_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=LIVE_FETCH_RETRY,
    freshness_policy=PRICES_FRESHNESS,
    check_specs=check_specs("prices", PRICE_CHECKS),
    description=(
        "Daily OHLCV bars per watchlist ticker, one Parquet file per NYSE session "
        "(lake/prices/trade_date=YYYY-MM-DD). Close is split-adjusted; `price_basis` says when "
        "a vendor only had dividend-adjusted bars. A partition range is fetched in one request."
    ),
)
def prices(
    context: AssetExecutionContext,
    settings: ShockWatchSettings,
    sources: SourcesResource,
    watchlist: WatchlistResource,
):
    sessions = [dt.date.fromisoformat(key) for key in context.partition_keys]
    tickers = watchlist.tickers
    context.log.info(
        f"fetching {len(tickers)} tickers x {len(sessions)} sessions "
        f"({sessions[0]}..{sessions[-1]}) from {sources.prices.name}"
    )
    try:
        raw = sources.prices.fetch(tickers, sessions[0], sessions[-1])
    except PriceFetchError as exc:
        if exc.transient:
            raise
        raise Failure(description=str(exc), allow_retries=False) from exc

    good, rejected = quarantine_bad_prices(raw, tickers, sessions)
    if not rejected.empty:
        path = quarantine(settings, "prices", context.run_id, rejected)
        for row in rejected.head(20).itertuples():
            context.log.warning(f"quarantined price row {row.ticker} {row.trade_date}: {row.reason}")
        context.log.warning(f"{len(rejected)} price rows quarantined to {path}")

    ordered = good.sort_values(["trade_date", "ticker"], ignore_index=True)
    by_session = ordered.groupby("trade_date", sort=False).indices  # session -> its rows' positions
    empty = [d.isoformat() for d in sessions if d not in by_session]
    if empty:
        # Nothing is written: the previous files of every partition in the range stay as they were.
        raise Failure(
            description=f"{sources.prices.name} returned no valid price rows for session(s) "
            f"{', '.join(empty[:10])}{' …' if len(empty) > 10 else ''}; no partition was written",
            allow_retries=False,
        )
    # converted to Arrow once for the whole range, then written a session's slice at a time:
    # converting each session apart cost ~2 ms of pandas overhead per file (374 in the case study)
    table = pa.Table.from_pandas(ordered, schema=datasets.PRICES.schema, preserve_index=False)
    lake.write_tables_atomic(
        # a session's rows are contiguous: sorted by session
        (table.slice(positions[0], len(positions)), datasets.PRICES.path(settings.lake_dir, day.isoformat()))
        for day, positions in by_session.items()
    )
    written = _read_prices(settings, sessions)  # the checks read what landed
    prev_path = datasets.PRICES.path(settings.lake_dir, previous_session(sessions[0]).isoformat())
    previous = lake.read_parquet(prev_path) if prev_path.exists() else written.iloc[0:0]
    checks = check_results(price_check_results(written, tickers, sessions, previous), warn=context.log.warning)
    yield MaterializeResult(
        metadata={
            "dagster/row_count": len(written),
            "sessions": len(sessions),
            "tickers_covered": MetadataValue.json(sorted(written["ticker"].unique().tolist())),
            "quarantined_rows": len(rejected),
            "source": sources.prices.name,
            "preview": preview(written[written["trade_date"] == sessions[-1]]),
        },
        check_results=checks,
    )


def _read_prices(settings: ShockWatchSettings, sessions: list[dt.date]) -> pd.DataFrame:
    paths = [datasets.PRICES.path(settings.lake_dir, d.isoformat()) for d in sessions]
    present = [p for p in paths if p.exists()]
    return lake.read_parquet_files(present) if present else datasets.PRICES.schema.empty_table().to_pandas()


def quarantine(settings: ShockWatchSettings, dataset: str, run_id: str, rejected: pd.DataFrame):
    """Keep rejected rows, with their reason, where an engineer can look at them."""
    path = settings.quarantine_dir / dataset / f"run={run_id}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    rejected.astype({c: "string" for c in rejected.columns if rejected[c].dtype == object}).to_parquet(
        path, index=False
    )
    return path
