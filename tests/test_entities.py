"""Alias patterns, evaluated by DuckDB's regexp engine exactly as the dbt model does."""

import duckdb
import pytest

from dagster_project.entities import alias_pattern


def matches(text: str, alias: str, case_sensitive: bool = True) -> bool:
    with duckdb.connect() as con:
        return con.execute("select regexp_matches(?, ?)", [text, alias_pattern(alias, case_sensitive)]).fetchone()[0]


@pytest.mark.parametrize(
    ("text", "alias", "case_sensitive", "expected"),
    [
        ("Meta to spend $65B on AI", "Meta", True, True),
        ("Meta's capex plan", "Meta", True, True),
        ("New metadata standard for feeds", "Meta", True, False),
        ("A meta-analysis of chip stocks", "Meta", True, False),
        ("Arm Holdings beats estimates", "Arm Holdings", True, True),
        ("He kept them at arm's length", "Arm Holdings", True, False),
        ("Micron guides higher", "Micron", True, True),
        ("a 3 micron process", "Micron", True, False),
        ("DEEPSEEK tops the App Store", "DeepSeek", False, True),
        ("Janus-Pro beats DALL-E 3", "Janus-Pro", False, True),
        ("S&P 500 falls 1.5%", "S&P 500", True, True),
        ("NVDA.O slides", "NVDA", True, True),
        ("NVDAX is a fund", "NVDA", True, False),
        ("ARM shares jump", "ARM", True, True),
        ("arm wrestling league", "ARM", True, False),
        ("Nvidia's statement on R1", "Nvidia", True, True),
        ("NVIDIA responds", "Nvidia", True, False),  # each spelling is its own alias
        ("Apple's App Store top chart", "Apple", True, True),
        ("pineapple futures", "Apple", True, False),
        ("Amazon Web Services capex", "Amazon", True, True),
        ("AmazonBasics cables", "Amazon", True, False),
        ("OpenAI's reply to DeepSeek", "OpenAI", False, True),
        ("openai-compatible endpoints", "OpenAI", False, True),
        ("ChatGPT falls to No. 2", "ChatGPT", False, True),
        ("ChatGPTs everywhere", "ChatGPT", False, False),
        ("TSMC lifts guidance", "TSMC", True, True),
        ("tsmc", "TSMC", True, False),
        ("Stargate project gets $500B", "Stargate", True, True),
    ],
)
def test_alias_matches_whole_words_only(text, alias, case_sensitive, expected):
    assert matches(text, alias, case_sensitive) is expected


def test_regex_characters_in_an_alias_are_literal():
    assert matches("price (c) 2025", "(c)")
    assert not matches("price c 2025", "(c)")
    assert not matches("AxB", "A.B")
