"""Text from third parties -> text an analyst can read and a terminal can print safely.

One normaliser for every source that stores text (news titles and summaries, app names and
developers): what it removes and collapses is decided here once.

- Control and invisible characters are *removed* (not replaced by a space): C0/C1 controls
  that are not whitespace (NUL, the ESC of terminal escape sequences, DEL, ...), format
  characters (zero-width space/joiners, BOM, soft hyphen, bidi overrides that reorder what a
  reader sees) and lone surrogates (which no UTF-8 writer can store). "Nvi\u200bdia" is
  "Nvidia", and a title made only of them is empty.
- Whitespace of every kind (newlines, tabs, NEL, line/paragraph separators) is collapsed to
  one space, and the ends are trimmed.
- A cap cuts the result with an ellipsis; the raw value is cut to RAW_FACTOR times the cap
  *before* any of this, so the cost of one value is bounded whatever its size.

The character class is Unicode 14's Cc, Cf and Cs categories minus whitespace, plus the
Egyptian format controls of Unicode 15; tests/sources/test_text.py checks it against the
running Python's unicodedata.
"""

from __future__ import annotations

import re

INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
_WHITESPACE = re.compile(r"\s+")
ELLIPSIS = "…"
RAW_FACTOR = 8  # a value may shrink a lot (collapsed whitespace, stripped markup), never without bound


def remove_invisible(value: str) -> str:
    """`value` without control, format and surrogate characters (whitespace is kept)."""
    return INVISIBLE.sub("", value)


def cap(value: str, max_chars: int | None) -> str:
    """At most `max_chars` characters, cut with an ellipsis when longer."""
    if max_chars is None or len(value) <= max_chars:
        return value
    return value[: max_chars - 1].rstrip() + ELLIPSIS


def clean_text(value: object, max_chars: int | None = None) -> str:
    """Plain text as stored: invisible characters removed, whitespace collapsed, trimmed, capped.
    None is ""."""
    if value is None:
        return ""
    text = remove_invisible(bound(str(value), max_chars))
    return cap(collapse_whitespace(text), max_chars)


def bound(value: str, max_chars: int | None) -> str:
    """The part of a raw value worth reading for a result of `max_chars`: cut *before* work."""
    return value if max_chars is None else value[: max_chars * RAW_FACTOR]


def collapse_whitespace(value: str) -> str:
    return _WHITESPACE.sub(" ", value).strip()
