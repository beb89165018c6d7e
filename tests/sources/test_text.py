"""The one text normaliser of every source (dagster_project/sources/text.py)."""

from __future__ import annotations

import sys
import unicodedata

from dagster_project.sources.text import INVISIBLE, clean_text


def test_every_control_format_and_surrogate_character_is_removed():
    # checked against this Python's Unicode tables: a newer Unicode adds format characters
    hidden = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and not chr(c).isspace()
    ]
    assert len(hidden) > 150
    missed = [f"U+{ord(ch):04X}" for ch in hidden if not INVISIBLE.fullmatch(ch)]
    assert missed == []
    visible = [chr(c) for c in (0x20, 0x41, 0xE9, 0x3042, 0x1F600, 0xFFFD)]
    assert not any(INVISIBLE.fullmatch(ch) for ch in visible)


def test_clean_text_removes_joins_collapses_and_caps():
    assert clean_text(None) == ""
    assert clean_text("Nvi\u200bdia\x00\x1b[0m\r\n\tfalls\u2028 17%\x85") == "Nvidia[0m falls 17%"
    assert clean_text("\u200b\ufeff\u00ad \u2060") == ""
    assert clean_text("x" * 50, max_chars=10) == "x" * 9 + "…"
    assert clean_text("a" + "\u200b" * 10_000_000, max_chars=10) == "a"  # bounded before work
