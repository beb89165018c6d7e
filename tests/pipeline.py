"""Run the daily pipeline in-process, as a schedule or `make demo` would."""

import duckdb
from dagster import AssetKey, DagsterInstance


def run_pipeline(defs, start: str, end: str, instance=None, job: str = "daily_pipeline", only=None):
    """One run of `job` over the partition range; `only`: asset names to run instead of the
    whole job (a test's preparatory ingest needs no dbt build)."""
    job = defs.resolve_job_def(job)
    return job.execute_in_process(
        instance=instance or DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end},
        raise_on_error=False,
        asset_selection=[AssetKey(name) for name in only] if only else None,
    )


def query(db_path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def step_outcomes(result) -> dict[str, str]:
    outcomes = {}
    for event in result.all_events:
        if event.is_step_success:
            outcomes[event.step_key] = "success"
        elif event.is_step_failure:
            outcomes[event.step_key] = "failure"
        elif event.is_step_skipped:
            outcomes[event.step_key] = "skipped"
    return outcomes


def check_results(result) -> dict:
    """check name -> AssetCheckEvaluation of a run."""
    return {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
