"""A daily run's new price window costs dbt no parse: no file reads the window while dbt
parses (macros/market_cap_window.sql, macros/should_full_refresh.sql), so partial parsing
keeps every file. Before, the window re-parsed 9 files on every run, the two schema files of
the data tests among them (1.7 s of the case study's run, docs/PERFORMANCE.md)."""

import json

from tests.dbt.dbt_cli import dbt


def _partial_parse_outcome(target) -> dict:
    """What dbt's last invocation logged about partial parsing (target/dbt.log, JSON lines)."""
    outcome = {}
    for line in (target / "dbt.log").read_text().splitlines():
        if not line.startswith("{"):
            continue
        info = json.loads(line)["info"]
        if info["name"] in ("PartialParsingEnabled", "PartialParsingFile", "UnableToPartialParse"):
            outcome.setdefault(info["invocation_id"], []).append(info["msg"])
    return list(outcome.values())[-1]


def test_a_new_price_window_re_parses_no_file(tmp_path, monkeypatch):
    """Nor does the figures folder, new for every Dagster step (macros/dagster_figures.sql)."""
    target = dbt(tmp_path, "parse", "--log-format-file", "json")
    for step, window in enumerate((("2025-01-27", "2025-01-27"), ("2025-01-28", "2025-01-31"), None)):
        monkeypatch.setenv("SHOCKWATCH_FIGURES_DIR", str(tmp_path / f"figures-{step}"))
        dbt(tmp_path, "parse", "--log-format-file", "json", window=window)
        assert _partial_parse_outcome(target) == [
            "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed."
        ], window


def test_an_environment_variable_that_the_parse_reads_still_makes_dbt_parse_again(tmp_path, monkeypatch):
    """Without it the check above could pass because dbt never compares: the memory limit,
    which the profile reads, must still make dbt parse again."""
    target = dbt(tmp_path, "parse", "--log-format-file", "json")
    monkeypatch.setenv("SHOCKWATCH_DUCKDB_MEMORY_LIMIT", "3GB")
    dbt(tmp_path, "parse", "--log-format-file", "json")
    assert any(message.startswith("Unable to do partial parsing") for message in _partial_parse_outcome(target))
