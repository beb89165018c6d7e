"""Small, dependency-free SVG charts for the HTML report (no plotting library, no JS).

`market_cap_change_svg` draws the daily market-cap change of the watchlist over calendar
days: the series named "total" as bars (red down, green up), any other series (tickers) as
thin lines with dots, and events as numbered markers stacked in a band above the plot, each
with a <title> tooltip and a dashed guide down its day. Days without data (weekends,
holidays) are shaded, so a Sunday event visibly happens between two sessions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from html import escape

from dagster_project.lib.formatting import axis_billions

TOTAL = "total"
LINE_COLOURS = ("#1d3557", "#e76f51", "#7b2cbf", "#2a6f97", "#8d6e63")
EVENT_COLOURS = {"price_move": "#495057", "news": "#2a9d8f", "app_rank": "#e9a800", "curated": "#c9184a"}
EVENT_COLOUR_OTHER = "#6c757d"
DOWN, UP = "#c0392b", "#2e8b57"

# layout (px)
WIDTH = 960
LEFT, RIGHT, BOTTOM = 74, 16, 74
PLOT_HEIGHT = 300
MARKER_R, MARKER_STEP = 7, 16


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / max(target_ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def market_cap_change_svg(
    daily: Iterable[tuple[date, str, float | None]],
    events: Iterable[Sequence] = (),
    *,
    start: date | None = None,
    end: date | None = None,
    title: str = "Daily market-cap change",
) -> str:
    """A self-contained SVG of daily market-cap changes (USD) with event markers.

    daily:  (date, series, change_usd) rows; series "total" is drawn as bars, every other
            series (a ticker) as a line. None values are skipped.
    events: (date, label) or (date, label, kind) rows, kind one of price_move / news /
            app_rank / curated (colours the marker). Marker i (1-based, in the given order)
            shows the number i; its tooltip is the full label.
    start, end: the calendar window (default: the span of the data and events).
    """
    rows = [(d, s, float(v)) for d, s, v in daily if v is not None]
    marks = [(e[0], str(e[1]), e[2] if len(e) > 2 else None) for e in events]
    dates = [d for d, _, _ in rows] + [d for d, _, _ in marks]
    if not dates and (start is None or end is None):
        raise ValueError("nothing to draw: no data, no events and no window")
    start = start or min(dates)
    end = end or max(dates)
    marks = [m for m in marks if start <= m[0] <= end]
    rows = [r for r in rows if start <= r[0] <= end]
    days = [start + timedelta(n) for n in range((end - start).days + 1)]
    day_w = (WIDTH - LEFT - RIGHT) / len(days)

    # the marker band: per day, markers fill rows of `per_row` from the bottom up
    per_row = max(1, int((day_w - 2) // MARKER_STEP))
    by_day: dict[date, list[int]] = defaultdict(list)
    for i, (d, _, _) in enumerate(marks):
        by_day[d].append(i)
    band_rows = max((math.ceil(len(v) / per_row) for v in by_day.values()), default=0)
    top = 34 + band_rows * MARKER_STEP + (8 if band_rows else 0)
    height = top + PLOT_HEIGHT + BOTTOM

    values = [v for _, _, v in rows] + [0.0]
    lo, hi = min(values), max(values)
    if hi - lo < 1:
        hi, lo = hi + 1e9, lo - 1e9
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step

    def x_of(d: date) -> float:  # centre of the day's column
        return LEFT + ((d - start).days + 0.5) * day_w

    def y_of(v: float) -> float:
        return top + (hi - v) / (hi - lo) * PLOT_HEIGHT

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{_attr(title)}" font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="12" fill="#495057">{escape(title)}</text>',
    ]
    # days without any data point (weekends, holidays) are shaded
    data_days = {d for d, _, _ in rows}
    n = 0
    while n < len(days):  # one rect per run of consecutive days without data
        if days[n] in data_days:
            n += 1
            continue
        run = next((k for k in range(n, len(days)) if days[k] in data_days), len(days)) - n
        out.append(
            f'<rect class="no-session" x="{LEFT + n * day_w:.1f}" y="{top}" width="{run * day_w:.1f}" '
            f'height="{PLOT_HEIGHT}" fill="#f1f3f5"/>'
        )
        n += run
    # y axis: $B gridlines
    tick = lo
    while tick <= hi + step / 2:
        y = y_of(tick)
        colour = "#495057" if abs(tick) < step / 2 else "#dee2e6"
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#495057">{escape(axis_billions(tick))}</text>'
        )
        tick += step
    # x axis: the day of the month (with the month on the first label and on the 1st), the
    # weekday's initial below it; on long windows only every `every`-th day is labelled
    every = max(1, math.ceil(40 / day_w))
    for n, d in enumerate(days):
        if n % every:
            continue
        x = x_of(d)
        label = f"{d:%b} {d.day}" if n == 0 or d.day <= every else str(d.day)
        out.append(
            f'<text x="{x:.1f}" y="{top + PLOT_HEIGHT + 14}" text-anchor="middle" fill="#495057">{escape(label)}</text>'
        )
        if every == 1:
            weekday = f"{d:%a}"[0]
            out.append(
                f'<text x="{x:.1f}" y="{top + PLOT_HEIGHT + 26}" text-anchor="middle" fill="#adb5bd">{weekday}</text>'
            )
    # dashed guides for days with events (drawn under the data)
    for d in by_day:
        out.append(
            f'<line class="event-day" x1="{x_of(d):.1f}" x2="{x_of(d):.1f}" y1="{top - 4}" '
            f'y2="{top + PLOT_HEIGHT}" stroke="#adb5bd" stroke-dasharray="3 3"/>'
        )
    # bars: the total
    bar_w = day_w * 0.6
    for d, series, v in rows:
        if series != TOTAL:
            continue
        y0, y1 = sorted((y_of(0), y_of(v)))
        out.append(
            f'<rect class="bar" x="{x_of(d) - bar_w / 2:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" '
            f'height="{max(y1 - y0, 0.5):.1f}" fill="{DOWN if v < 0 else UP}" fill-opacity="0.75">'
            f"<title>{escape(f'{d:%a %Y-%m-%d} watchlist total: {axis_billions(v)}')}</title></rect>"
        )
    # lines: one per other series
    series_names = list(dict.fromkeys(s for _, s, _ in rows if s != TOTAL))
    for n, name in enumerate(series_names):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        points = sorted((d, v) for d, s, v in rows if s == name)
        path = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in points)
        out.append(f'<g class="series" stroke="{colour}" fill="{colour}">')
        out.append(f'<polyline points="{path}" fill="none" stroke-width="1.6"/>')
        for d, v in points:
            out.append(
                f'<circle cx="{x_of(d):.1f}" cy="{y_of(v):.1f}" r="2.5">'
                f"<title>{escape(f'{name} {d:%Y-%m-%d}: {axis_billions(v)}')}</title></circle>"
            )
        out.append("</g>")
    # event markers: a numbered dot on a short stem, stacked per day in the band above the plot
    for d, indices in by_day.items():
        for slot, i in enumerate(indices):
            _, label, kind = marks[i]
            row, col = divmod(slot, per_row)
            cols_here = min(per_row, len(indices) - row * per_row)
            cx = x_of(d) + (col - (cols_here - 1) / 2) * MARKER_STEP
            cy = top - 12 - row * MARKER_STEP
            colour = EVENT_COLOURS.get(kind or "", EVENT_COLOUR_OTHER)
            out.append(
                f'<g class="event-marker" data-date="{d.isoformat()}"><title>{escape(f"{i + 1}. {d:%Y-%m-%d} {label}")}</title>'
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{cy:.1f}" y2="{cy + MARKER_R + 3:.1f}" stroke="{colour}"/>'
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{MARKER_R}" fill="{colour}"/>'
                f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle" font-size="9" fill="#fff">{i + 1}</text></g>'
            )
    # legend
    legend, x = [], LEFT
    y = height - 18
    items = [("bar", DOWN, "watchlist total (down)"), ("bar", UP, "watchlist total (up)")]
    items += [("line", LINE_COLOURS[n % len(LINE_COLOURS)], name) for n, name in enumerate(series_names)]
    kinds = list(dict.fromkeys(k for _, _, k in marks))
    items += [("dot", EVENT_COLOURS.get(k or "", EVENT_COLOUR_OTHER), (k or "event").replace("_", " ")) for k in kinds]
    for shape, colour, text in items:
        if shape == "bar":
            legend.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}" fill-opacity="0.75"/>')
        elif shape == "line":
            legend.append(
                f'<line x1="{x - 2}" x2="{x + 12}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2"/>'
            )
        else:
            legend.append(f'<circle cx="{x + 5}" cy="{y - 4}" r="5" fill="{colour}"/>')
        legend.append(f'<text x="{x + 16}" y="{y}" fill="#343a40">{escape(text)}</text>')
        x += 36 + 6.4 * len(text)
    out.append('<g class="legend">' + "".join(legend) + "</g>")
    out.append("</svg>")
    return "\n".join(out)
