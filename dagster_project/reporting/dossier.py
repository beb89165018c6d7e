"""Shock dossiers: one self-contained HTML page per row of marts.fct_shocks.

`write_dossiers(warehouse, reports_dir)` (a published DuckDB file, or settings: their
backend's published warehouse, DuckLake included) writes each shock's page to
reports_dir/shocks/<trade_date>-<epicenter>.html, i.e. <data dir>/fct_shocks.dossier_path when
reports_dir is <data dir>/reports (what the asset and `make report` use), each atomically.
Without a window it writes every shock and removes the dossiers of shocks that are gone (a
rebuild can drop one), so the folder holds exactly one page per fct_shocks row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.reporting.charts import car_paths_svg
from dagster_project.reporting.render import DOSSIER_PATH, render, svg_markup, write_atomic
from dagster_project.reporting.shock_data import SESSIONS_SQL, ShockDossier, list_shocks, load_shock_dossier


def dossier_file(reports_dir: Path, dossier_path: str) -> Path:
    """Where fct_shocks.dossier_path goes under the reports folder; nothing else is written."""
    match = DOSSIER_PATH.fullmatch(dossier_path)
    if match is None:
        raise ValueError(f"not a dossier path: {dossier_path!r} (expected reports/shocks/<date>-<ticker>.html)")
    return Path(reports_dir) / match.group(1)


def render_dossier(dossier: ShockDossier, published: dt.datetime) -> str:
    s = dossier.shock
    chart = None
    if any(dossier.car_paths.values()):
        title = f"CAR around {s.epicenter}'s shock of {s.trade_date:%Y-%m-%d} (market model, % of value)"
        chart = svg_markup(car_paths_svg(dossier.car_paths, s.epicenter, title))
    recovered = {row[0]: row[8] for row in dossier.spillover}
    return render("dossier.html", d=dossier, chart=chart, published=published, recovered=recovered)


def write_dossiers(
    warehouse: Path | ShockWatchSettings,
    reports_dir: Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[Path]:
    """Write the dossiers of every shock (or of those in [start, end]); returns their paths."""
    from dagster_project.warehouse_backend import open_published

    con, published = open_published(warehouse)
    written = []
    with con:
        try:
            shocks = list_shocks(con, start, end)
            sessions = [r[0] for r in con.execute(SESSIONS_SQL).fetchall()]
            for shock in shocks:
                path = dossier_file(reports_dir, shock.dossier_path)
                write_atomic(path, render_dossier(load_shock_dossier(con, shock, sessions), published))
                written.append(path)
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            first_line = str(exc).splitlines()[0]
            raise ValueError(
                f"the published warehouse does not have what the dossiers read ({first_line}); it was "
                "published by an older ShockWatch: run 'make demo' (or any pipeline run) to republish"
            ) from exc
    if start is None and end is None:
        keep = set(written)
        for old in (Path(reports_dir) / "shocks").glob("*.html"):
            if old not in keep and DOSSIER_PATH.fullmatch(f"reports/shocks/{old.name}"):
                old.unlink()
    return written
