"""The raw share-count asset: fetch, quarantine impossible counts, write, check what landed.

A count is the denominator of every market cap and value move an analyst reads, so a wrong
one must not reach them: rows that break a rule go to the quarantine folder with a reason
that names them, the lake keeps the previous good row for the same key, and blocking checks
re-read the file before dbt may build.
"""

import datetime as dt
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import (
    AssetExecutionContext,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from dagster_project import datasets, lake
from dagster_project.assets.ingest import LIVE_FETCH_RETRY, preview, quarantine, write_dataset
from dagster_project.automation import PRICES_FRESHNESS
from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.checks import check_results, check_specs
from dagster_project.resources import SourcesResource, WatchlistResource
from dagster_project.share_quality import (
    CLOSE_LOOKBACK_DAYS,
    KEY,
    ShareRules,
    implied_market_caps,
    quarantine_bad_shares,
    share_check_results,
)
from dagster_project.sources.shares import SharesFetchError
from dagster_project.trading_calendar import PRICES_START

SHARE_CHECKS = {
    "share_counts_valid": True,
    "share_count_market_cap_plausible": True,
    "share_count_changes_below_threshold": False,
}


class ShareCountRules(Config):
    """Thresholds of the share-count checks (editable in the launchpad)."""

    max_change: float = Field(default=0.05, description="WARN when consecutive split-adjusted counts differ by more")
    min_market_cap_usd: float = Field(default=5e7, description="Quarantine a count whose cap at the close is below")
    max_market_cap_usd: float = Field(default=2e13, description="Quarantine a count whose cap at the close is above")

    def rules(self) -> ShareRules:
        return ShareRules(self.max_change, self.min_market_cap_usd, self.max_market_cap_usd)


class LakeCloses:
    """close_on(ticker, day): the ticker's close on `day` or the last session up to
    CLOSE_LOOKBACK_DAYS before it, from the price partitions (only the few files needed);
    `session(day)` gives every ticker's at once (share_quality.implied_market_caps)."""

    def __init__(self, settings: ShockWatchSettings):
        self._settings = settings

    @cache  # noqa: B019 -- one lookup object per run; the cache is what it is for
    def session(self, day: dt.date) -> dict[str, float] | None:
        for back in range(CLOSE_LOOKBACK_DAYS + 1):
            path = datasets.PRICES.path(self._settings.lake_dir, (day - dt.timedelta(days=back)).isoformat())
            if path.exists():  # the two columns only: a quarter of the time of the whole partition
                bars = pq.read_table(path, columns=["ticker", "close"])
                closes = bars.column("close").cast(pa.float64()).to_pylist()
                return dict(zip(bars.column("ticker").to_pylist(), closes, strict=True))
        return None

    def __call__(self, ticker: str, day: dt.date) -> float | None:
        closes = self.session(day)
        return closes.get(ticker) if closes is not None else None


def latest_rows(frame: pd.DataFrame, column: str, rows: int = 8) -> pd.DataFrame:
    """The rows of the `rows` latest values of `column`, latest first: what the preview shows,
    without sorting every count (0.2 s at 400k)."""
    latest = sorted(frame[column].dropna().unique())[-rows:]
    return frame[frame[column].isin(latest)].sort_values(column, ascending=False, kind="stable")


def keep_previous_for(rejected: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The lake's earlier rows for the keys whose new row was rejected: a bad re-statement of a
    count never deletes the good one already there."""
    if rejected.empty or previous.empty:
        return previous.iloc[0:0]
    keys = set(map(tuple, rejected[KEY].astype(str).to_numpy()))
    return previous[[tuple(k) in keys for k in previous[KEY].astype(str).to_numpy()]]


@asset(
    **datasets.SHARES.asset_args(),
    retry_policy=LIVE_FETCH_RETRY,
    freshness_policy=PRICES_FRESHNESS,
    check_specs=check_specs("shares_outstanding", SHARE_CHECKS),
    description=(
        "Shares outstanding per ticker and date (lake/shares_outstanding/data.parquet), as reported, "
        "with the split factor that puts them on the price series' basis and the period's diluted "
        "count where the source has it. `filing_date` is when a count became public, so market "
        "caps never use a count before it was known. Impossible counts are quarantined with a "
        "reason. Benchmarks (ETFs) are skipped."
    ),
)
def shares_outstanding(
    context: AssetExecutionContext,
    config: ShareCountRules,
    settings: ShockWatchSettings,
    sources: SourcesResource,
    watchlist: WatchlistResource,
):
    tickers = [c.ticker for c in watchlist.companies if not c.is_benchmark]
    end = dt.date.today()
    start = dt.date(PRICES_START.year - 1, 1, 1)
    context.log.info(f"fetching share counts for {len(tickers)} tickers from {sources.shares.name}")
    try:
        frame = sources.shares.fetch(tickers, start, end)
    except SharesFetchError as exc:
        if exc.transient:  # rate limit, 5xx, timeout: the op's retry policy gets a slower second chance
            raise
        raise Failure(description=str(exc), allow_retries=False) from exc
    # unique() first: iterating 400k Arrow strings one by one cost 0.55 s at 5,000 tickers
    uncovered = sorted(set(tickers) - set(frame["ticker"].unique()))
    if uncovered:
        context.log.warning(f"no share count for {', '.join(uncovered)}: their market cap stays null")

    rules, close_on = config.rules(), LakeCloses(settings)
    good, rejected = quarantine_bad_shares(frame, implied_market_caps(frame, close_on), rules)
    path = datasets.SHARES.path(settings.lake_dir)
    previous = lake.read_parquet(path) if path.exists() else frame.iloc[0:0]
    kept = keep_previous_for(rejected, previous)
    if not rejected.empty:
        where = quarantine(settings, "shares_outstanding", context.run_id, rejected)
        for row in rejected.head(20).itertuples():
            context.log.warning(f"quarantined share count {row.ticker} {row.as_of_date} {row.measure}: {row.reason}")
        context.log.warning(
            f"{len(rejected)} share count(s) quarantined to {where}; "
            f"{len(kept)} earlier good row(s) for those keys kept"
        )
    written = pd.concat([good, kept], ignore_index=True).sort_values(KEY, ignore_index=True)
    write_dataset(settings, datasets.SHARES, written)

    landed = lake.read_parquet(path)
    checks = check_results(
        share_check_results(landed, implied_market_caps(landed, close_on), rules), warn=context.log.warning
    )
    yield MaterializeResult(
        metadata={
            "dagster/row_count": len(landed),
            "tickers_covered": MetadataValue.json(sorted(landed["ticker"].unique().tolist())),
            "tickers_without_count": MetadataValue.json(uncovered),
            "quarantined_rows": len(rejected),
            "source": sources.shares.name,
            "preview": preview(latest_rows(landed, "as_of_date")),
        },
        check_results=checks,
    )
