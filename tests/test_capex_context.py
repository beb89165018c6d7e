"""The capex context a shock report shows, read from the case-study warehouse (demo_run)."""

import datetime as dt

import duckdb
import pytest

from dagster_project.lib.capex_context import capex_context, capex_filed_after

DEEPSEEK = dt.date(2025, 1, 27)


@pytest.fixture(scope="module")
def warehouse(demo_run):
    with duckdb.connect(str(demo_run[0].analytics_db), read_only=True) as con:
        yield con


def test_on_the_shock_day_only_quarters_filed_by_then_count(warehouse):
    known = {q.ticker: q for q in capex_context(warehouse, DEEPSEEK)}

    # calendar 2024-Q4 had ended, but no hyperscaler had filed it: Q3 is what the market knew
    assert {t: known[t].calendar_quarter for t in ("MSFT", "GOOGL", "AMZN", "META")} == dict.fromkeys(
        ("MSFT", "GOOGL", "AMZN", "META"), "2024-Q3"
    )
    assert known["GOOGL"].capex_usd == 13_061e6 and known["GOOGL"].known_from == dt.date(2024, 10, 30)
    assert (known["MSFT"].fiscal_year, known["MSFT"].fiscal_quarter) == (2025, 1)
    assert known["AMZN"].capex_yoy_growth == pytest.approx(22_620 / 12_479 - 1)
    assert all(q.known_from <= DEEPSEEK for q in known.values())


def test_the_quarters_filed_in_the_two_weeks_after_the_shock(warehouse):
    filed = [(t, q, d.isoformat()) for t, q, _, _, d, _ in capex_filed_after(warehouse, DEEPSEEK)]
    assert filed == [
        ("MSFT", "2024-Q4", "2025-01-29"),
        ("META", "2024-Q4", "2025-01-30"),
        ("AAPL", "2024-Q4", "2025-01-31"),
        ("GOOGL", "2024-Q4", "2025-02-05"),
        ("AMZN", "2024-Q4", "2025-02-07"),
    ]


def test_the_marts_hold_the_filed_years_and_the_timeline_the_filings(warehouse):
    meta_2024 = warehouse.execute(
        "select sum(capex_usd), sum(finance_lease_principal_usd) from marts.fct_capex_quarterly "
        "where ticker = 'META' and fiscal_year = 2024"
    ).fetchone()
    assert meta_2024 == (37_256e6, 1_969e6)  # the 10-K's purchases of P&E; + leases = the $39.23B Meta quotes
    theme = warehouse.execute(
        "select capex_usd, tickers_counted, tickers_compared, capex_yoy_growth from marts.fct_capex_theme_quarterly "
        "where theme = 'hyperscaler' and calendar_quarter = '2024-Q4'"
    ).fetchone()
    assert theme[:3] == (57_914e6, 3, 3) and theme[3] == pytest.approx(57_914 / 35_342 - 1)
    title = warehouse.execute(
        "select title from marts.fct_event_timeline where event_type = 'capex' and entity = 'AMZN' "
        "and event_date = '2025-02-07'"
    ).fetchone()
    assert title == ("AMZN Q4 2024 capex $27.8B, +91% y/y",)
