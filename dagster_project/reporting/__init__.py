"""Reporting: HTML pages an analyst reads, built from the published warehouse only.

- `data` and `shock_data` read analytics.duckdb read-only (the window report; one shock);
- `charts` draws them with matplotlib into deterministic inline SVG;
- `render` is the one Jinja2 environment (autoescaped templates in `templates/`);
- `report` writes the window report, `dossier` one dossier per shock of fct_shocks.

Dependencies point one way: reporting imports `lib` and nothing from `assets`; the assets
(shock_report, shock_dossiers) and the dbt step's metadata chart import reporting.
`python -m dagster_project.reporting` builds a window's report and its dossiers.
"""
