"""What the Dagster UI shows on a dbt model's materialization: row count, a preview of the
latest rows (marts) and, on fct_daily_market_cap, the market-cap chart with the events.

The figures are read after dbt has finished, from the build file, read-only: DuckDB lets no
other process open a file that dbt is writing. A failed build still reports the models it did
build, with their figures, before its error is raised.
"""

import base64
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import MetadataValue, Output

from dagster_project.reporting.charts import market_cap_chart as window_chart_svg

PREVIEW_ROWS = 10
CHART_MODEL = "fct_daily_market_cap"
# The chart shows the session with the largest watchlist move among the sessions the run built
# (the latest month for runs that built none), with two weeks before it (the run-up) and one
# after (the reaction), as far as data exists.
CHART_DAYS_BEFORE, CHART_DAYS_AFTER = 14, 7


def model_relations(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str, str]]:
    """dbt model or seed name (= its output name) -> (schema, table, layer) of its relation."""
    relations = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed") and node["config"]["materialized"] != "ephemeral":
            relations[node["name"]] = (node["schema"], node["alias"], node["fqn"][1])
    return relations


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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


def preview(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """The latest rows (by the table's first date column), as a markdown table."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    dates = [name for name, kind in columns if kind == "DATE"]
    keys = [_quote(dates[0]) + " desc"] if dates else []
    order_by = ", ".join(keys + [_quote(name) for name, _ in columns[:4]])
    relation = f"{_quote(schema)}.{_quote(table)}"
    rows = con.execute(f"select * from {relation} order by {order_by} limit ?", [PREVIEW_ROWS]).fetchall()
    return markdown_table([name for name, _ in columns], rows)


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


def model_metadata(build_db: Path, relations, price_window: tuple[str, str] | None) -> dict[str, dict]:
    """model name -> metadata to attach, read in one read-only pass over the build file."""
    found: dict[str, dict] = {}
    chart_span = None
    with duckdb.connect(str(build_db), read_only=True) as con:
        built = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
        for name, (schema, table, layer) in relations.items():
            if (schema, table) not in built:
                continue
            relation = f"{_quote(schema)}.{_quote(table)}"
            count = con.execute(f"select count(*) from {relation}").fetchone()[0]
            found[name] = {"dagster/row_count": count}
            if layer == "marts":
                found[name]["preview"] = MetadataValue.md(preview(con, schema, table))
        if CHART_MODEL in found and ("marts", "fct_theme_daily") in built:
            chart_span = chart_window(con, price_window)
    if chart_span is not None:
        chart, how_many = market_cap_chart(build_db, chart_span)
        found[CHART_MODEL]["chart"] = MetadataValue.md(chart)
        found[CHART_MODEL]["chart_window"] = f"{chart_span[0]}..{chart_span[1]} ({how_many})"
    return found


def with_model_metadata(
    events: Iterable, build_db: Path, manifest: Mapping[str, Any], price_window: tuple[str, str] | None, log
) -> Iterator:
    """Pass dbt's events through once dbt has exited, the model outputs with their figures."""
    collected, error = [], None
    try:
        collected.extend(events)
    except Exception as exc:  # dbt failed: still report what it built, then fail the step
        error = exc
    relations = model_relations(manifest)
    outputs = {e.output_name for e in collected if isinstance(e, Output)} & set(relations)
    figures = {}
    if outputs:
        try:
            figures = model_metadata(build_db, {n: relations[n] for n in outputs}, price_window)
        except duckdb.Error as exc:  # figures are a courtesy: never fail a good build over them
            log.warning(f"could not read row counts and previews from {build_db}: {exc}")
    for event in collected:
        if isinstance(event, Output) and event.output_name in figures:
            event = event.with_metadata({**event.metadata, **figures[event.output_name]})
        yield event
    if error is not None:
        raise error
