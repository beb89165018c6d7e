"""Build ShockWatch's case-study bundle from the reference collection.

This script explains how ``case_study/prices_daily.csv`` was made
(``shares_outstanding.csv`` is curated row by row from the filings: see PROVENANCE.md). It reads the reference CSVs
(default: ``../shared/reference`` relative to the repository root), writes the
figures again in ShockWatch's own layout, and checks the result. The pipeline
never runs it; it exists so that anyone can rebuild the committed bundle.

Usage (from the repository root)::

    python case_study/build_bundle.py [--reference DIR] [--out DIR]

Rules:

* Prices are rounded half-up to 4 decimal places, and volume is an integer.
  A missing value is written as an empty field.
* There are four kinds of price series:
    - ``split_adjusted`` from the yfinance ``auto_adjust=False`` download.
      OHLC are raw (split-adjusted) values and adj_close is Yahoo's Adj Close.
    - ``split_adjusted`` SMCI from the auto-adjusted file. SMCI pays no
      dividend, so the auto-adjusted values are raw; adj_close = close.
    - ``dividend_adjusted`` TSM/ORCL/AAPL/SPY/QQQ from the auto-adjusted file,
      with adj_close = close.
    - ``dividend_adjusted_close_only`` ASML (the only series found is an
      adjusted close). close = adj_close, and open/high/low/volume are empty.
* Shares are not built here any more: the first version of the bundle restated
  the reference's weighted averages, four of which were impossible (basic above
  diluted); the curated file replaces them and adds cover-page counts.

Only the standard library is used, and the output is deterministic: the same
input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = REPO_ROOT / ".." / "shared" / "reference"
DEFAULT_OUT = Path(__file__).resolve().parent

TICKERS = [
    "NVDA",
    "AVGO",
    "TSM",
    "AMD",
    "MSFT",
    "META",
    "GOOGL",
    "AMZN",
    "ORCL",
    "ASML",
    "ARM",
    "MU",
    "SMCI",
    "AAPL",
    "MRVL",
    "SPY",
    "QQQ",
]
UNADJUSTED = {"NVDA", "AVGO", "AMD", "MSFT", "META", "GOOGL", "AMZN", "ARM", "MU", "MRVL"}
AUTO_RAW = {"SMCI"}  # no dividend, so auto-adjusted == split-adjusted raw
AUTO_DIVIDEND = {"TSM", "ORCL", "AAPL", "SPY", "QQQ"}
CLOSE_ONLY = {"ASML"}
assert UNADJUSTED | AUTO_RAW | AUTO_DIVIDEND | CLOSE_ONLY == set(TICKERS)

SESSIONS_PER_TICKER = 374
FIRST_DATE, LAST_DATE = "2024-01-02", "2025-06-30"
ABSENT_DATES = {"2025-01-09", "2025-01-20"}

PRICE_HEADER = [
    "trade_date",
    "ticker",
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "price_basis",
    "origin",
]
QUANTUM = Decimal("0.0001")


def price(value: str) -> str:
    """Round a decimal string half-up to 4 places. '' stays ''."""
    if value == "":
        return ""
    return str(Decimal(value).quantize(QUANTUM, rounding=ROUND_HALF_UP))


def volume(value: str) -> str:
    """Write a volume as a plain integer. '' stays ''."""
    if value == "":
        return ""
    d = Decimal(value)
    assert d == d.to_integral_value(), f"non-integer volume {value!r}"
    return str(int(d))


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_prices(ref: Path) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    for r in read_rows(ref / "prices_daily_yahoo_unadjusted.csv"):
        if r["ticker"] not in UNADJUSTED:
            continue
        out.append(
            {
                "trade_date": r["date"],
                "ticker": r["ticker"],
                "open": price(r["open"]),
                "high": price(r["high"]),
                "low": price(r["low"]),
                "close": price(r["close"]),
                "adj_close": price(r["adj_close"]),
                "volume": volume(r["volume"]),
                "price_basis": "split_adjusted",
                "origin": "yahoo_daily_bars",
            }
        )

    for r in read_rows(ref / "prices_daily_yahoo_autoadjusted.csv"):
        t = r["ticker"]
        if t in AUTO_RAW:
            basis = "split_adjusted"
        elif t in AUTO_DIVIDEND:
            basis = "dividend_adjusted"
        else:
            continue
        close = price(r["close"])
        out.append(
            {
                "trade_date": r["date"],
                "ticker": t,
                "open": price(r["open"]),
                "high": price(r["high"]),
                "low": price(r["low"]),
                "close": close,
                "adj_close": close,
                "volume": volume(r["volume"]),
                "price_basis": basis,
                "origin": "yahoo_daily_bars",
            }
        )

    for r in read_rows(ref / "prices_daily_adjclose_dsturdy.csv"):
        if r["ticker"] not in CLOSE_ONLY:
            continue
        close = price(r["adj_close"])
        out.append(
            {
                "trade_date": r["date"],
                "ticker": r["ticker"],
                "open": "",
                "high": "",
                "low": "",
                "close": close,
                "adj_close": close,
                "volume": "",
                "price_basis": "dividend_adjusted_close_only",
                "origin": "yahoo_adjusted_close",
            }
        )

    out.sort(key=lambda row: (row["trade_date"], row["ticker"]))
    return out


def check_prices(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Assert the bundle's invariants and return any OHLC-inconsistent rows."""
    keys = Counter((r["trade_date"], r["ticker"]) for r in rows)
    assert max(keys.values()) == 1, "duplicate (trade_date, ticker)"

    per_ticker = Counter(r["ticker"] for r in rows)
    assert set(per_ticker) == set(TICKERS), sorted(per_ticker)
    for t in TICKERS:
        assert per_ticker[t] == SESSIONS_PER_TICKER, (t, per_ticker[t])

    dates = sorted({r["trade_date"] for r in rows})
    assert len(dates) == SESSIONS_PER_TICKER
    assert dates[0] == FIRST_DATE and dates[-1] == LAST_DATE, (dates[0], dates[-1])
    assert not ABSENT_DATES & set(dates)

    nvda = {r["trade_date"]: r for r in rows if r["ticker"] == "NVDA"}
    assert Decimal(nvda["2025-01-24"]["close"]).quantize(Decimal("0.01")) == Decimal("142.62")
    assert Decimal(nvda["2025-01-27"]["close"]).quantize(Decimal("0.01")) == Decimal("118.42")

    violations = []
    for r in rows:
        if r["open"] == "":
            continue
        o, h, lo, c = (Decimal(r[k]) for k in ("open", "high", "low", "close"))
        if lo > min(o, c) or h < max(o, c):
            violations.append(r)
    return violations


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="directory holding the reference CSVs")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: case_study/)")
    args = ap.parse_args()

    prices = build_prices(args.reference)
    violations = check_prices(prices)
    for r in violations:
        print(
            "OHLC inconsistency (kept as given):",
            r["trade_date"],
            r["ticker"],
            "O",
            r["open"],
            "H",
            r["high"],
            "L",
            r["low"],
            "C",
            r["close"],
        )

    write_csv(args.out / "prices_daily.csv", PRICE_HEADER, prices)
    print(f"prices_daily.csv: {len(prices)} rows; {len(violations)} OHLC inconsistencies")


if __name__ == "__main__":
    main()
