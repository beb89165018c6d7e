"""Analyst concurrency: analysts querying the published warehouse never block a run, never
error, and only ever see complete, published states, while five full pipeline runs publish.

Two analyst processes read `analytics.duckdb` read-only in tight loops while the runs go on:

- `hold` opens one connection at the start and keeps it for the whole test (an open SQL shell);
- `reconnect` opens a new connection for every query (a dashboard), so it sees each swap.

(Two processes, because within one process DuckDB hands a new connection to a path that is
already open the same, cached database: a second connection opened while the first is held
would see the old file too.)

Every query reads, in one transaction, count and checksum of marts.fct_daily_market_cap plus
the row counts of dim_company and fct_event_timeline. After each run the test records the
published state the same way. Proven: every run succeeds; no reader ever errors; every
observation equals one published state as a whole (never a mix of two); the holding reader
sees one state throughout; the reconnecting reader sees the swaps.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
from dagster import DagsterInstance

from dagster_project.definitions import build_definitions
from tests.pipeline import run_pipeline, step_outcomes

pytestmark = pytest.mark.slow

STATE_SQL = [
    "select count(*), md5(coalesce(string_agg(ticker || '|' || trade_date || '|' || close, ',' "
    "order by ticker, trade_date), '')) from marts.fct_daily_market_cap",
    "select count(*) from marts.dim_company",
    "select count(*) from marts.fct_event_timeline",
]

READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    mode, path, stop, sql = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])

    def observe(con):
        con.execute("begin transaction")
        try:
            rows = [list(con.execute(q).fetchone()) for q in sql]
        finally:
            con.execute("commit")
        return [rows[0][0], rows[0][1], rows[1][0], rows[2][0]]

    held = duckdb.connect(path, read_only=True) if mode == "hold" else None
    n = 0
    import os
    while not os.path.exists(stop):
        try:
            if held is not None:
                state = observe(held)
            else:
                with duckdb.connect(path, read_only=True) as con:
                    state = observe(con)
            print(json.dumps({"t": time.time(), "state": state}), flush=True)
        except Exception as exc:
            print(json.dumps({"t": time.time(), "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        n += 1
        time.sleep(0.01)
    print(json.dumps({"done": n}), flush=True)
    """
)

# Five runs over growing ranges, so each publishes a different state.
RUN_ENDS = ["2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28", "2025-01-29"]


def published_state(db) -> list:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = [list(con.execute(q).fetchone()) for q in STATE_SQL]
    return [rows[0][0], rows[0][1], rows[1][0], rows[2][0]]


def test_readers_see_only_published_states_while_five_runs_publish(replay_settings, tmp_path):
    defs = build_definitions(replay_settings)
    instance = DagsterInstance.ephemeral()
    db = replay_settings.analytics_db
    assert run_pipeline(defs, "2025-01-21", "2025-01-22", instance=instance).success
    published = [published_state(db)]

    stop = tmp_path / "stop"
    logs = {mode: tmp_path / f"{mode}.jsonl" for mode in ("hold", "reconnect")}
    readers = {}
    for mode, log in logs.items():  # to files: a pipe nobody drains would stall the reader when full
        with open(log, "w") as out:
            readers[mode] = subprocess.Popen(
                [sys.executable, "-c", READER, mode, str(db), str(stop), json.dumps(STATE_SQL)],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
    failures = []
    try:
        time.sleep(1.0)  # both readers are in their loop on the first state
        for end in RUN_ENDS:
            result = run_pipeline(defs, "2025-01-21", end, instance=instance)
            if not result.success:
                failures.append((end, step_outcomes(result)))
            published.append(published_state(db))
            time.sleep(0.3)  # let the reconnecting reader see this state
    finally:
        stop.touch()
        for proc in readers.values():
            proc.wait(timeout=60)

    assert failures == []
    outputs = {mode: log.read_text() for mode, log in logs.items()}
    assert all(proc.returncode == 0 for proc in readers.values()), {m: o[-2000:] for m, o in outputs.items()}
    assert [s[0] for s in published] == [34, 51, 68, 85, 102, 119]  # 17 tickers x sessions: all different
    observations = {}
    for mode, out in outputs.items():
        lines = [json.loads(line) for line in out.splitlines()]
        assert lines[-1]["done"] > 50, f"{mode} reader barely ran"
        errors = [line["error"] for line in lines if "error" in line]
        assert errors == [], f"{mode} reader errors: {errors[:5]}"
        observations[mode] = [line["state"] for line in lines if "state" in line]
        mixed = [s for s in observations[mode] if s not in published]
        assert mixed == [], f"{mode} reader saw states never published: {mixed[:3]}"

    held = observations["hold"]
    assert all(s == held[0] for s in held), "the held connection's snapshot changed under it"
    assert held[0] == published[0]
    seen = {json.dumps(s) for s in observations["reconnect"]}
    sequence = [
        s[0] for i, s in enumerate(observations["reconnect"]) if i == 0 or s != observations["reconnect"][i - 1]
    ]
    assert len(seen) >= 4, f"the reconnecting reader saw only {len(seen)} of {len(published)} states: {sequence}"
    assert observations["reconnect"][-1] == published[-1]
    leftovers = [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
