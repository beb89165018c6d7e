"""`make demo`'s entry point over the whole case study, into a temporary data dir and instance."""

import pytest

from dagster_project import demo
from tests.pipeline import query


def test_demo_builds_the_case_study_warehouse(replay_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    assert demo.main() == 0

    out = capsys.readouterr().out
    first_loss = out.split("Five largest single-day market-cap losses in the warehouse:\n")[1].splitlines()[0]
    assert "2025-01-27" in first_loss and "NVDA" in first_loss and "-16.97%" in first_loss and "-592.7 $B" in first_loss

    db = replay_settings.analytics_db
    assert query(db, "select count(distinct ticker), count(*) from marts.fct_daily_market_cap") == [(17, 17 * 374)]
    pct, change = query(db, "select pct_change, market_cap_change_usd from marts.fct_daily_market_cap "
                            "where ticker = 'NVDA' and trade_date = '2025-01-27'")[0]
    assert pct == pytest.approx(-0.1697, abs=5e-5)
    assert change == pytest.approx(-5.927e11, rel=0.005)
    assert query(db, "select count(*) from (select ticker, trade_date from marts.fct_daily_market_cap group by all having count(*) > 1)") == [(0,)]
    schemas = {r[0] for r in query(db, "select distinct table_schema from information_schema.tables")}
    assert schemas == {"staging", "marts"}
