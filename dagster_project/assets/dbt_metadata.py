"""What the Dagster UI shows on a dbt model's materialization: row count, a preview of the
latest rows (marts) and, on fct_theme_daily, the chart of the watchlist's value change per
day with the events.

DuckDB lets no other process open a file that dbt is writing, so dbt writes each model's row
count and preview itself as it finishes the model (dbt/macros/dagster_figures.sql), and the
step reports the model then. Only the chart waits for dbt to exit, read from the build file.
"""

import base64
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckResult, MetadataValue, Output

from dagster_project.reporting.charts import market_cap_chart as window_chart_svg

# The chart's model: the daily sums it draws are this mart's rows. A leaf of the dbt project, so
# that its output is the only one that waits for dbt to exit (reported_after_dbt_exits): on
# fct_daily_market_cap, 8 marts downstream of it waited with it (0.7 s of the case study's dbt
# step, docs/PERFORMANCE.md).
CHART_MODEL = "fct_theme_daily"
# The chart shows the session with the largest watchlist move among the sessions the run built
# (the latest month for runs that built none), with two weeks before it (the run-up) and one
# after (the reaction), as far as data exists.
CHART_DAYS_BEFORE, CHART_DAYS_AFTER = 14, 7


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:.6g}"
    else:
        text = str(value)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= 80 else text[:79] + "…"


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def chart_window(con: duckdb.DuckDBPyConnection, window: tuple[str, str] | None) -> tuple[dt.date, dt.date] | None:
    data_end = con.execute("select max(trade_date) from marts.fct_daily_market_cap").fetchone()[0]
    if data_end is None:
        return None
    # a run that built no price sessions (news, app ranks) charts the latest month
    first, last = window or ((data_end - dt.timedelta(days=30)).isoformat(), data_end.isoformat())
    peak = con.execute(
        "select trade_date from marts.fct_theme_daily where trade_date between ? and ? "
        "group by trade_date having sum(value_change_usd) is not null "
        "order by abs(sum(value_change_usd)) desc, trade_date desc limit 1",
        [first, last],
    ).fetchone()
    if peak is None:
        return None
    day = peak[0]
    return day - dt.timedelta(days=CHART_DAYS_BEFORE), min(day + dt.timedelta(days=CHART_DAYS_AFTER), data_end)


def market_cap_chart(build_db: Path, window: tuple[dt.date, dt.date]) -> tuple[str, str]:
    """(markdown embedding the SVG chart, how many events it marks): the report's chart,
    drawn by the reporting package from the build file (read-only)."""
    title = f"Value change per day, {window[0]} – {window[1]} (USD billions)"
    svg, marked, total = window_chart_svg(build_db, *window, title)
    encoded = base64.b64encode(svg.encode()).decode()
    how_many = f"{marked} events marked" if marked == total else f"{marked} of {total} events marked"
    return f"![daily market-cap change with events](data:image/svg+xml;base64,{encoded})", how_many


def read_figures(figures_dir: Path, name: str) -> dict:
    """What dbt wrote for model `name` as it finished it (dbt/macros/dagster_figures.sql): its
    row count and, for a mart, its latest rows; {} for what it wrote nothing for."""
    figures = {}
    count = figures_dir / f"{name}.count.json"
    if count.exists():
        figures["dagster/row_count"] = json.loads(count.read_text())["row_count"]
    rows_file = figures_dir / f"{name}.preview.json"
    lines = rows_file.read_text().splitlines() if rows_file.exists() else []
    rows = [json.loads(line) for line in lines if line.strip()]
    if rows:  # an empty mart's file is empty: no columns to head a table with, so no preview
        figures["preview"] = MetadataValue.md(markdown_table(list(rows[0]), [tuple(r.values()) for r in rows]))
    return figures


def chart_metadata(build_db: Path, price_window: tuple[str, str] | None) -> dict:
    """The chart for CHART_MODEL, read from the build file (read-only) once dbt has exited:
    it also draws from marts dbt may build after it (the event timeline's events)."""
    if not build_db.exists():  # DuckLake: no build file (the chart reads DuckDB's)
        return {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        built = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
        if not {("marts", CHART_MODEL), ("marts", "fct_daily_market_cap")} <= built:
            return {}
        span = chart_window(con, price_window)
    if span is None:
        return {}
    chart, how_many = market_cap_chart(build_db, span)
    return {"chart": MetadataValue.md(chart), "chart_window": f"{span[0]}..{span[1]} ({how_many})"}


def reported_after_dbt_exits(manifest: Mapping[str, Any]) -> set[str]:
    """The models whose outputs wait for dbt to exit: the chart model (its chart reads marts
    dbt may build after it) and every model downstream of it (none while it is a leaf), as
    Dagster takes a multi-asset's outputs in dependency order only. Their checks wait with them:
    a check reported before its model's materialization would attach to the previous one."""
    children: dict[str, list[str]] = {}
    for unique_id, node in manifest["nodes"].items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            children.setdefault(parent, []).append(unique_id)
    waiting = {uid for uid, node in manifest["nodes"].items() if node["name"] == CHART_MODEL}
    todo = list(waiting)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in waiting and manifest["nodes"][child]["resource_type"] in ("model", "seed"):
                waiting.add(child)
                todo.append(child)
    return {manifest["nodes"][uid]["name"] for uid in waiting}


def _is_chart_output(event) -> bool:
    return isinstance(event, Output) and event.output_name == CHART_MODEL


def _waits(event, waiting: set[str]) -> bool:
    if isinstance(event, Output):
        return event.output_name in waiting
    return isinstance(event, AssetCheckResult) and event.asset_key.to_python_identifier() in waiting


def with_model_metadata(
    events: Iterable,
    build_db: Path,
    figures_dir: Path,
    manifest: Mapping[str, Any],
    price_window: tuple[str, str] | None,
    log,
) -> Iterator:
    """dbt's events as dbt reports them, each model output with the figures dbt wrote for it;
    the chart model's and those downstream of it (reported_after_dbt_exits) once dbt has
    exited, the chart model's with its chart. A failed build has reported what it built, with
    its figures, before its error is raised."""
    waiting = reported_after_dbt_exits(manifest)
    held, error, without_figures = [], None, []
    iterator = iter(events)
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            break
        except Exception as exc:  # dbt failed: still report what it built, then fail the step
            error = exc
            break
        if isinstance(event, Output):
            figures = read_figures(figures_dir, event.output_name)
            without_figures += [] if figures else [event.output_name]
            event = event.with_metadata({**event.metadata, **figures})
        if _waits(event, waiting):
            held.append(event)
        else:
            yield event
    if without_figures:  # e.g. a dbt project without the post-hook (dbt_project.yml)
        log.warning(f"dbt wrote no row count for {', '.join(without_figures)} (dbt/macros/dagster_figures.sql)")
    chart = {}
    if any(_is_chart_output(e) for e in held):
        try:
            chart = chart_metadata(build_db, price_window)
        except duckdb.Error as exc:  # figures are a courtesy: never fail a good build over them
            log.warning(f"could not draw the market-cap chart from {build_db}: {exc}")
    for event in held:
        yield event.with_metadata({**event.metadata, **chart}) if _is_chart_output(event) else event
    if error is not None:
        raise error
