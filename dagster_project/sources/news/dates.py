"""When a feed entry was published, as a UTC instant, or why it cannot be known.

feedparser reads an RFC 822 zone it does not know (CET, BST, JST, ...) as UTC and an ISO time
without an offset as UTC too: 1-9 hours off, silently. So the raw string is read here:
- RFC 822 / 2822 dates ("Mon, 27 Jan 2025 14:30:00 CET"): a numeric offset, or a zone name
  from ZONE_OFFSETS (fixed offsets; the summer names are their own entries). A name not in
  the table, or an ambiguous one (IST: India, Ireland or Israel; CST is RFC 822's US Central),
  makes the time unknown; so does a missing zone.
- ISO 8601 / W3CDTF ("2025-01-27T14:30:00+01:00", "...Z"): a time without an offset is
  unknown; a date alone is that day at 00:00 UTC (a day, not an instant).
- Anything else falls back to feedparser's reading (`*_parsed`, already in UTC), unless the
  string ends in a zone name we do not know.
A time before EARLIEST (year 1, 1970 from a zero timestamp) is out of range: no partition of
the lake goes back that far, so such an item would vanish without a word. A time in the
future is kept here: the news asset quarantines what is more than a day ahead, with its
reason, where it can be inspected.
An entry without a usable time cannot be placed in a day partition: the caller drops it and
counts the reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)

NO_DATE = "no date"
NO_ZONE = "no time zone"
UNKNOWN_ZONE = "unknown time zone"
OUT_OF_RANGE = "date out of range"

ZONE_OFFSETS = {  # hours east of UTC
    **{name: 0 for name in ("UT", "UTC", "GMT", "Z", "WET", "WEZ")},
    **{"EST": -5, "EDT": -4, "CDT": -5, "CST": -6, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7},
    **{"AST": -4, "ADT": -3, "NST": -3.5, "NDT": -2.5, "AKST": -9, "AKDT": -8, "HST": -10},
    **{"BST": 1, "WEST": 1, "CET": 1, "MEZ": 1, "CEST": 2, "MESZ": 2, "EET": 2, "EEST": 3},
    **{"MSK": 3, "SAST": 2, "CAT": 2, "EAT": 3, "WAT": 1, "GST": 4, "PKT": 5, "ICT": 7, "WIB": 7},
    **{"SGT": 8, "HKT": 8, "AWST": 8, "PHT": 8, "KST": 9, "JST": 9, "ACST": 9.5, "ACDT": 10.5},
    **{"AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "BRT": -3, "ART": -3, "CLT": -4},
}
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_RFC822 = re.compile(
    r"^\s*(?:[A-Za-z]{2,9},?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{2,4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(.*?)\s*$"
)
_NUMERIC_ZONE = re.compile(r"^(?:GMT|UTC)?([+-])(\d{2}):?(\d{2})$", re.IGNORECASE)
_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?\s*$")
_TRAILING_NAME = re.compile(r"\b([A-Za-z]{2,5})\)?\s*$")


class Unknown(str):
    """Why an entry's time is unknown (one of the reasons above)."""


def _zone_offset(zone: str) -> dt.timedelta | Unknown:
    zone = zone.strip().strip("()").strip()
    if not zone:
        return Unknown(NO_ZONE)
    numeric = _NUMERIC_ZONE.match(zone)
    if numeric:
        sign = -1 if numeric.group(1) == "-" else 1
        return sign * dt.timedelta(hours=int(numeric.group(2)), minutes=int(numeric.group(3)))
    name = zone.split()[0].upper()
    if name in ZONE_OFFSETS:
        return dt.timedelta(hours=ZONE_OFFSETS[name])
    return Unknown(UNKNOWN_ZONE)


def _rfc822(raw: str) -> dt.datetime | Unknown | None:
    match = _RFC822.match(raw)
    if not match:
        return None
    day, month, year, hour, minute, second, zone = match.groups()
    if month.lower() not in _MONTHS:
        return None
    offset = _zone_offset(zone)
    if isinstance(offset, Unknown):
        return offset
    number = int(year)
    if len(year) == 2:  # RFC 2822 section 4.3
        number += 2000 if number < 50 else 1900
    try:
        local = dt.datetime(number, _MONTHS[month.lower()], int(day), int(hour), int(minute), int(second or 0))
        return (local - offset).replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        return Unknown(OUT_OF_RANGE)


def _iso(raw: str) -> dt.datetime | Unknown | None:
    match = _ISO.match(raw)
    if not match:
        return None
    text = raw.strip().replace(",", ".")
    try:
        if len(text) == 10:
            return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return Unknown(OUT_OF_RANGE) if text[:4] == "0000" else None
    if value.tzinfo is None:
        return Unknown(NO_ZONE)
    try:
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return Unknown(OUT_OF_RANGE)


def _from_struct(value) -> dt.datetime | None:
    try:
        return dt.datetime(*value[:6], tzinfo=dt.UTC)  # feedparser's struct_time is in UTC
    except (TypeError, ValueError, OverflowError):
        return None


def parse_date(raw: object, parsed=None) -> dt.datetime | Unknown:
    """One date string of a feed -> a UTC instant, or Unknown(reason). `parsed` is
    feedparser's reading of it, used only for formats read neither as RFC 822 nor as ISO."""
    text = str(raw or "").strip()
    if not text:
        return _from_struct(parsed) if parsed else Unknown(NO_DATE)
    for reader in (_rfc822, _iso):
        value = reader(text)
        if value is not None:
            return value
    trailing = _TRAILING_NAME.search(text)
    if trailing and trailing.group(1).upper() not in ZONE_OFFSETS:
        return Unknown(UNKNOWN_ZONE)  # feedparser would have read it as UTC
    return (_from_struct(parsed) if parsed else None) or Unknown(NO_DATE)


def entry_published(entry) -> dt.datetime | Unknown:
    """An entry's publication instant: `published`, else `updated` (Atom entries often have
    only that), each read by parse_date, not before EARLIEST; else why neither is usable
    (the reason of `published` when it was there)."""
    reasons: list[Unknown] = []
    for key in ("published", "updated"):
        raw, parsed = entry.get(key), entry.get(f"{key}_parsed")
        if not raw and not parsed:
            continue
        value = parse_date(raw, parsed)
        if isinstance(value, Unknown):
            reasons.append(value)
        elif value < EARLIEST:
            reasons.append(Unknown(OUT_OF_RANGE))
        else:
            return value
    return reasons[0] if reasons else Unknown(NO_DATE)
