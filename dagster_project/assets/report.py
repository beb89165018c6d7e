"""The case-study report: a self-contained HTML page built from the published warehouse."""

import datetime as dt

from dagster import AssetKey, Config, MaterializeResult, MetadataValue, asset

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.formatting import signed_billions, signed_pct
from dagster_project.reporting.data import DEFAULT_END, DEFAULT_START
from dagster_project.reporting.report import write_report


class ReportWindow(Config):
    """The window to report on (ISO dates); the default is the case study."""

    start: str = DEFAULT_START.isoformat()
    end: str = DEFAULT_END.isoformat()


@asset(
    group_name="publish",
    kinds={"html"},
    deps=[AssetKey("analytics_warehouse")],
    description=(
        "HTML report of the DeepSeek shock (2025-01-20..2025-02-07) from the published warehouse: "
        "headline losses, the watchlist's daily market-cap change with the event timeline as markers "
        "(inline SVG) and the timeline as a table. One self-contained file in data/reports/; "
        "`make report` builds the same page for any window; so does this asset's run config "
        "(start, end)."
    ),
)
def shock_report(config: ReportWindow, settings: ShockWatchSettings) -> MaterializeResult:
    # Reads the published warehouse read-only like any analyst (analytics.duckdb, or the
    # DuckLake snapshot last published): no warehouse pool needed.
    start, end = dt.date.fromisoformat(config.start), dt.date.fromisoformat(config.end)
    path, data = write_report(settings, start, end, settings.data_path / "reports")
    top = data.losses[0] if data.losses else None
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "dagster/row_count": len(data.events),
            "window": f"{start}..{end}",
            "largest_loss": (
                f"{top.ticker} {top.trade_date} {signed_pct(top.pct_change)} {signed_billions(top.change_usd)}"
                if top
                else "none"
            ),
        }
    )
