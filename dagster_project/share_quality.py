"""Rules for raw share counts, the same two-step pattern as prices (quality.py):

- at ingest, `quarantine_bad_shares` keeps impossible counts out of the lake, each with a
  reason that names the row and the numbers, and
- after the write, `share_check_results` re-reads the lake file and gates the warehouse.

A count is on the basis of the price series (split-adjusted, per listed share or ADS) once
multiplied by its `basis_factor`;
every comparison between counts (jumps, market caps) uses that adjusted count, so a 10:1
split is not a jump and a count from before a split is not a tenth of the company.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dagster_project.lib.checks import CheckOutcome

WEIGHTED_AVERAGE_BASIC = "weighted_avg_basic_shares_quarter"
KEY = ["ticker", "as_of_date", "measure"]
# How far back from a count's as-of date a close is looked for (weekends, holidays, gaps).
CLOSE_LOOKBACK_DAYS = 10


@dataclass(frozen=True)
class ShareRules:
    """Thresholds of the share-count checks (the raw asset's config sets them)."""

    max_change: float = 0.05  # a larger move between consecutive counts (no split) is a WARN
    min_market_cap_usd: float = 5e7
    max_market_cap_usd: float = 2e13  # above every company ever listed: a count off by 10x


def adjusted_shares(frame: pd.DataFrame) -> pd.Series:
    return frame["shares"].astype("float64") * frame["basis_factor"].fillna(1.0).astype("float64")


def _whole_positive(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return (numbers > 0) & (numbers == numbers.round()) & numbers.abs().lt(float("inf"))


def _plain(value) -> str:
    """A value as the source gave it, without numpy's repr (np.int64(-5) reads as -5)."""
    return repr(value.item() if hasattr(value, "item") else value)


def _describe(row) -> str:
    filed = f"filed {row.filing_date}" if pd.notna(row.filing_date) else "no filing date"
    return f"{int(row.shares):,} as of {row.as_of_date} ({row.measure}, {filed}, {row.source})"


def implied_market_caps(frame: pd.DataFrame, close_on: Callable[[str, dt.date], float | None]) -> pd.Series:
    """Each count x the ticker's close on (or shortly before) its as-of date; NaN without one.

    `close_on(ticker, day)` is asked per count, unless it also has `session(day)` (every
    ticker's close for that day, as a dict): then once per as-of date, and each count is a
    dict lookup (400k counts over ~80 dates: 0.15 s instead of ~0.4 s of calls)."""
    session = getattr(close_on, "session", None)
    if session is None:
        closes = [close_on(t, d) for t, d in zip(frame["ticker"].tolist(), frame["as_of_date"].tolist())]
        return adjusted_shares(frame) * pd.Series(closes, index=frame.index, dtype="float64")
    days = frame["as_of_date"].tolist()
    sessions = {day: session(day) or {} for day in set(days) if pd.notna(day)}
    closes = [sessions[d].get(t) if d in sessions else None for t, d in zip(frame["ticker"].tolist(), days)]
    return adjusted_shares(frame) * pd.Series(closes, index=frame.index, dtype="float64")


def _implausible(cap: float, shares: float, day: dt.date, rules: ShareRules) -> str:
    return (
        f"implied market cap ${cap / 1e9:,.1f}B (close {cap / shares:,.2f} x {shares:,.0f} "
        f"split-adjusted shares, on or before {day}) is outside "
        f"${rules.min_market_cap_usd / 1e9:,.2f}B..${rules.max_market_cap_usd / 1e9:,.0f}B"
    )


def _rule_reasons(frame: pd.DataFrame, caps: pd.Series, rules: ShareRules, today: dt.date) -> pd.Series:
    return _rules(frame, caps, rules, today)[0]


def _rules(frame: pd.DataFrame, caps: pd.Series, rules: ShareRules, today: dt.date) -> tuple[pd.Series, np.ndarray]:
    """(each row's first broken rule as a reason, "" if none; which rows broke the market-cap
    rule). Which rows are flagged is kept as booleans: comparing 400k reason strings with ""
    once per rule cost more than the rules."""
    reasons = pd.Series("", index=frame.index, dtype="object")
    flagged = np.zeros(len(frame), dtype=bool)
    adjusted = adjusted_shares(frame)

    def flag(mask: pd.Series, reason) -> np.ndarray:
        mask = mask.fillna(False).to_numpy(dtype=bool) & ~flagged
        if mask.any():
            flagged[mask] = True
            # itertuples: microseconds a row, where frame.loc[index] per flagged row cost ~3 ms
            # (P9, bench/share_checks.py: 20k implausible counts took 79 s to quarantine)
            reasons.loc[mask] = [reason(row) for row in frame[mask].itertuples()] if callable(reason) else reason
        return mask

    flag(~_whole_positive(frame["shares"]), lambda r: f"shares {_plain(r.shares)} is not a positive whole number")
    diluted = frame["shares_diluted"]
    flag(
        diluted.notna() & ~_whole_positive(diluted),
        lambda r: f"shares_diluted {_plain(r.shares_diluted)} is not a positive whole number",
    )
    factor = pd.to_numeric(frame["basis_factor"], errors="coerce")
    flag(
        ~(factor > 0) & frame["basis_factor"].notna(),
        lambda r: f"basis_factor {_plain(r.basis_factor)} is not positive",
    )
    basic = pd.to_numeric(frame["shares"], errors="coerce")
    flag(
        (frame["measure"] == WEIGHTED_AVERAGE_BASIC) & (basic > pd.to_numeric(diluted, errors="coerce")),
        lambda r: (
            f"basic weighted-average count {int(r.shares):,} is above the diluted count "
            f"{int(r.shares_diluted):,} of the same period"
        ),
    )
    filed, as_of = pd.to_datetime(frame["filing_date"]), pd.to_datetime(frame["as_of_date"])
    flag(as_of.isna(), "as-of date missing")
    flag(filed < as_of, lambda r: f"filed {r.filing_date}, before its as-of date {r.as_of_date}")
    flag(filed > pd.Timestamp(today), lambda r: f"filing date {r.filing_date} is in the future")
    flag(as_of > pd.Timestamp(today), lambda r: f"as-of date {r.as_of_date} is in the future")
    implausible = flag(
        caps.notna() & ((caps < rules.min_market_cap_usd) | (caps > rules.max_market_cap_usd)),
        lambda r: _implausible(caps[r.Index], adjusted[r.Index], r.as_of_date, rules),
    )
    return reasons, implausible


def quarantine_bad_shares(
    frame: pd.DataFrame, caps: pd.Series, rules: ShareRules = ShareRules(), today: dt.date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into (good rows, rejected rows with a `reason` column).

    Duplicates: identical rows collapse to one (a reason is recorded for the extra copies);
    two different counts for one (ticker, as_of_date, measure) are both rejected, since
    nothing says which is right.
    """
    today = today or dt.date.today()
    frame = frame.copy()
    frame["ticker"] = frame["ticker"].astype(str).str.strip().str.upper()
    reasons = _rule_reasons(frame, caps.reindex(frame.index), rules, today)
    valid = reasons == ""
    value_columns = ["shares", "shares_diluted", "basis_factor", "filing_date"]
    # Vectorised: a daily run re-validates every count the source returns (400k at 5,000
    # tickers x 20 years); a loop over rows took minutes there.
    keyed = frame[valid]
    distinct = keyed.drop_duplicates(KEY + value_columns)
    conflicting = distinct[distinct.duplicated(KEY, keep=False)]
    in_conflict = pd.MultiIndex.from_frame(keyed[KEY]).isin(pd.MultiIndex.from_frame(conflicting[KEY]))
    if not conflicting.empty:  # one reason per key, then onto its rows by key (not a scan per key)
        said = {
            (ticker, as_of, measure): f"conflicting counts for {ticker} as of {as_of} ({measure}): "
            + " vs ".join(f"{int(v):,}" for v in counts.unique())
            for (ticker, as_of, measure), counts in conflicting.groupby(KEY, sort=False)["shares"]
        }
        rows = keyed[in_conflict]
        reasons.loc[rows.index] = [said[key] for key in zip(*(rows[column] for column in KEY), strict=True)]
    copies = keyed.index[keyed.duplicated(KEY + value_columns, keep="first").to_numpy() & ~in_conflict]
    reasons.loc[copies] = "duplicate of an identical row"
    rejected = frame[reasons != ""].assign(reason=reasons[reasons != ""])
    return frame[reasons == ""].reset_index(drop=True), rejected.reset_index(drop=True)


def share_jumps(frame: pd.DataFrame, rules: ShareRules = ShareRules()) -> list[str]:
    """Consecutive counts of a ticker (by as-of date, split-adjusted) that differ by more than
    `rules.max_change`, each naming both counts and their filings. A WARN: buybacks, offerings
    and mergers move counts for real; a count from the wrong filing or unit moves them too."""
    ordered = (
        frame.assign(adjusted=adjusted_shares(frame))
        .sort_values(["ticker", "as_of_date", "measure"])
        .reset_index(drop=True)
    )
    previous = ordered.groupby("ticker", sort=False).shift(1)
    change = ordered["adjusted"] / previous["adjusted"].where(previous["adjusted"] > 0) - 1
    jumped = change.abs() > rules.max_change
    flagged = jumped.fillna(False).to_numpy()
    return [
        f"{row.ticker}: {_describe(before)} -> {_describe(row)}: "
        f"{moved:+.1%} split-adjusted, more than {rules.max_change:.0%}"
        for row, before, moved in zip(
            ordered[flagged].itertuples(), previous[flagged].itertuples(), change[flagged], strict=True
        )
    ]


def share_check_results(
    frame: pd.DataFrame, caps: pd.Series, rules: ShareRules = ShareRules(), today: dt.date | None = None
) -> list[CheckOutcome]:
    """The checks on what the lake file now holds (re-read after the write)."""
    reasons, implausible_rows = _rules(frame, caps.reindex(frame.index), rules, today or dt.date.today())
    dupes = frame[frame.duplicated(KEY, keep=False)]
    invalid = frame[(reasons != "").to_numpy() & ~implausible_rows]
    implausible = frame[implausible_rows]

    def sample(rows: pd.DataFrame) -> list[str]:
        return [
            f"{r.ticker} {r.as_of_date} {r.measure}: {reasons.get(r.Index, '') or 'duplicate key'}"
            for r in rows.head(10).itertuples()
        ]

    jumps = share_jumps(frame, rules)
    return [
        CheckOutcome(
            "share_counts_valid",
            invalid.empty and dupes.empty,
            "counts are positive whole numbers, basic <= diluted, filed on or after their as-of "
            "date and not in the future, unique per (ticker, as_of_date, measure)",
            len(invalid) + len(dupes),
            sample(pd.concat([invalid, dupes])),
        ),
        CheckOutcome(
            "share_count_market_cap_plausible",
            implausible.empty,
            f"count x close is within ${rules.min_market_cap_usd / 1e9:,.2f}B..${rules.max_market_cap_usd / 1e9:,.0f}B",
            len(implausible),
            sample(implausible),
        ),
        CheckOutcome(
            "share_count_changes_below_threshold",
            not jumps,
            f"consecutive split-adjusted counts differ by at most {rules.max_change:.0%}",
            len(jumps),
            jumps[:10],
            blocking=False,
        ),
    ]
