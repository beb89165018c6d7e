"""`make demo-ducklake`: `make demo` with the warehouse on DuckLake, its catalog on a local
PostgreSQL and its Parquet on a local S3 server (local_services.py), as a deployment on
several machines would have them (docs/DEPLOY.md). It starts both, runs the same case study
through the same jobs, prints the same headlines and writes the same shock dossiers from the
published snapshot, reads the headline back at that version and stops both (their data goes
with them: a demo, not a deployment).
"""

from __future__ import annotations

import os
import sys
import time

from dagster_project import demo, local_services
from dagster_project.config.settings import load_settings
from dagster_project.snapshot_publishing import publications
from dagster_project.warehouse_backend import connect_published

NVDA_SQL = (
    "select pct_change, value_change_usd from marts.fct_daily_market_cap "
    "where ticker = 'NVDA' and trade_date = date '2025-01-27'"
)


def main() -> int:
    if not local_services.available():
        print("make demo-ducklake needs the `ducklake` extras: run `make install`", file=sys.stderr)
        return 2
    started = time.monotonic()
    folder = load_settings().data_path / "ducklake_demo_services"
    with local_services.running(folder) as services:
        print(f"PostgreSQL catalog: {services.catalog}; S3 server: {services.s3_endpoint}", flush=True)
        os.environ.update(services.env())
        code = demo.main()
        if code:
            return code
        settings = load_settings()
        version, published_at, build_id, _run = publications(settings)[0]
        with connect_published(settings, version=version) as con:
            pct, value = con.execute(NVDA_SQL).fetchone()
        schema, data = settings.ducklake_metadata_schema, settings.ducklake_data
        print(f"\nDuckLake: catalog on PostgreSQL (schema {schema}), Parquet in {data}")
        print(f"Published snapshot: version {version} at {published_at:%H:%M:%S} UTC (price build {build_id})")
        print(f"  read back at that version: NVDA 2025-01-27 {pct:+.2%}, {value / 1e9:+,.1f} $B")
        print("Query a deployment's: make sql    (SHOCKWATCH_WAREHOUSE_BACKEND=ducklake; AT=<version> to go back)")
    print(f"Services stopped. demo-ducklake took {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
