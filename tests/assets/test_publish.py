"""An analyst holding the published warehouse open never blocks a run nor sees a half-built file."""

import subprocess
import sys
import textwrap

from dagster_project.definitions import build_definitions
from tests.pipeline import run_pipeline

# A separate process, like an analyst's SQL shell: it keeps one read-only connection open,
# counts rows whenever asked on stdin, and prints the count.
ANALYST = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    for _ in sys.stdin:
        print(con.execute("select count(*) from marts.fct_daily_market_cap").fetchone()[0], flush=True)
    """
)


def _count_in_new_process(db) -> int:
    out = subprocess.run(
        [sys.executable, "-c", ANALYST, str(db)], input="\n", capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_open_analyst_session_keeps_its_snapshot_and_new_sessions_see_new_data(replay_settings):
    defs = build_definitions(replay_settings)
    assert run_pipeline(defs, "2025-01-21", "2025-01-24").success  # 4 sessions x 17 tickers
    db = replay_settings.analytics_db

    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        analyst.stdin.write("\n")
        analyst.stdin.flush()
        assert int(analyst.stdout.readline()) == 68

        result = run_pipeline(defs, "2025-01-21", "2025-01-31")  # a full run while the session is open
        assert result.success

        analyst.stdin.write("\n")
        analyst.stdin.flush()
        assert int(analyst.stdout.readline()) == 68  # still its old, consistent snapshot
        assert _count_in_new_process(db) == 153  # a new session sees the new warehouse
    finally:
        analyst.stdin.close()
        analyst.wait(timeout=30)
    assert analyst.returncode == 0  # the reader never errored
    leftovers = [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
