"""dbt docs: every mart model and column is described, and `make docs` works offline."""

import json
import os
import subprocess
from pathlib import Path

from dagster_project.dbt_cli import dbt_executable

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
DBT = dbt_executable()


def _dbt(args: list[str], data_dir: Path, tmp: Path) -> None:
    env = {**os.environ, "SHOCKWATCH_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1"}
    result = subprocess.run(
        [DBT, *args, "--profiles-dir", ".", "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        cwd=DBT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_mart_model_and_column_is_described(tmp_path):
    (tmp_path / "data" / "warehouse").mkdir(parents=True)
    _dbt(["parse", "--quiet"], tmp_path / "data", tmp_path)
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    marts = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    assert {"dim_company", "fct_daily_market_cap", "fct_event_timeline", "fct_theme_daily"} <= set(marts)
    missing = [name for name, node in marts.items() if not node["description"].strip()]
    missing += [
        f"{name}.{col}"
        for name, node in marts.items()
        for col, spec in node["columns"].items()
        if not spec["description"].strip()
    ]
    assert not missing, f"undocumented: {missing}"
    # documented columns are the model's columns: contracts make dbt check that at build time
    undocumented_models = [name for name, node in marts.items() if not node["columns"]]
    assert not undocumented_models
    assert all(node["config"]["contract"]["enforced"] for node in marts.values())


def test_docs_generate_offline_on_the_demo_warehouse(demo_run, tmp_path):
    """What `make docs` runs, into a temporary target: index.html, the catalog, the static page."""
    settings = demo_run[0]
    _dbt(["docs", "generate", "--static", "--quiet"], settings.data_path, tmp_path)
    target = tmp_path / "target"
    assert (target / "index.html").stat().st_size > 0 and (target / "static_index.html").stat().st_size > 0
    catalog = json.loads((target / "catalog.json").read_text())
    theme = catalog["nodes"]["model.shockwatch.fct_theme_daily"]
    assert {"theme", "trade_date", "market_cap_change_usd", "pct_change"} <= {c.lower() for c in theme["columns"]}
