"""dagster.instance.postgres.yaml (docs/DEPLOY.md) opens on a real PostgreSQL: the session's
DuckLake test server (tests/conftest.py `ducklake_services`), which listens on a Unix socket,
so the host goes in as a libpq parameter instead of a hostname; every other value is the file's.
A run of the project's own job is stored there."""

import yaml
from dagster import AssetKey, DagsterInstance

from dagster_project.definitions import build_definitions
from tests.conftest import REPO_ROOT


def test_ducklake_deployment_dagster_instance_runs_on_postgres(
    ducklake_services, replay_settings, tmp_path, monkeypatch
):
    config = yaml.safe_load((REPO_ROOT / "dagster.instance.postgres.yaml").read_text())
    database = config["storage"]["postgres"]["postgres_db"]
    assert database["scheme"] == "postgresql+psycopg2"  # dagster-postgres's default names no driver
    assert all(isinstance(database[k], dict) and "env" in database[k] for k in ("hostname", "password", "username"))
    socket_dir = dict(part.split("=") for part in ducklake_services.catalog.split())["host"]
    database["params"] = {"host": socket_dir}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    for name, value in {
        "DAGSTER_HOME": str(tmp_path),
        "DAGSTER_PG_HOST": "",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_DB": "postgres",
        "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "",
    }.items():
        monkeypatch.setenv(name, value)

    instance = DagsterInstance.get()
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert instance.get_runs_count() == 0
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        # a real run of the project's job (its first asset, replayed) is stored there
        job = build_definitions(replay_settings).resolve_job_def("daily_pipeline")
        result = job.execute_in_process(instance=instance, asset_selection=[AssetKey("companies")])
        assert result.success
        assert instance.get_run_by_id(result.run_id).is_success and instance.get_runs_count() == 1
        stored = instance.fetch_materializations(AssetKey("companies"), limit=10).records
        assert [r.event_log_entry.run_id for r in stored] == [result.run_id]
        assert stored[0].asset_materialization.metadata["dagster/row_count"].value == 17
    finally:
        instance.dispose()
