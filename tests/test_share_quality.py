"""Share-count rules (dagster_project/share_quality.py), each tried with a bad count."""

import datetime as dt

import pandas as pd
import pytest

from dagster_project.share_quality import (
    ShareRules,
    implied_market_caps,
    quarantine_bad_shares,
    share_check_results,
    share_jumps,
)

D = dt.date
TODAY = D(2025, 6, 30)
NVDA_Q3_AS_OF, NVDA_Q3_FILED = D(2024, 11, 15), D(2024, 11, 20)


def count(
    ticker="NVDA",
    as_of=NVDA_Q3_AS_OF,
    filed=NVDA_Q3_FILED,
    shares=24_490_000_000,
    diluted=None,
    factor=1.0,
    measure="cover_page_shares_outstanding",
    source="10-Q",
):
    return {
        "ticker": ticker,
        "as_of_date": as_of,
        "filing_date": filed,
        "shares": shares,
        "shares_diluted": diluted,
        "basis_factor": factor,
        "measure": measure,
        "source": source,
    }


def frame(*rows) -> pd.DataFrame:
    out = pd.DataFrame(list(rows))
    out["shares_diluted"] = out["shares_diluted"].astype("Int64")
    return out


def no_caps(rows: pd.DataFrame) -> pd.Series:
    return pd.Series(float("nan"), index=rows.index)


def split(rows: pd.DataFrame, rules=ShareRules(), caps=None):
    good, rejected = quarantine_bad_shares(rows, no_caps(rows) if caps is None else caps, rules, today=TODAY)
    return good, dict(zip(rejected["as_of_date"].astype(str) + " " + rejected["ticker"], rejected["reason"]))


@pytest.mark.parametrize(
    "shares, reason",
    [
        (-24_490_000_000, "shares -24490000000 is not a positive whole number"),
        (0, "shares 0 is not a positive whole number"),
        (24_490_000_000.5, "shares 24490000000.5 is not a positive whole number"),
        (float("nan"), "shares nan is not a positive whole number"),
    ],
)
def test_counts_that_are_not_positive_whole_numbers_are_quarantined(shares, reason):
    rows = frame(count(as_of=D(2024, 8, 23), filed=D(2024, 8, 28)), count(shares=shares))
    good, rejected = split(rows)
    assert rejected == {"2024-11-15 NVDA": reason}
    assert good["as_of_date"].tolist() == [D(2024, 8, 23)]  # the previous good count stays


def test_a_basic_average_above_the_diluted_one_of_its_period_is_impossible():
    avgo = count(
        "AVGO",
        D(2024, 11, 3),
        D(2024, 12, 20),
        4_955_271_909,
        diluted=4_778_000_000,
        measure="weighted_avg_basic_shares_quarter",
    )
    fine = count(
        "AVGO",
        D(2025, 2, 2),
        D(2025, 3, 12),
        4_695_000_000,
        diluted=4_836_000_000,
        measure="weighted_avg_basic_shares_quarter",
    )
    good, rejected = split(frame(avgo, fine))
    assert rejected == {
        "2024-11-03 AVGO": "basic weighted-average count 4,955,271,909 is above the diluted "
        "count 4,778,000,000 of the same period"
    }
    assert good["as_of_date"].tolist() == [D(2025, 2, 2)]


def test_dates_that_cannot_be_true_are_quarantined():
    rows = frame(
        count(filed=D(2024, 11, 1)),
        count(as_of=D(2025, 5, 1), filed=D(2025, 7, 9)),
        count(as_of=D(2025, 8, 1), filed=None),
    )
    assert split(rows)[1] == {
        "2024-11-15 NVDA": "filed 2024-11-01, before its as-of date 2024-11-15",
        "2025-05-01 NVDA": "filing date 2025-07-09 is in the future",
        "2025-08-01 NVDA": "as-of date 2025-08-01 is in the future",
    }


def test_a_count_without_filing_date_is_kept_for_dbt_to_date_conservatively():
    good, rejected = split(frame(count(filed=None)))
    assert rejected == {} and len(good) == 1 and pd.isna(good["filing_date"].iloc[0])


def test_an_identical_duplicate_filing_collapses_and_a_conflicting_one_is_rejected_whole():
    good, rejected = split(frame(count(), count()))
    assert len(good) == 1 and rejected == {"2024-11-15 NVDA": "duplicate of an identical row"}

    good, rejected_rows = quarantine_bad_shares(
        frame(count(), count(shares=24_500_000_000)), pd.Series([float("nan")] * 2), today=TODAY
    )
    assert good.empty
    assert set(rejected_rows["reason"]) == {
        "conflicting counts for NVDA as of 2024-11-15 (cover_page_shares_outstanding): 24,490,000,000 vs 24,500,000,000"
    }
    assert len(rejected_rows) == 2


def test_an_implausible_market_cap_names_the_count_and_the_close():
    rows = frame(count(shares=244_900_000_000))  # ten times too many
    caps = implied_market_caps(rows, lambda ticker, day: 141.98 if (ticker, day) == ("NVDA", D(2024, 11, 15)) else None)
    assert caps.iloc[0] == pytest.approx(244_900_000_000 * 141.98)
    _, rejected = split(rows, caps=caps)
    assert rejected["2024-11-15 NVDA"].startswith(
        "implied market cap $34,770.9B (close 141.98 x 244,900,000,000 split-adjusted shares, on or before 2024-11-15)"
    )
    assert "outside $0.05B..$20,000B" in rejected["2024-11-15 NVDA"]


def test_many_bad_counts_each_get_their_own_reason():
    """Reasons are built for all flagged rows at once: each must land on its own row, also
    when the frame's index is not 0..n-1 and good rows sit between the bad ones."""
    rows = frame(
        count(ticker="AAA", shares=1_000),  # cap $0.1M: below the minimum
        count(ticker="BBB"),  # fine
        count(ticker="CCC", shares=-5),  # not a positive whole number
        count(ticker="DDD", shares=3_000),  # cap $0.3M
    )
    rows.index = [40, 10, 30, 20]
    caps = implied_market_caps(rows, lambda ticker, day: 100.0)
    good, rejected = split(rows, caps=caps)
    assert list(good["ticker"]) == ["BBB"]
    assert rejected["2024-11-15 AAA"].startswith("implied market cap $0.0B (close 100.00 x 1,000 split-adjusted")
    assert rejected["2024-11-15 DDD"].startswith("implied market cap $0.0B (close 100.00 x 3,000 split-adjusted")
    assert rejected["2024-11-15 CCC"] == "shares -5 is not a positive whole number"


def test_a_jump_without_split_is_a_warning_naming_both_counts_and_filings():
    rows = frame(
        count(as_of=D(2024, 8, 23), filed=D(2024, 8, 28), shares=24_530_000_000, source="10-Q Q2"),
        count(shares=29_436_000_000, source="10-Q Q3"),
    )  # +20%
    (jump,) = share_jumps(rows)
    assert jump == (
        "NVDA: 24,530,000,000 as of 2024-08-23 (cover_page_shares_outstanding, filed 2024-08-28, "
        "10-Q Q2) -> 29,436,000,000 as of 2024-11-15 (cover_page_shares_outstanding, filed 2024-11-20, "
        "10-Q Q3): +20.0% split-adjusted, more than 5%"
    )
    outcome = {o.name: o for o in share_check_results(rows, no_caps(rows), today=TODAY)}
    assert not outcome["share_count_changes_below_threshold"].passed
    assert not outcome["share_count_changes_below_threshold"].blocking
    assert outcome["share_counts_valid"].passed  # a warning, not a quarantine
    assert share_jumps(rows, ShareRules(max_change=0.25)) == []


def test_a_split_the_count_predates_is_not_a_jump():
    before = count(as_of=D(2023, 11, 17), filed=D(2023, 11, 21), shares=2_470_000_000, factor=10.0)
    after = count(shares=24_490_000_000)
    assert share_jumps(frame(before, after)) == []
    assert share_jumps(frame({**before, "basis_factor": 1.0}, after))  # without the factor it is +892%


def test_the_lake_checks_fail_on_what_slipped_past():
    rows = frame(count(), count(shares=-1, as_of=D(2024, 12, 1), filed=D(2024, 12, 2)))
    outcome = {o.name: o for o in share_check_results(rows, no_caps(rows), today=TODAY)}
    assert not outcome["share_counts_valid"].passed and outcome["share_counts_valid"].blocking
    assert outcome["share_counts_valid"].sample == [
        "NVDA 2024-12-01 cover_page_shares_outstanding: shares -1 is not a positive whole number"
    ]


def test_a_lookup_by_session_gives_the_caps_a_lookup_per_count_gives():
    """implied_market_caps asks a lookup with `session(day)` once per as-of date: the same caps
    as asking per count, also for a ticker the session lacks, a day without a session, a
    frame whose index is not 0..n-1, and a basis factor."""
    sessions = {D(2024, 11, 15): {"NVDA": 141.98, "AMD": 138.0}, D(2024, 8, 15): {"NVDA": 122.86}}

    class Lookup:
        def session(self, day):
            return sessions.get(day)

        def __call__(self, ticker, day):
            return (sessions.get(day) or {}).get(ticker)

    rows = frame(
        count(),
        count(ticker="AMD", shares=1_620_000_000),
        count(ticker="MU"),  # not in the session
        count(as_of=D(2024, 8, 15), filed=D(2024, 8, 28), factor=2.0),
        count(as_of=D(2024, 9, 1), filed=D(2024, 9, 5)),  # no session that day
    )
    rows.index = [7, 3, 9, 1, 5]
    per_session = implied_market_caps(rows, Lookup())
    per_count = implied_market_caps(rows, lambda ticker, day: Lookup()(ticker, day))
    pd.testing.assert_series_equal(per_session, per_count)
    assert per_session[1] == pytest.approx(24_490_000_000 * 2.0 * 122.86)
    assert per_session[[9, 5]].isna().all() and per_session[[7, 3, 1]].notna().all()
