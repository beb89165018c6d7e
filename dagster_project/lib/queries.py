"""Queries on the published warehouse that more than one reader runs."""

from __future__ import annotations


def largest_value_losses_sql(in_window: bool, limit: int = 5) -> str:
    """The largest single-day value losses (price move x the previous day's cap), worst first;
    with `in_window`, between two `?` dates. Columns: ticker, company_name, trade_date,
    pct_change, value_change_usd, prev_close, close."""
    window = "and m.trade_date between ? and ?" if in_window else ""
    return f"""
select m.ticker, c.company_name, m.trade_date, m.pct_change, m.value_change_usd, m.prev_close, m.close
from marts.fct_daily_market_cap as m
inner join marts.dim_company as c using (ticker)
where m.value_change_usd is not null {window}
order by m.value_change_usd, m.ticker
limit {int(limit)}
"""
