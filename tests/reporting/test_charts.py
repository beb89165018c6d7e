from datetime import date, timedelta

from dagster_project.reporting.charts import MAX_MARKED_EVENTS, events_to_mark, market_cap_change_svg
from dagster_project.reporting.data import Event

DAY = date(2025, 1, 27)


def _move(n: int, magnitude: float) -> Event:
    return Event(DAY, "price_move", f"T{n:03d}", f"move {n}", None, magnitude)


def test_a_window_that_fits_is_marked_whole_and_in_order():
    events = [_move(n, -0.01 * n) for n in range(5)] + [Event(DAY, "news", "NVDA", "statement", None)]
    assert events_to_mark(events, limit=6) == events


def test_a_crowded_window_keeps_the_explaining_events_and_the_largest_moves():
    # 1,000 price moves of one session (what 5,000 tickers give) and the news around them
    moves = [_move(n, (-1) ** n * n / 1000) for n in range(1000)]
    news = [Event(DAY + timedelta(days=d), "news", "NVDA", f"news {d}", "https://example.com") for d in range(3)]
    events = news[:1] + moves + news[1:]
    marked = events_to_mark(events)

    assert len(marked) == MAX_MARKED_EVENTS
    assert [e for e in marked if e.event_type == "news"] == news
    kept = {e.entities for e in marked if e.event_type == "price_move"}
    largest = {f"T{n:03d}" for n in range(1000 - (MAX_MARKED_EVENTS - 3), 1000)}
    assert kept == largest  # by |magnitude|: falls and rises alike
    assert marked == [e for e in events if e in marked]  # the report's order is kept


def test_the_chart_draws_one_marker_per_marked_event():
    events = events_to_mark([_move(n, n / 100) for n in range(300)])
    svg = market_cap_change_svg(
        [(DAY, "total", -5e11)], [(e.event_date, e.title, e.event_type) for e in events], start=DAY, end=DAY
    )
    assert svg.count('class="event-marker"') == MAX_MARKED_EVENTS
