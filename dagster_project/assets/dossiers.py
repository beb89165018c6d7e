"""Shock dossiers: one self-contained HTML page per shock of marts.fct_shocks, after each publish."""

from dagster import AssetKey, AutomationCondition, MaterializeResult, MetadataValue, asset

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.reporting.dossier import write_dossiers


@asset(
    group_name="publish",
    kinds={"html"},
    deps=[AssetKey("analytics_warehouse")],
    # every publish can add, change or drop a shock: rewrite the pages once it lands (the
    # sensor dossiers_after_publish evaluates this condition)
    automation_condition=AutomationCondition.eager(),
    description=(
        "One HTML page per shock session of marts.fct_shocks, at <data dir>/<dossier_path> "
        "(reports/shocks/<trade_date>-<epicenter>.html): headline AR, t and abnormal value, the CAR "
        "paths of the epicenter and the members over sessions [-5, +10], who was hit and when they "
        "recovered, news per day, the highlighted apps' chart path, curated events, named holders "
        "and the capex context. Self-contained (inline CSS and SVG, no scripts)."
    ),
)
def shock_dossiers(settings: ShockWatchSettings) -> MaterializeResult:
    # Reads the published warehouse read-only like any analyst (analytics.duckdb, or the
    # DuckLake snapshot last published): no warehouse pool needed.
    reports = settings.data_path / "reports"
    written = write_dossiers(settings, reports)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(written),
            "path": MetadataValue.path(str(reports / "shocks")),
            "latest": MetadataValue.path(str(written[-1])) if written else "none",
        }
    )
