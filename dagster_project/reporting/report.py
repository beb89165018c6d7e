"""The window report: a self-contained HTML page of a market shock, from the published warehouse.

`write_report(warehouse, start, end, out_dir)` opens the published warehouse read-only (a
DuckDB file, or settings: analytics.duckdb or the DuckLake snapshot last published) and
writes out_dir/<start>_<end>.html: headline figures, the watchlist's daily value change
with the event timeline as numbered markers (inline SVG, charts.py), the window's shocks
with links to their dossiers (out_dir/shocks/, dossier.py) and the timeline as a table.
Inline CSS only: no scripts, no external assets, so the file can be mailed or archived as
it is (with its shocks/ folder for the dossier links).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dagster_project.lib.formatting import signed_billions, signed_pct
from dagster_project.reporting.charts import window_chart
from dagster_project.reporting.data import (
    DEFAULT_END,
    DEFAULT_START,
    EVENT_TYPE_ORDER,
    TOP_MOVERS,
    Event,
    Loss,
    ReportData,
    ShockRow,
    load_report_data,
)
from dagster_project.reporting.render import render, svg_markup, write_atomic

__all__ = [
    "DEFAULT_END",
    "DEFAULT_START",
    "Event",
    "Loss",
    "ReportData",
    "ShockRow",
    "build_report",
    "render_report",
    "write_report",
]

CHART_TITLE = (
    "Value change per day (price moves x the previous day's cap), USD billions; "
    "numbered markers are the events in the table below"
)


def _cards(data: ReportData) -> list[dict]:
    cards = []
    if data.losses:
        top = data.losses[0]
        cards.append(
            {
                "label": "Largest one-day loss",
                "value": f"{top.ticker} {signed_billions(top.change_usd)}",
                "detail": f"{signed_pct(top.pct_change)} on {top.trade_date:%a %d %b %Y} "
                f"(close {top.prev_close:.2f} → {top.close:.2f})",
                "loss": True,
            }
        )
    days = [(d, v, n) for d, v, n in data.totals if v is not None]
    if days:
        worst = min(days, key=lambda r: r[1])
        cards.append(
            {
                "label": "Watchlist's worst day",
                "value": signed_billions(worst[1]),
                "detail": f"{worst[0]:%a %d %b %Y}, {worst[2]} tickers compared (benchmarks excluded)",
            }
        )
        cards.append(
            {
                "label": "Watchlist over the window",
                "value": signed_billions(sum(v for _, v, _ in days)),
                "detail": f"sum of the daily changes of {len(days)} sessions",
            }
        )
    kinds = {k: sum(e.event_type == k for e in data.events) for k in EVENT_TYPE_ORDER}
    others = len(data.events) - sum(kinds.values())
    detail = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in kinds.items() if n)
    cards.append(
        {"label": "Events", "value": str(len(data.events)), "detail": detail + (f", {others} other" * bool(others))}
    )
    return cards


def render_report(data: ReportData) -> str:
    return render(
        "report.html",
        data=data,
        window=f"{data.start:%d %b %Y} – {data.end:%d %b %Y}",
        cards=_cards(data),
        chart=svg_markup(window_chart(data, CHART_TITLE)),
        top_movers=TOP_MOVERS,
    )


def write_report(warehouse, start: date, end: date, out_dir: Path) -> tuple[Path, ReportData]:
    """Render and write the report atomically (temp file + os.replace); returns (path, data).
    `warehouse`: a published DuckDB file, or settings (load_report_data)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    data = load_report_data(warehouse, start, end)
    path = Path(out_dir) / f"{start.isoformat()}_{end.isoformat()}.html"
    write_atomic(path, render_report(data))
    return path, data


def build_report(warehouse, start: date, end: date, out_dir: Path) -> Path:
    """Write out_dir/<start>_<end>.html from the published warehouse; returns its path."""
    return write_report(warehouse, start, end, out_dir)[0]
