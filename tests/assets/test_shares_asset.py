"""The shares_outstanding asset: a bad count is quarantined, the good one before it stays."""

import dataclasses
import datetime as dt

import pandas as pd
from dagster import materialize

from dagster_project.assets.shares import shares_outstanding
from dagster_project.config.watchlist import load_watchlist
from dagster_project.resources import sources_for
from dagster_project.sources.shares import SHARES_COLUMNS
from tests.pipeline import check_results

GOOD = [
    {
        "ticker": "NVDA",
        "as_of_date": dt.date(2024, 8, 23),
        "filing_date": dt.date(2024, 8, 28),
        "shares": 24_530_000_000,
        "shares_diluted": None,
        "basis_factor": 1.0,
        "measure": "cover_page_shares_outstanding",
        "source": "10-Q Q2",
    },
    {
        "ticker": "NVDA",
        "as_of_date": dt.date(2024, 11, 15),
        "filing_date": dt.date(2024, 11, 20),
        "shares": 24_490_000_000,
        "shares_diluted": None,
        "basis_factor": 1.0,
        "measure": "cover_page_shares_outstanding",
        "source": "10-Q Q3",
    },
]


class Scripted:
    name = "scripted"

    def __init__(self, rows):
        self.rows = rows

    def fetch(self, tickers, start, end):
        frame = pd.DataFrame(self.rows).assign(fetched_at=pd.Timestamp("2025-01-28", tz="UTC"))
        frame["shares_diluted"] = frame["shares_diluted"].astype("Int64")
        return frame[SHARES_COLUMNS]


def run(settings, rows):
    sources = dataclasses.replace(sources_for(settings), shares=Scripted(rows))
    return materialize(
        [shares_outstanding],
        resources={"settings": settings, "sources": sources, "watchlist": load_watchlist(settings.watchlist_file)},
    )


def lake(settings) -> pd.DataFrame:
    return pd.read_parquet(settings.lake_dir / "shares_outstanding" / "data.parquet")


def test_a_bad_restatement_keeps_the_good_count_and_changes_nothing_else(replay_settings):
    assert run(replay_settings, GOOD).success
    before = lake(replay_settings)

    restated = [GOOD[0], {**GOOD[1], "shares": -24_490_000_000}]
    result = run(replay_settings, restated)

    assert result.success and check_results(result)["share_counts_valid"].passed
    pd.testing.assert_frame_equal(lake(replay_settings).drop(columns="fetched_at"), before.drop(columns="fetched_at"))
    (quarantined,) = (replay_settings.quarantine_dir / "shares_outstanding").glob("run=*.parquet")
    reasons = pd.read_parquet(quarantined)
    assert reasons[["ticker", "as_of_date", "reason"]].astype(str).values.tolist() == [
        ["NVDA", "2024-11-15", "shares -24490000000 is not a positive whole number"]
    ]


def test_a_jump_is_written_with_a_warning_that_names_both_filings(replay_settings):
    jumped = [GOOD[0], {**GOOD[1], "shares": 29_436_000_000}]
    result = run(replay_settings, jumped)

    check = check_results(result)["share_count_changes_below_threshold"]
    assert not check.passed and check.severity.value == "WARN"
    (line,) = check.metadata["sample"].value
    assert "filed 2024-08-28, 10-Q Q2" in line and "filed 2024-11-20, 10-Q Q3" in line and "+20.0%" in line
    assert len(lake(replay_settings)) == 2  # a warning: both counts are in the lake


def test_the_preview_shows_the_latest_counts_first_without_sorting_them_all():
    from dagster_project.assets.shares import latest_rows

    days = [dt.date(2024, 1, 1) + dt.timedelta(days=n % 12) for n in range(60)]
    frame = pd.DataFrame({"ticker": [f"T{n:02d}" for n in range(60)], "as_of_date": days})
    shown = latest_rows(frame, "as_of_date", rows=3)
    assert set(shown["as_of_date"]) == {dt.date(2024, 1, 12), dt.date(2024, 1, 11), dt.date(2024, 1, 10)}
    assert list(shown["as_of_date"]) == sorted(shown["as_of_date"], reverse=True)
    assert len(shown) == 15  # every count of those three dates (5 each), in file order within a date
    assert list(shown["ticker"])[:5] == ["T11", "T23", "T35", "T47", "T59"]
