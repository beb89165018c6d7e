"""The capex rules on hand-made rows: each bad value is refused with a reason that names it."""

import datetime as dt

import pandas as pd

from dagster_project.capex_quality import capex_check_results, capex_jumps, quarantine_bad_capex, with_fiscal_calendar
from dagster_project.sources.capex import CAPEX_COLUMNS

YEAR_ENDS = {"MSFT": 6, "META": 12}
TODAY = dt.date(2025, 3, 1)


def frame(*rows) -> pd.DataFrame:
    out = pd.DataFrame([{c: None for c in CAPEX_COLUMNS} | {"currency": "USD"} | r for r in rows])
    return with_fiscal_calendar(out, YEAR_ENDS)


def test_negative_missing_foreign_off_calendar_and_early_filed_rows_are_rejected_with_reasons():
    rows = frame(
        {"ticker": "META", "period_end": dt.date(2024, 9, 30), "capex_usd": -1e9},
        {"ticker": "META", "period_end": dt.date(2024, 6, 30), "capex_usd": float("nan")},
        {"ticker": "META", "period_end": dt.date(2024, 3, 31), "capex_usd": 1e9, "currency": "EUR"},
        {"ticker": "MSFT", "period_end": dt.date(2024, 11, 30), "capex_usd": 1e9},
        {
            "ticker": "MSFT",
            "period_end": dt.date(2024, 12, 31),
            "capex_usd": 1e9,
            "fiscal_year": 2024,
            "fiscal_quarter": 2,
        },
        {"ticker": "META", "period_end": dt.date(2024, 12, 31), "capex_usd": 1e9, "filing_date": dt.date(2024, 12, 1)},
        {"ticker": "META", "period_end": dt.date(2023, 12, 31), "capex_usd": 0.0},
    )
    good, rejected = quarantine_bad_capex(rows, YEAR_ENDS, TODAY)

    assert good["period_end"].tolist() == [dt.date(2023, 12, 31)]  # zero spend is a figure, not a gap
    assert rejected["reason"].tolist() == [
        "capex -1,000,000,000 USD is negative (a spend is never below zero)",
        "capex missing for META 2024-06-30 (nan)",
        "reported in EUR, not USD (no FX conversion here)",
        "period end 2024-11-30 is off MSFT's fiscal calendar (quarters end in Mar, Jun, Sep, Dec)",
        "stated fiscal period FY2024 Q2 is not the one period end 2024-12-31 gives (FY2025 Q2)",
        "filed 2024-12-01, before its period end 2024-12-31",
    ]


def test_identical_copies_collapse_and_the_landed_file_check_counts_duplicates():
    copy = {"ticker": "META", "period_end": dt.date(2024, 12, 31), "capex_usd": 14.425e9}
    good, rejected = quarantine_bad_capex(frame(copy, copy), YEAR_ENDS, TODAY)
    assert len(good) == 1 and rejected["reason"].tolist() == ["duplicate of an identical row"]

    landed = frame(copy, copy)
    outcomes = {o.name: o for o in capex_check_results(landed, landed, YEAR_ENDS, today=TODAY)}
    assert not outcomes["capex_unique_period"].passed and outcomes["capex_unique_period"].failing_rows == 2
    assert outcomes["capex_spend_valid"].passed and outcomes["capex_unique_period"].blocking


def test_a_jump_needs_four_earlier_quarters_and_names_the_figure_and_the_mean():
    history = frame(
        *[
            {"ticker": "META", "period_end": day, "capex_usd": value}
            for day, value in [
                (dt.date(2024, 3, 31), 6e9),
                (dt.date(2024, 6, 30), 8e9),
                (dt.date(2024, 9, 30), 8e9),
                (dt.date(2024, 12, 31), 14e9),
                (dt.date(2025, 3, 31), 30.1e9),
            ]
        ]
    )
    assert capex_jumps(history.iloc[:4]) == []  # only three quarters before the fourth
    ((ticker, day, message),) = capex_jumps(history)
    assert (ticker, day) == ("META", dt.date(2025, 3, 31))
    assert message == (
        "META 2025-03-31: $30.10B is 3.3x the trailing 4-quarter mean $9.00B (2024-03-31..2024-12-31), more than 3x"
    )
