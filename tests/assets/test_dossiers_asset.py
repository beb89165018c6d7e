"""The shock_dossiers asset (dagster_project/assets/dossiers.py): one page per fct_shocks row at
its dossier_path, after every publish (the eager condition and the dossiers_after_publish sensor)."""

import shutil

from dagster import AssetKey, materialize

from dagster_project.assets.dossiers import shock_dossiers
from dagster_project.automation import SENSORS, dossiers_after_publish
from dagster_project.config.settings import load_settings
from tests.pipeline import query


def _dossier_paths(analytics_db) -> set[str]:
    return {p for (p,) in query(analytics_db, "select dossier_path from marts.fct_shocks")}


def test_make_demo_wrote_one_dossier_per_shock(demo_run):
    settings, out = demo_run
    expected = _dossier_paths(settings.analytics_db)
    assert len(expected) > 50 and "reports/shocks/2025-01-27-NVDA.html" in expected
    written = {p.relative_to(settings.data_path).as_posix() for p in (settings.data_path / "reports/shocks").iterdir()}
    assert written == expected
    assert f"file://{(settings.data_path / 'reports/shocks/2025-01-27-NVDA.html').resolve()}" in out


def test_the_asset_writes_exactly_the_dossier_paths_and_drops_stale_pages(demo_run, tmp_path, monkeypatch):
    source = demo_run[0]
    warehouse = tmp_path / "data" / "warehouse"
    warehouse.mkdir(parents=True)
    shutil.copyfile(source.analytics_db, warehouse / "analytics.duckdb")  # the shared demo data stays read-only
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings()
    stale = settings.data_path / "reports" / "shocks" / "2020-01-02-GONE.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("a shock a rebuild dropped")
    keep = stale.parent / "notes.txt"
    keep.write_text("not a dossier")

    result = materialize([shock_dossiers], resources={"settings": settings})
    assert result.success
    expected = _dossier_paths(settings.analytics_db)
    pages = {p.relative_to(settings.data_path).as_posix() for p in stale.parent.glob("*.html")}
    assert pages == expected and not stale.exists() and keep.exists()
    (mat,) = result.asset_materializations_for_node("shock_dossiers")
    assert mat.metadata["dagster/row_count"].value == len(expected)
    assert mat.metadata["path"].value == str(settings.data_path / "reports" / "shocks")
    first = (settings.data_path / "reports/shocks/2025-01-27-NVDA.html").read_bytes()
    assert materialize([shock_dossiers], resources={"settings": settings}).success
    assert (settings.data_path / "reports/shocks/2025-01-27-NVDA.html").read_bytes() == first  # deterministic


def test_the_dossiers_follow_every_publish():
    key = AssetKey("shock_dossiers")
    assert shock_dossiers.automation_conditions_by_key[key] is not None
    assert dossiers_after_publish in SENSORS
    assert shock_dossiers.asset_deps[key] == {AssetKey("analytics_warehouse")}
    assert dossiers_after_publish.asset_selection.resolve([shock_dossiers]) == {key}
