"""The report's and the dossiers' charts: matplotlib (Agg, no pyplot) rendered to inline SVG.

Deterministic on purpose: the same data gives the same bytes (a fixed `svg.hashsalt` for the
ids matplotlib generates, no creation date or creator in the metadata, text kept as text with
`svg.fonttype='none'` instead of glyph paths), so a re-run that changed nothing rewrites the
same files and a dossier diff shows only what the data changed.

Elements the pages and tests address carry ids: `bar-<date>` (a watchlist-total bar),
`event-<n>` (a numbered event marker, with its date in `data-date` and the title as a
`<title>` tooltip), `car-<ticker>` (a CAR path).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: the same output on a server as on a laptop

from matplotlib import rc_context  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from dagster_project.lib.formatting import axis_billions  # noqa: E402

TOTAL = "total"
LINE_COLOURS = ("#1d3557", "#e76f51", "#7b2cbf", "#2a6f97", "#8d6e63", "#6a994e", "#bc4749", "#457b9d", "#9c6644")
EVENT_COLOURS = {
    "price_move": "#495057",
    "news": "#2a9d8f",
    "app_rank": "#e9a800",
    "curated": "#c9184a",
    "capex": "#386641",
}
EVENT_COLOUR_OTHER = "#6c757d"
DOWN, UP = "#c0392b", "#2e8b57"
WIDTH_IN = 10.0  # the pages are ~1000 px wide; the SVG scales to its container
RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#adb5bd",
    "xtick.color": "#495057",
    "ytick.color": "#495057",
}
_MARKER = re.compile(r'<g id="event-(\d+)-(\d{4}-\d{2}-\d{2})">')


def _svg(fig: Figure, salt: str, titles: dict[int, str] | None = None) -> str:
    """The figure as an <svg> element (no XML prolog), the same bytes for the same figure."""
    buffer = io.StringIO()
    with rc_context({**RC, "svg.hashsalt": f"shockwatch-{salt}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    titles = titles or {}

    def marker(match: re.Match) -> str:
        n, day = match.group(1), match.group(2)
        tip = escape(titles.get(int(n), ""), quote=False)
        return f'<g id="event-{n}" class="event-marker" data-date="{day}"><title>{tip}</title>'

    return _MARKER.sub(marker, svg)


def _figure(height_in: float) -> Figure:
    with rc_context(RC):
        return Figure(figsize=(WIDTH_IN, height_in), layout="constrained")


def market_cap_change_svg(
    daily: Iterable[tuple[date, str, float | None]],
    events: Iterable[Sequence] = (),
    *,
    start: date | None = None,
    end: date | None = None,
    title: str = "Daily market-cap change",
) -> str:
    """Daily value changes (USD) over calendar days: series "total" as bars (red down, green
    up), every other series (a ticker) as a line, events as numbered markers stacked per day in
    a band above the plot; days without data (weekends, holidays) shaded.

    events: (date, label) or (date, label, kind) rows; marker i (1-based, in the given order)
    shows the number i, its tooltip is "i. <date> <label>".
    """
    rows = [(d, s, float(v)) for d, s, v in daily if v is not None]
    marks = [(e[0], str(e[1]), e[2] if len(e) > 2 else None) for e in events]
    dates = [d for d, _, _ in rows] + [d for d, _, _ in marks]
    if not dates and (start is None or end is None):
        raise ValueError("nothing to draw: no data, no events and no window")
    start, end = start or min(dates), end or max(dates)
    marks = [m for m in marks if start <= m[0] <= end]
    rows = [r for r in rows if start <= r[0] <= end]
    days = [start + timedelta(n) for n in range((end - start).days + 1)]

    by_day: dict[date, list[int]] = defaultdict(list)
    for i, (d, _, _) in enumerate(marks):
        by_day[d].append(i)
    per_row = 2 if len(days) > 24 else 3  # markers side by side in a day's column: two-digit numbers need the room
    band_rows = max(((len(v) + per_row - 1) // per_row for v in by_day.values()), default=0)
    band_in = 0.18 * band_rows + 0.1 if band_rows else 0.0
    fig = _figure(3.6 + band_in)
    if band_rows:
        band, ax = fig.subplots(2, 1, sharex=True, height_ratios=[band_in, 3.2])
    else:
        band, ax = None, fig.subplots()
    fig.suptitle(title, x=0.01, ha="left", fontsize=9.5, color="#495057")

    def x_of(d: date) -> int:
        return (d - start).days

    data_days = {d for d, _, _ in rows}
    for d in days:
        if d not in data_days:
            ax.axvspan(x_of(d) - 0.5, x_of(d) + 0.5, color="#f1f3f5", lw=0, zorder=0)
    for d in by_day:
        ax.axvline(x_of(d), color="#adb5bd", lw=0.7, ls=(0, (3, 3)), zorder=1)
    for d, series, v in rows:
        if series == TOTAL:
            bar = ax.bar(x_of(d), v, width=0.6, color=DOWN if v < 0 else UP, alpha=0.75, zorder=2)
            bar.patches[0].set_gid(f"bar-{d.isoformat()}")
    names = list(dict.fromkeys(s for _, s, _ in rows if s != TOTAL))
    for n, name in enumerate(names):
        points = sorted((d, v) for d, s, v in rows if s == name)
        ax.plot(
            [x_of(d) for d, _ in points],
            [v for _, v in points],
            marker="o",
            ms=3,
            lw=1.4,
            color=LINE_COLOURS[n % len(LINE_COLOURS)],
            label=name,
            zorder=3,
        )
    ax.axhline(0, color="#495057", lw=0.8, zorder=1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: axis_billions(v)))
    ax.grid(axis="y", color="#dee2e6", lw=0.6)
    ax.set_axisbelow(True)
    every = max(1, len(days) // 20 + (len(days) % 20 > 0))
    ticks = list(range(0, len(days), every))
    ax.set_xticks(ticks, [_day_label(days[t], t == 0 or days[t].day <= every, every == 1) for t in ticks])
    ax.set_xlim(-0.5, len(days) - 0.5)

    titles = {}
    if band is not None:
        band.set_ylim(-0.6, band_rows - 0.4)
        band.axis("off")
        for d, indices in by_day.items():
            for slot, i in enumerate(indices):
                row, col = divmod(slot, per_row)
                here = min(per_row, len(indices) - row * per_row)
                x = x_of(d) + (col - (here - 1) / 2) * (0.9 / per_row)
                _, label, kind = marks[i]
                band.text(
                    x,
                    row,
                    str(i + 1),
                    ha="center",
                    va="center",
                    fontsize=5.5,
                    color="#fff",
                    gid=f"event-{i + 1}-{d.isoformat()}",
                    bbox={
                        "boxstyle": "circle,pad=0.25",
                        "fc": EVENT_COLOURS.get(kind or "", EVENT_COLOUR_OTHER),
                        "ec": "none",
                    },
                )
                titles[i + 1] = f"{i + 1}. {d:%Y-%m-%d} {label}"
    handles = [
        Patch(color=DOWN, alpha=0.75, label="watchlist total (down)"),
        Patch(color=UP, alpha=0.75, label="watchlist total (up)"),
    ]
    kinds = list(dict.fromkeys(k for _, _, k in marks))
    handles += [
        Line2D(
            [],
            [],
            color=EVENT_COLOURS.get(k or "", EVENT_COLOUR_OTHER),
            marker="o",
            ls="",
            label=(k or "event").replace("_", " "),
        )
        for k in kinds
    ]
    ax.legend(
        handles=handles + ax.get_legend_handles_labels()[0],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncols=min(8, len(handles) + len(names)),
        frameon=False,
        fontsize=8,
    )
    return _svg(fig, "window", titles)


def _day_label(d: date, with_month: bool, with_weekday: bool) -> str:
    label = f"{d:%b} {d.day}" if with_month else str(d.day)
    return f"{label}\n{d:%a}"[:-2] if with_weekday else label  # the weekday's initial below the day


def car_paths_svg(paths: dict[str, list[tuple[int, float]]], epicenter: str, title: str) -> str:
    """Cumulative abnormal returns over event days (sessions; 0 = the shock's session), one
    line per ticker, the epicenter thick and first; zero at day −1, so day 0 is the day's AR."""
    fig = _figure(3.8)
    ax = fig.subplots()
    fig.suptitle(title, x=0.01, ha="left", fontsize=9.5, color="#495057")
    ax.axvspan(-0.5, 0.5, color="#fff3bf", lw=0, zorder=0)
    ax.axhline(0, color="#495057", lw=0.8)
    ax.grid(color="#e9ecef", lw=0.6)
    order = [epicenter] + sorted(t for t in paths if t != epicenter)
    for n, ticker in enumerate(t for t in order if paths.get(t)):
        points = sorted(paths[ticker])
        line = ax.plot(
            [d for d, _ in points],
            [v * 100 for _, v in points],
            marker="o",
            ms=2.5,
            lw=2.6 if ticker == epicenter else 1.1,
            color=LINE_COLOURS[n % len(LINE_COLOURS)],
            alpha=1.0 if ticker == epicenter else 0.85,
            label=ticker,
            zorder=3 if ticker == epicenter else 2,
        )
        line[0].set_gid(f"car-{ticker}")
    ax.set_xticks(range(-5, 11), [f"{d:+d}" if d else "0" for d in range(-5, 11)])
    ax.set_xlim(-5.5, 10.5)
    ax.set_xlabel("sessions from the shock (day 0)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}%".replace("-", "−") if v else "0%"))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    return _svg(fig, "car")


# The UI chart's marker band: at 5,000 tickers one session has ~700 price moves, whose
# markers made the band taller than the plot and cost ~1 s of matplotlib per daily run.
MAX_MARKED_EVENTS = 60


def events_to_mark(events: Sequence, limit: int = MAX_MARKED_EVENTS) -> list:
    """The events a chart marks, in their given order: all of them when they fit; otherwise
    the ones that are not price moves first (news, app ranks and filings explain a move),
    then the largest price moves by |magnitude|."""
    if len(events) <= limit:
        return list(events)
    others = [i for i, e in enumerate(events) if e.event_type != "price_move"][:limit]
    moves = sorted(
        (i for i, e in enumerate(events) if e.event_type == "price_move"),
        key=lambda i: (-abs(events[i].magnitude or 0.0), i),
    )
    return [events[i] for i in sorted(others + moves[: limit - len(others)])]


def market_cap_chart(analytics_db: Path, start: date, end: date, title: str) -> tuple[str, int, int]:
    """(SVG, events marked, events in the window): the window chart from a warehouse file, for
    the dbt step's metadata; a crowded window marks only MAX_MARKED_EVENTS of its events."""
    from dagster_project.reporting.data import load_report_data

    data = load_report_data(analytics_db, start, end, chart_only=True)
    marked = events_to_mark(data.events)
    return window_chart(replace(data, events=marked), title), len(marked), len(data.events)


def window_chart(data, title: str) -> str:
    """The window report's chart: the watchlist's daily value change (bars), its top movers
    (lines) and the events (numbered markers, the numbers of the report's timeline table)."""
    return market_cap_change_svg(
        [(d, TOTAL, v) for d, v, _ in data.totals] + list(data.movers),
        [(e.event_date, f"[{e.event_type}] {e.entities}: {e.title}", e.event_type) for e in data.events],
        start=data.start,
        end=data.end,
        title=title,
    )
