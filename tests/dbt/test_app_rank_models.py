"""fct_app_rank_daily and fct_app_rank_milestones on hand-made snapshot sequences (synthetic apps)."""

import pytest

from dagster_project.config.settings import load_settings
from dagster_project.definitions import build_definitions
from tests.pipeline import query, run_pipeline

HEADER = "captured_at,country,chart,rank,app_id,app_name,developer,genre,source,snapshot_kind\n"


def snapshot(day, ranks, kind="full", hour="12"):
    return "".join(
        f"{day}T{hour}:00:00Z,us,top-free,{rank},{app_id},App {app_id},Dev,Utilities,synthetic,{kind}\n"
        for app_id, rank in ranks.items()
    )


# Full snapshots (synthetic). 111 climbs 40 -> 8 -> 1 (two captures on day 3: best rank wins);
# 222 falls from 5 to 30, then drops off the chart; day 4 is missing (a gap); 333 first
# appears on day 5.
SNAPSHOTS = (
    snapshot("2025-03-01", {"111": 40, "222": 5, "444": 1})
    + snapshot("2025-03-02", {"111": 8, "222": 30, "444": 1})
    + snapshot("2025-03-03", {"111": 3, "444": 1}, hour="06")
    + snapshot("2025-03-03", {"111": 1, "444": 2}, hour="18")
    + snapshot("2025-03-05", {"111": 1, "444": 2, "333": 50})
)


@pytest.fixture
def app_settings(tmp_path, monkeypatch, replay_settings):
    case = tmp_path / "synthetic_case"
    case.mkdir()
    (case / "app_rank_snapshots.csv").write_text(HEADER + SNAPSHOTS)
    monkeypatch.setenv("SHOCKWATCH_CASE_STUDY_DIR", str(case))
    return load_settings()


def test_daily_ranks_and_milestones(app_settings):
    result = run_pipeline(build_definitions(app_settings), "2025-03-01", "2025-03-05", job="app_rank_pipeline")
    assert result.success
    db = app_settings.analytics_db
    daily = query(
        db,
        """select snapshot_date::varchar, app_id, rank, prev_rank, rank_change, prev_snapshot_date::varchar
                         from marts.fct_app_rank_daily where app_id = '111' order by 1""",
    )
    assert daily == [
        ("2025-03-01", "111", 40, None, None, None),
        ("2025-03-02", "111", 8, 40, 32, "2025-03-01"),
        ("2025-03-03", "111", 1, 8, 7, "2025-03-02"),  # best of two captures
        ("2025-03-05", "111", 1, 1, 0, "2025-03-03"),  # gap day: compared with the last snapshot
    ]
    milestones = set(
        query(
            db, "select snapshot_date::varchar, app_id, milestone, rank, prev_rank from marts.fct_app_rank_milestones"
        )
    )
    assert milestones == {
        ("2025-03-02", "111", "entered_top10", 8, 40),
        ("2025-03-02", "111", "biggest_climb", 8, 40),
        ("2025-03-03", "111", "reached_1", 1, 8),
        ("2025-03-02", "222", "left_top10", 30, 5),
        ("2025-03-03", "222", "left_top100", None, 30),
        ("2025-03-05", "333", "first_top100", 50, None),
        ("2025-03-01", "444", "reached_1", 1, None),
        ("2025-03-01", "222", "entered_top10", 5, None),
        ("2025-03-01", "444", "entered_top10", 1, None),
    }
    # only #1 reaches the timeline for apps nobody highlighted
    timeline = query(
        db, "select entity, title from marts.fct_event_timeline where event_type = 'app_rank' order by 1, 2"
    )
    assert timeline == [
        ("App 111", "App 111 reached #1 on US top-free (from #8)"),
        ("App 444", "App 444 reached #1 on US top-free"),
    ]


def test_rerunning_a_capture_day_leaves_identical_rows(app_settings):
    defs = build_definitions(app_settings)
    assert run_pipeline(defs, "2025-03-03", "2025-03-03", job="app_rank_pipeline").success
    first = query(app_settings.analytics_db, "select * from staging.stg_app_rank_snapshots order by captured_at, rank")
    assert run_pipeline(defs, "2025-03-03", "2025-03-03", job="app_rank_pipeline").success
    assert (
        query(app_settings.analytics_db, "select * from staging.stg_app_rank_snapshots order by captured_at, rank")
        == first
    )
    assert len(first) == 4
