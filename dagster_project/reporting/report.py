"""A self-contained HTML report of a market shock, from the published warehouse.

`build_report(analytics_db, start, end, out_dir)` opens data/warehouse/analytics.duckdb
read-only and writes out_dir/<start>_<end>.html: headline figures, the watchlist's daily
market-cap change with the event timeline as markers (inline SVG, see charts.py) and the
timeline as a table. Inline CSS only: no scripts, no external assets, so the file can be
mailed or archived as it is. Every text from the warehouse is HTML-escaped, and only
http(s) URLs become links.

    python -m dagster_project.report [--start 2025-01-20 --end 2025-02-07] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import date
from html import escape
from pathlib import Path

from dagster_project.charts import TOTAL, market_cap_change_svg
from dagster_project.lib.formatting import signed_billions, signed_pct
from dagster_project.report_data import (
    DEFAULT_END,
    DEFAULT_START,
    EVENT_TYPE_ORDER,
    TOP_MOVERS,
    Event,
    Loss,
    ReportData,
    load_report_data,
)

__all__ = ["DEFAULT_END", "DEFAULT_START", "Event", "Loss", "ReportData", "build_report", "load_report_data", "main"]

# ---------------------------------------------------------------- formatting


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links: a feed could carry javascript: or data: URLs."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _card(label: str, value: str, detail: str) -> str:
    return (
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>'
        f'<div class="detail">{_e(detail)}</div></div>'
    )


CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #212529; margin: 0; background: #fff; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #6c757d; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }
.card { border: 1px solid #dee2e6; border-radius: 8px; padding: 12px 14px; }
.card .label { color: #6c757d; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 650; margin: 2px 0; }
.card.loss .value { color: #c0392b; }
.card .detail { color: #495057; font-size: 13px; }
figure { margin: 0; overflow-x: auto; }
figcaption { color: #6c757d; font-size: 12px; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
th { background: #f8f9fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; }
.neg { color: #c0392b; } .pos { color: #2e8b57; }
.type { display: inline-block; padding: 0 6px; border-radius: 4px; color: #fff; font-size: 12px; white-space: nowrap; }
.type-price_move { background: #495057; } .type-news { background: #2a9d8f; }
.type-app_rank { background: #e9a800; color: #212529; } .type-curated { background: #c9184a; }
a { color: #1d4e89; }
footer { color: #6c757d; font-size: 12px; margin-top: 28px; }
"""


def report_chart(data: ReportData, title: str) -> str:
    """The watchlist's daily market-cap change (bars), its top movers (lines) and the events."""
    return market_cap_change_svg(
        [(d, TOTAL, v) for d, v, _ in data.totals] + list(data.movers),
        [(e.event_date, f"[{e.event_type}] {e.entities}: {e.title}", e.event_type) for e in data.events],
        start=data.start,
        end=data.end,
        title=title,
    )


def render_report(data: ReportData) -> str:
    window = f"{data.start:%d %b %Y} – {data.end:%d %b %Y}"
    cards = []
    if data.losses:
        top = data.losses[0]
        cards.append(
            _card(
                "Largest one-day loss",
                f"{top.ticker} {signed_billions(top.change_usd)}",
                f"{signed_pct(top.pct_change)} on {top.trade_date:%a %d %b %Y} (close {top.prev_close:.2f} → {top.close:.2f})",
            ).replace('class="card"', 'class="card loss"', 1)
        )
    days = [(d, v, n) for d, v, n in data.totals if v is not None]
    if days:
        worst = min(days, key=lambda r: r[1])
        cards.append(
            _card(
                "Watchlist's worst day",
                signed_billions(worst[1]),
                f"{worst[0]:%a %d %b %Y}, {worst[2]} tickers compared (benchmarks excluded)",
            )
        )
        cards.append(
            _card(
                "Watchlist over the window",
                signed_billions(sum(v for _, v, _ in days)),
                f"sum of the daily changes of {len(days)} sessions",
            )
        )
    kinds = {k: sum(e.event_type == k for e in data.events) for k in EVENT_TYPE_ORDER}
    cards.append(
        _card("Events", str(len(data.events)), ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in kinds.items() if n))
    )

    chart = report_chart(
        data,
        "Value change per day (price moves x the previous day's cap), USD billions; numbered markers are the events in the table below",
    )

    loss_rows = "".join(
        f'<tr><td class="date">{loss.trade_date:%a %Y-%m-%d}</td><td>{_e(loss.ticker)}</td><td>{_e(loss.company)}</td>'
        f'<td class="num neg">{signed_pct(loss.pct_change)}</td><td class="num neg">{signed_billions(loss.change_usd)}</td>'
        f'<td class="num">{loss.prev_close:.2f} → {loss.close:.2f}</td></tr>'
        for loss in data.losses
    )
    event_rows = []
    for i, ev in enumerate(data.events, 1):
        url = _safe_url(ev.url)
        title = f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(ev.title)}</a>' if url else _e(ev.title)
        event_rows.append(
            f'<tr id="event-{i}"><td class="num">{i}</td><td class="date">{ev.event_date:%a %Y-%m-%d}</td>'
            f'<td><span class="type type-{_e(ev.event_type)}">{_e(ev.event_type.replace("_", " "))}</span></td>'
            f"<td>{_e(ev.entities)}</td><td>{title}</td></tr>"
        )
    nothing = '<tr><td colspan="6">No data in this window.</td></tr>'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(f"ShockWatch report, {window}")}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>ShockWatch: market-cap shock report</h1>
<p class="sub">{_e(window)} · from the published warehouse (analytics.duckdb, published {data.warehouse_published:%Y-%m-%d %H:%M} UTC)</p>
<section class="cards">{"".join(cards)}</section>
<h2>Daily value change and events</h2>
<figure>
{chart}
<figcaption>Bars: the day's value change of the watchlist (price moves, never a share-count switch; benchmarks excluded; only tickers with a
market cap on both days are compared). Lines: the {TOP_MOVERS} tickers with the largest single-day moves
in the window. Numbered markers: the events below (hover for the title); grey columns are days without a session.</figcaption>
</figure>
<h2>Largest single-day losses in the window</h2>
<table>
<thead><tr><th>Session</th><th>Ticker</th><th>Company</th><th class="num">Return</th><th class="num">Value change</th><th class="num">Close</th></tr></thead>
<tbody>{loss_rows or nothing}</tbody>
</table>
<h2>Event timeline</h2>
<table class="events">
<thead><tr><th class="num">#</th><th>Date</th><th>Type</th><th>Entity</th><th>What happened</th></tr></thead>
<tbody>{"".join(event_rows) or nothing}</tbody>
</table>
<footer>Money in USD; market cap = split-adjusted close × the latest share count publicly known that day.
Source tables: marts.fct_daily_market_cap, marts.fct_theme_daily, marts.fct_event_timeline.</footer>
</main>
</body>
</html>
"""


def write_report(analytics_db: Path, start: date, end: date, out_dir: Path) -> tuple[Path, ReportData]:
    """Render and write the report atomically (temp file + os.replace); returns (path, data)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    data = load_report_data(Path(analytics_db), start, end)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{start.isoformat()}_{end.isoformat()}.html"
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(render_report(data), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path, data


def build_report(analytics_db: Path, start: date, end: date, out_dir: Path) -> Path:
    """Write out_dir/<start>_<end>.html from the published warehouse; returns its path."""
    return write_report(analytics_db, start, end, out_dir)[0]


def main(argv: list[str] | None = None) -> int:
    from dagster_project.config.settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m dagster_project.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="last day (YYYY-MM-DD)")
    parser.add_argument("--out-dir", type=Path, default=settings.data_path / "reports", help="where to write the HTML")
    args = parser.parse_args(argv)
    try:
        path, data = write_report(settings.analytics_db, args.start, args.end, args.out_dir)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Report ({len(data.events)} events): {path}")
    print(f"Open it: file://{path.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
