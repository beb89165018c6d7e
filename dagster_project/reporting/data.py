"""What the window report shows, read from the published warehouse (read-only, like any
analyst): the window's largest value losses, the watchlist's daily value change, the top
movers' lines, the event timeline and the shocks (each links its dossier). Rendering is
report.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.capex_context import CapexQuarter, capex_context, capex_filed_after
from dagster_project.lib.queries import largest_value_losses_sql

DEFAULT_START = date(2025, 1, 20)
DEFAULT_END = date(2025, 2, 7)
# The chart shows the watchlist total as bars plus lines for the few tickers that moved the
# most in the window: the bars give the size of the shock, the lines who drove it. More than
# three lines turn a daily-change chart into noise; every ticker is in fct_daily_market_cap.
TOP_MOVERS = 3
EVENT_TYPE_ORDER = ("price_move", "app_rank", "curated", "news", "capex")

LOSSES_SQL = largest_value_losses_sql(in_window=True)
# fct_theme_daily excludes benchmarks and compares only tickers with a cap on both days
TOTAL_SQL = """
select trade_date, sum(value_change_usd) as change_usd, sum(tickers_compared) as tickers
from marts.fct_theme_daily
where trade_date between ? and ?
group by trade_date
order by trade_date
"""
MOVERS_SQL = """
with movers as (
    select m.ticker
    from marts.fct_daily_market_cap as m
    inner join marts.dim_company as c using (ticker)
    where not c.is_benchmark and m.trade_date between ? and ? and m.value_change_usd is not null
    group by m.ticker
    order by max(abs(m.value_change_usd)) desc, m.ticker
    limit ?
)
select trade_date, ticker, value_change_usd
from marts.fct_daily_market_cap
where ticker in (select ticker from movers) and trade_date between ? and ?
order by ticker, trade_date
"""
# fct_event_timeline has one news row per item AND entity it mentions; the report shows
# each item once, with the entities it names.
EVENTS_SQL = f"""
select
    event_date,
    event_type,
    string_agg(distinct entity, ', ' order by entity) as entities,
    title,
    url,
    max(abs(magnitude)) as magnitude
from marts.fct_event_timeline
where event_date between ? and ?
group by event_date, event_type, title, url
order by event_date, list_position({list(EVENT_TYPE_ORDER)!r}, event_type) nulls last, entities, title
"""

SHOCKS_SQL = """
select trade_date, epicenter_ticker, epicenter_ar, epicenter_sar, abnormal_value_usd, member_count, dossier_path
from marts.fct_shocks
where trade_date between ? and ?
order by trade_date
"""


@dataclass(frozen=True)
class Loss:
    ticker: str
    company: str
    trade_date: date
    pct_change: float
    change_usd: float
    prev_close: float
    close: float


@dataclass(frozen=True)
class Event:
    event_date: date
    event_type: str
    entities: str
    title: str
    url: str | None
    magnitude: float | None = None  # |move| for a price move: what a crowded chart ranks by


@dataclass(frozen=True)
class ShockRow:
    trade_date: date
    epicenter: str
    epicenter_ar: float | None
    epicenter_sar: float | None
    abnormal_value_usd: float | None
    member_count: int
    dossier_path: str  # relative to the data dir (fct_shocks.dossier_path)


@dataclass(frozen=True)
class ReportData:
    start: date
    end: date
    losses: list[Loss]
    totals: list[tuple[date, float | None, int]]
    movers: list[tuple[date, str, float | None]]
    events: list[Event]
    warehouse_published: datetime
    shocks: list[ShockRow] = field(default_factory=list)
    capex_known: list[CapexQuarter] = field(default_factory=list)  # latest quarters known at `start`
    capex_filed: list[tuple] = field(default_factory=list)  # quarters filed in the window


def load_report_data(
    warehouse: Path | ShockWatchSettings, start: date, end: date, chart_only: bool = False
) -> ReportData:
    """`warehouse`: a DuckDB file (the build file for the dbt step's chart), or settings: their
    backend's published warehouse (warehouse_backend.open_published). chart_only for the dbt
    step's chart: the totals, movers and events it draws, not the report's tables (a build may
    not have made fct_shocks yet, and the losses cost a scan of fct_daily_market_cap, ~0.3 s
    at 25M rows, on every daily run)."""
    from dagster_project.warehouse_backend import open_published

    con, published = open_published(warehouse)
    with con:
        try:
            # the losses first: an older warehouse's missing value_change_usd names itself
            losses = [] if chart_only else [Loss(*r) for r in con.execute(LOSSES_SQL, [start, end]).fetchall()]
            totals = con.execute(TOTAL_SQL, [start, end]).fetchall()
            movers = con.execute(MOVERS_SQL, [start, end, TOP_MOVERS, start, end]).fetchall()
            events = [Event(*r) for r in con.execute(EVENTS_SQL, [start, end]).fetchall()]
            if chart_only:
                return ReportData(start, end, losses, totals, movers, events, published)
            shocks = [ShockRow(*r) for r in con.execute(SHOCKS_SQL, [start, end]).fetchall()]
            # the capex context: what was known when the window opened, and what was filed in it
            capex_known = capex_context(con, start)
            capex_filed = capex_filed_after(con, start, days=(end - start).days)
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            # a warehouse published by an older version lacks a mart or a column
            first_line = str(exc).splitlines()[0]
            raise ValueError(
                f"the published warehouse does not have what the report reads ({first_line}); it was "
                "published by an older ShockWatch: run 'make demo' (or any pipeline run) to republish"
            ) from exc
    return ReportData(start, end, losses, totals, movers, events, published, shocks, capex_known, capex_filed)
