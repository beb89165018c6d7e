"""Rules for raw price bars, used twice on purpose:

- at ingest, `quarantine_bad_prices` keeps bad rows out of the lake (they go to the
  quarantine folder with a reason that names them), and
- after the write, `price_check_results` re-reads what the lake now holds and gates the
  warehouse with blocking checks, so nothing that slipped past (or was written by hand)
  reaches the analysts.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dagster_project.lib.checks import CheckOutcome

# Vendors round OHLC independently; a bar whose low is above its open by less than this
# fraction is a rounding artefact, not bad data.
OHLC_TOLERANCE = 1e-6
SPLIT_SUSPECT_RETURN = 0.40


def _sample(frame: pd.DataFrame, limit: int = 10) -> list[str]:
    return [f"{r.ticker} {r.trade_date}" for r in frame.head(limit).itertuples()]


PRICE_FIELDS = ["open", "high", "low", "close", "adj_close"]


def _rule_masks(frame: pd.DataFrame) -> dict[str, pd.Series]:
    tol = frame["close"].abs() * OHLC_TOLERANCE
    # ±inf passes every comparison below (inf > 0; tol = inf hides any OHLC mismatch); NaN
    # open/high/low/adj_close stay allowed (close-only bars, e.g. ASML in the case study).
    prices = frame[[c for c in PRICE_FIELDS if c in frame.columns]].apply(pd.to_numeric, errors="coerce")
    infinite = prices.isin([float("inf"), float("-inf")]).any(axis=1)
    lo_body = frame[["open", "close"]].min(axis=1)
    hi_body = frame[["open", "close"]].max(axis=1)
    return {
        "price not finite": infinite,
        "close missing or not positive": ~(frame["close"] > 0),
        "open/high/low not positive": (frame["open"] <= 0) | (frame["high"] <= 0) | (frame["low"] <= 0),
        "low above open/close or high below open/close": (
            (frame["low"] > lo_body + tol) | (frame["high"] < hi_body - tol) | (frame["low"] > frame["high"] + tol)
        ).fillna(False),
        "volume negative": (frame["volume"] < 0).fillna(False).astype(bool),
    }


def quarantine_bad_prices(
    frame: pd.DataFrame, tickers: list[str], sessions: list[dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into (good rows, rejected rows with a `reason` column)."""
    frame = frame.copy()
    frame["ticker"] = frame["ticker"].astype(str).str.strip().str.upper()
    reasons = pd.Series("", index=frame.index, dtype="object")

    def flag(mask: pd.Series, reason: str) -> None:
        mask = mask.fillna(False).astype(bool)
        reasons.loc[mask & (reasons == "")] = reason

    flag(~frame["ticker"].isin(tickers), "ticker not in watchlist")
    flag(~frame["trade_date"].isin(set(sessions)), "date is not an NYSE session in the requested range")
    for reason, mask in _rule_masks(frame).items():
        flag(mask, reason)
    flag(frame.duplicated(["ticker", "trade_date"], keep="first"), "duplicate (ticker, trade_date)")

    rejected = frame[reasons != ""].assign(reason=reasons[reasons != ""])
    return frame[reasons == ""].reset_index(drop=True), rejected.reset_index(drop=True)


def price_check_results(
    frame: pd.DataFrame, tickers: list[str], sessions: list[dt.date], previous_close: pd.DataFrame
) -> list[CheckOutcome]:
    """Evaluate the raw-price checks on the sessions just written (re-read from the lake)."""
    outcomes = []
    dupes = frame[frame.duplicated(["ticker", "trade_date"], keep=False)]
    outcomes.append(
        CheckOutcome(
            "unique_ticker_trade_date", dupes.empty, "(ticker, trade_date) is unique", len(dupes), _sample(dupes)
        )
    )
    masks = _rule_masks(frame)
    for name, key, description in (
        ("positive_prices", "open/high/low not positive", "open, high, low and close are finite and > 0"),
        ("ohlc_consistent", "low above open/close or high below open/close", "low <= open, close <= high"),
        ("volume_non_negative", "volume negative", "volume >= 0"),
    ):
        mask = masks[key].fillna(False).astype(bool)
        if name == "positive_prices":
            mask = mask | masks["close missing or not positive"] | masks["price not finite"]
        bad = frame[mask]
        outcomes.append(CheckOutcome(name, bad.empty, description, len(bad), _sample(bad)))

    present = set(zip(frame["ticker"], frame["trade_date"]))
    missing = [f"{t} {d}" for d in sessions for t in tickers if (t, d) not in present]
    outcomes.append(
        CheckOutcome(
            "watchlist_complete",
            not missing,
            "every watchlist ticker has a bar on every session",
            len(missing),
            missing[:10],
        )
    )

    ordered = pd.concat([previous_close[["ticker", "trade_date", "close"]], frame[["ticker", "trade_date", "close"]]])
    ordered = ordered.drop_duplicates(["ticker", "trade_date"]).sort_values(["ticker", "trade_date"])
    returns = ordered.groupby("ticker")["close"].pct_change()
    jumps = ordered[(returns.abs() > SPLIT_SUSPECT_RETURN) & ordered["trade_date"].isin(sessions)]
    outcomes.append(
        CheckOutcome(
            "daily_return_below_40pct",
            jumps.empty,
            "|daily return| <= 40% (larger moves are often an unadjusted split)",
            len(jumps),
            _sample(jumps),
            blocking=False,
        )
    )
    return outcomes
