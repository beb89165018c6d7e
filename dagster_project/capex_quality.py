"""The capex checks: what makes a quarter of capital expenditure unusable, and what is only odd.

Rules (a row that breaks one is quarantined with the reason; the lake keeps the earlier good
row for the same quarter):
- the spend is missing, not a finite number, or negative (capex is money spent: a filing
  never reports it below zero, a sign slip does), or not in US dollars;
- the quarter is off its company's fiscal calendar (dagster_project/lib/fiscal_calendar.py):
  it closes in a month that ends no quarter of that calendar, or the fiscal year/quarter the
  source states is not the one its period end gives;
- it was filed before it ended, or its dates are in the future;
- two different figures for one (ticker, period_end) are both rejected, since nothing says
  which is right; identical copies collapse to one.
A WARN, not a rejection: a quarter more than `max_jump`x its ticker's trailing four-quarter
mean (hyperscaler capex doubled in 2024; a figure in thousands instead of dollars, or a
year-to-date figure taken for a quarter, jumps too).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from dagster_project.lib.checks import CheckOutcome
from dagster_project.lib.fiscal_calendar import (
    calendar_quarter,
    fiscal_period,
    is_on_fiscal_calendar,
)

KEY = ["ticker", "period_end"]
VALUE_COLUMNS = ["capex_usd", "finance_lease_principal_usd", "filing_date", "fiscal_year", "fiscal_quarter"]
DECEMBER = 12


@dataclass(frozen=True)
class CapexRules:
    """Thresholds of the capex checks (the raw asset's config sets them)."""

    max_jump: float = 3.0  # WARN above this multiple of the trailing four-quarter mean
    trailing_quarters: int = 4


def billions(value: float) -> str:
    return f"${value / 1e9:,.2f}B"


def with_fiscal_calendar(frame: pd.DataFrame, fiscal_year_ends: dict[str, int]) -> pd.DataFrame:
    """Fill calendar_quarter, and fiscal_year / fiscal_quarter where the source left them
    empty, from each ticker's fiscal year-end month (December when the watchlist names none)."""
    frame = frame.copy()
    frame["ticker"] = frame["ticker"].astype(str).str.strip().str.upper()
    ends = pd.to_datetime(frame["period_end"], errors="coerce")
    derived = [
        fiscal_period(day.date(), fiscal_year_ends.get(t, DECEMBER)) if pd.notna(day) else (None, None)
        for t, day in zip(frame["ticker"], ends)
    ]
    stated_year = frame["fiscal_year"].astype("Int32")
    stated_quarter = frame["fiscal_quarter"].astype("Int32")
    frame["fiscal_year"] = stated_year.fillna(pd.Series([y for y, _ in derived], index=frame.index, dtype="Int32"))
    frame["fiscal_quarter"] = stated_quarter.fillna(
        pd.Series([q for _, q in derived], index=frame.index, dtype="Int32")
    )
    frame["calendar_quarter"] = [calendar_quarter(day.date()) if pd.notna(day) else None for day in ends]
    return frame


def _off_calendar(row, fiscal_year_ends: dict[str, int]) -> str:
    month = fiscal_year_ends.get(row.ticker, DECEMBER)
    if not is_on_fiscal_calendar(row.period_end, month):
        return (
            f"period end {row.period_end} is off {row.ticker}'s fiscal calendar "
            f"(quarters end in {', '.join(_quarter_end_months(month))})"
        )
    year, quarter = fiscal_period(row.period_end, month)
    if (row.fiscal_year, row.fiscal_quarter) != (year, quarter):
        return (
            f"stated fiscal period FY{row.fiscal_year} Q{row.fiscal_quarter} is not the one "
            f"period end {row.period_end} gives (FY{year} Q{quarter})"
        )
    return ""


def _quarter_end_months(fiscal_year_end_month: int) -> list[str]:
    months = sorted((fiscal_year_end_month - 1 - 3 * k) % 12 + 1 for k in range(4))
    return [dt.date(2000, m, 1).strftime("%b") for m in months]


def _row_reason(row, fiscal_year_ends: dict[str, int], today: dt.date) -> str:
    spend = pd.to_numeric(pd.Series([row.capex_usd]), errors="coerce").iloc[0]
    if pd.isna(row.period_end):
        return "period end missing"
    if pd.isna(spend) or not math.isfinite(spend):
        return f"capex missing for {row.ticker} {row.period_end} ({row.capex_usd!r})"
    if spend < 0:
        return f"capex {spend:,.0f} USD is negative (a spend is never below zero)"
    lease = pd.to_numeric(pd.Series([row.finance_lease_principal_usd]), errors="coerce").iloc[0]
    if pd.notna(lease) and lease < 0:
        return f"finance-lease principal {lease:,.0f} USD is negative"
    if str(row.currency or "").upper() != "USD":
        return f"reported in {row.currency or 'an unknown currency'}, not USD (no FX conversion here)"
    off = _off_calendar(row, fiscal_year_ends)
    if off:
        return off
    if row.period_end > today:
        return f"period end {row.period_end} is in the future"
    if pd.notna(row.filing_date) and row.filing_date < row.period_end:
        return f"filed {row.filing_date}, before its period end {row.period_end}"
    if pd.notna(row.filing_date) and row.filing_date > today:
        return f"filing date {row.filing_date} is in the future"
    return ""


def rule_reasons(frame: pd.DataFrame, fiscal_year_ends: dict[str, int], today: dt.date) -> pd.Series:
    return pd.Series(
        [_row_reason(r, fiscal_year_ends, today) for r in frame.itertuples()], index=frame.index, dtype="object"
    )


def quarantine_bad_capex(
    frame: pd.DataFrame, fiscal_year_ends: dict[str, int], today: dt.date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into (good rows, rejected rows with a `reason` column)."""
    today = today or dt.date.today()
    reasons = rule_reasons(frame, fiscal_year_ends, today)
    keyed = frame[reasons == ""]
    distinct = keyed.drop_duplicates(KEY + VALUE_COLUMNS)
    conflict_keys = set(map(tuple, distinct[distinct.duplicated(KEY, keep=False)][KEY].to_numpy()))
    copies = keyed.duplicated(KEY + VALUE_COLUMNS, keep="first")
    for index, row in keyed.iterrows():
        if (row.ticker, row.period_end) in conflict_keys:
            figures = distinct[(distinct["ticker"] == row.ticker) & (distinct["period_end"] == row.period_end)]
            reasons.loc[index] = (
                f"duplicate period {row.ticker} {row.period_end} with different figures: "
                + " vs ".join(billions(v) for v in figures["capex_usd"])
            )
        elif copies.loc[index]:
            reasons.loc[index] = "duplicate of an identical row"
    rejected = frame[reasons != ""].assign(reason=reasons[reasons != ""])
    return frame[reasons == ""].reset_index(drop=True), rejected.reset_index(drop=True)


def capex_jumps(frame: pd.DataFrame, rules: CapexRules = CapexRules()) -> list[tuple[str, dt.date, str]]:
    """(ticker, period_end, message) of the quarters above `rules.max_jump` x the mean of the
    ticker's previous `rules.trailing_quarters` filed quarters (a gap in the history is skipped,
    not counted as zero), each message naming the quarter, its figure, the mean and the
    quarters it is the mean of."""
    jumps = []
    for ticker, rows in frame.sort_values(KEY).groupby("ticker"):
        history = rows[["period_end", "capex_usd"]].dropna().drop_duplicates("period_end").to_numpy()
        for i in range(rules.trailing_quarters, len(history)):
            trailing = history[i - rules.trailing_quarters : i]
            mean = float(sum(v for _, v in trailing)) / len(trailing)
            day, value = history[i]
            if mean > 0 and value > rules.max_jump * mean:
                jumps.append(
                    (
                        ticker,
                        day,
                        f"{ticker} {day}: {billions(value)} is {value / mean:.1f}x the trailing "
                        f"{rules.trailing_quarters}-quarter mean {billions(mean)} "
                        f"({trailing[0][0]}..{trailing[-1][0]}), more than {rules.max_jump:g}x",
                    )
                )
    return jumps


def capex_check_results(
    landed: pd.DataFrame,
    history: pd.DataFrame,
    fiscal_year_ends: dict[str, int],
    rules: CapexRules = CapexRules(),
    today: dt.date | None = None,
) -> list[CheckOutcome]:
    """The checks on what the run's partitions now hold (re-read after the write); `history`
    is every capex partition of the lake, for the trailing means."""
    reasons = rule_reasons(landed, fiscal_year_ends, today or dt.date.today())
    spend = reasons.str.startswith(("capex", "finance-lease", "reported in", "period end missing"))
    calendar = reasons.str.contains("fiscal", regex=False)
    other = (reasons != "") & ~spend & ~calendar
    dupes = landed[landed.duplicated(KEY, keep=False)]

    def sample(rows: pd.DataFrame) -> list[str]:
        return [
            f"{r.ticker} {r.period_end}: {reasons.get(r.Index, '') or 'duplicate period'}"
            for r in rows.head(10).itertuples()
        ]

    in_run = set(zip(landed["ticker"], landed["period_end"]))
    jumps = [message for ticker, day, message in capex_jumps(history, rules) if (ticker, day) in in_run]
    return [
        CheckOutcome(
            "capex_spend_valid",
            not (spend | other).any(),
            "capex is a finite, non-negative USD figure; filed on or after its period end; no date in the future",
            int((spend | other).sum()),
            sample(landed[spend | other]),
        ),
        CheckOutcome(
            "capex_on_fiscal_calendar",
            not calendar.any(),
            "every quarter closes on its company's fiscal calendar and states the fiscal period its end gives",
            int(calendar.sum()),
            sample(landed[calendar]),
        ),
        CheckOutcome(
            "capex_unique_period",
            dupes.empty,
            "one row per (ticker, period_end)",
            len(dupes),
            sample(dupes),
        ),
        CheckOutcome(
            "capex_below_3x_trailing_mean",
            not jumps,
            f"no quarter above {rules.max_jump:g}x its ticker's trailing {rules.trailing_quarters}-quarter mean",
            len(jumps),
            jumps[:10],
            blocking=False,
        ),
    ]
