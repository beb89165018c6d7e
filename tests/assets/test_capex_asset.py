"""The capex_quarterly asset: replay lands the bundle per calendar quarter; a bad re-statement
is quarantined with its reason and the good figure already in the lake stays."""

import dataclasses
import datetime as dt

import pandas as pd
from dagster import materialize

from dagster_project.assets.capex import capex_quarterly
from dagster_project.config.watchlist import load_watchlist
from dagster_project.resources import sources_for
from dagster_project.sources.capex import CAPEX_COLUMNS
from tests.pipeline import check_results

Q4_2024, Q3_2024 = "2024-10-01", "2024-07-01"


def run(settings, first, last, capex=None):
    sources = sources_for(settings)
    if capex is not None:
        sources = dataclasses.replace(sources, capex=capex)
    return materialize(
        [capex_quarterly],
        resources={"settings": settings, "sources": sources, "watchlist": load_watchlist(settings.watchlist_file)},
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )


def partition(settings, key) -> pd.DataFrame:
    return pd.read_parquet(settings.lake_dir / "capex_quarterly" / f"quarter_start={key}" / "data.parquet")


class Scripted:
    name = "scripted"

    def __init__(self, rows):
        self.rows = rows

    def fetch(self, tickers, start, end):
        frame = pd.DataFrame(self.rows).assign(fetched_at=pd.Timestamp("2025-02-10", tz="UTC"))
        for column in CAPEX_COLUMNS:
            if column not in frame:
                frame[column] = None
        frame["fiscal_year"] = frame["fiscal_year"].astype("Int32")
        frame["fiscal_quarter"] = frame["fiscal_quarter"].astype("Int32")
        return frame[CAPEX_COLUMNS]


def row(ticker, period_end, capex_usd, **extra):
    return {"ticker": ticker, "period_end": period_end, "capex_usd": capex_usd, "currency": "USD", **extra}


def test_a_range_backfill_is_one_run_that_maps_fiscal_quarters_to_calendar_partitions(replay_settings):
    result = run(replay_settings, Q3_2024, Q4_2024)

    assert result.success and all(c.passed for c in check_results(result).values())
    q4 = partition(replay_settings, Q4_2024).set_index("ticker")
    # MSFT's fiscal Q2 2025 and AAPL's fiscal Q1 2025 (ended Saturday 2024-12-28) are calendar 2024-Q4
    assert q4.loc["MSFT", ["fiscal_year", "fiscal_quarter", "calendar_quarter"]].tolist() == [2025, 2, "2024-Q4"]
    assert q4.loc["AAPL", "period_end"] == dt.date(2024, 12, 28) and q4.loc["AAPL", "fiscal_quarter"] == 1
    assert q4.loc["META", "capex_usd"] == 14_425_000_000 and q4.loc["META", "finance_lease_principal_usd"] == 411e6
    assert q4.loc["META", "filing_date"] == dt.date(2025, 1, 30)
    assert set(partition(replay_settings, Q3_2024)["calendar_quarter"]) == {"2024-Q3"}


def test_a_bad_restatement_is_quarantined_and_the_good_quarter_stays(replay_settings):
    assert run(replay_settings, Q4_2024, Q4_2024).success
    before = partition(replay_settings, Q4_2024)

    bad = [
        row("META", dt.date(2024, 12, 31), -14_425_000_000),  # a sign slip
        row("AMZN", dt.date(2024, 11, 30), 27_834_000_000),  # not on a December calendar's quarter ends
        row("GOOGL", dt.date(2024, 12, 31), 14_276_000_000),
        row("GOOGL", dt.date(2024, 12, 31), 14_300_000_000),  # the same quarter twice, two figures
    ]
    result = run(replay_settings, Q4_2024, Q4_2024, capex=Scripted(bad))

    assert result.success and check_results(result)["capex_spend_valid"].passed
    after = partition(replay_settings, Q4_2024)
    pd.testing.assert_frame_equal(after.drop(columns="fetched_at"), before.drop(columns="fetched_at"))
    (quarantined,) = (replay_settings.quarantine_dir / "capex_quarterly").glob("run=*.parquet")
    reasons = dict(pd.read_parquet(quarantined)[["ticker", "reason"]].drop_duplicates("ticker").to_numpy())
    assert reasons["META"] == "capex -14,425,000,000 USD is negative (a spend is never below zero)"
    assert reasons["AMZN"].startswith(
        "period end 2024-11-30 is off AMZN's fiscal calendar (quarters end in Mar, Jun, Sep, Dec)"
    )
    assert reasons["GOOGL"] == "duplicate period GOOGL 2024-12-31 with different figures: $14.28B vs $14.30B"


def test_a_jump_above_three_times_the_trailing_mean_is_a_warning_naming_both(replay_settings):
    assert run(replay_settings, "2023-01-01", Q3_2024).success
    jumped = [row("META", dt.date(2024, 12, 31), 40_000_000_000, filing_date=dt.date(2025, 1, 30))]
    result = run(replay_settings, Q4_2024, Q4_2024, capex=Scripted(jumped))

    assert result.success
    warning = check_results(result)["capex_below_3x_trailing_mean"]
    assert not warning.passed and warning.severity.value == "WARN"
    (message,) = warning.metadata["sample"].value
    # META's previous four filed quarters (2023 Q3-Q4 are a gap in the bundle): 2023-06-30 and
    # 2024 Q1-Q3, mean (6,134 + 6,400 + 8,173 + 8,258) / 4 = $7.24B
    assert message == (
        "META 2024-12-31: $40.00B is 5.5x the trailing 4-quarter mean $7.24B (2023-06-30..2024-09-30), more than 3x"
    )


def test_a_partial_fetch_updates_what_it_returns_and_keeps_every_other_ticker(replay_settings):
    assert run(replay_settings, Q4_2024, Q4_2024).success
    before = partition(replay_settings, Q4_2024).set_index("ticker")

    # Yahoo answers for META only (the others failed, or keep no such old quarter)
    restated = [row("META", dt.date(2024, 12, 31), 14_500_000_000)]
    assert run(replay_settings, Q4_2024, Q4_2024, capex=Scripted(restated)).success

    after = partition(replay_settings, Q4_2024).set_index("ticker")
    assert after.loc["META", "capex_usd"] == 14_500_000_000
    assert set(after.index) == set(before.index)
    others = [t for t in before.index if t != "META"]
    pd.testing.assert_frame_equal(
        after.loc[others].drop(columns="fetched_at"), before.loc[others].drop(columns="fetched_at")
    )


def test_a_range_with_no_quarter_from_the_source_fails_and_writes_nothing(replay_settings):
    result = materialize(
        [capex_quarterly],
        resources={
            "settings": replay_settings,
            "sources": dataclasses.replace(sources_for(replay_settings), capex=Scripted([])),
            "watchlist": load_watchlist(replay_settings.watchlist_file),
        },
        tags={"dagster/asset_partition_range_start": Q4_2024, "dagster/asset_partition_range_end": Q4_2024},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description == (
        "scripted returned no capex quarter ending 2024-10-01..2025-01-08; no partition was written"
    )
    assert not (replay_settings.lake_dir / "capex_quarterly" / f"quarter_start={Q4_2024}").exists()
