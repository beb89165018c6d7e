"""The capex context of a shock: what the market could know of AI capex on the shock's day.

For the shock report and dossiers (dagster_project/reporting/ renders them): call
`capex_context(con, shock_date)` with a read-only connection to the published warehouse. It is
point in time: only quarters filed on or before the shock's day (fct_capex_quarterly.known_from)
count, so on 2025-01-27 (DeepSeek) the latest quarter known for every hyperscaler is calendar
2024-Q3, although Q4 had already ended; the Q4 filings (MSFT 2025-01-29, META 2025-01-30,
GOOGL 2025-02-05, AMZN 2025-02-07) came in the days after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CAPEX_CONTEXT_SQL = """
with known as (
    select q.*, c.company_name, c.theme
    from marts.fct_capex_quarterly as q
    inner join marts.dim_company as c using (ticker)
    where q.known_from <= ?
)
select ticker, company_name, theme, fiscal_year, fiscal_quarter, calendar_quarter, period_end,
       capex_usd, capex_yoy_growth, filing_date, known_from, source_url
from known
qualify row_number() over (partition by ticker order by period_end desc) = 1
order by theme, capex_usd desc, ticker
"""

# Quarters filed within `days` after the shock: what the market learnt next.
CAPEX_FILED_AFTER_SQL = """
select q.ticker, q.calendar_quarter, q.capex_usd, q.capex_yoy_growth, q.known_from, q.source_url
from marts.fct_capex_quarterly as q
where q.known_from > ? and q.known_from <= ?
order by q.known_from, q.ticker
"""


@dataclass(frozen=True)
class CapexQuarter:
    ticker: str
    company_name: str
    theme: str
    fiscal_year: int
    fiscal_quarter: int
    calendar_quarter: str
    period_end: dt.date
    capex_usd: float
    capex_yoy_growth: float | None
    filing_date: dt.date | None
    known_from: dt.date
    source_url: str | None


def capex_context(con, shock_date: dt.date) -> list[CapexQuarter]:
    """The latest quarter of each company known on `shock_date`, by theme, largest first."""
    return [CapexQuarter(*row) for row in con.execute(CAPEX_CONTEXT_SQL, [shock_date]).fetchall()]


def capex_filed_after(con, shock_date: dt.date, days: int = 14) -> list[tuple]:
    """(ticker, calendar_quarter, capex_usd, capex_yoy_growth, known_from, source_url) of the
    quarters that became public in the `days` after the shock."""
    return con.execute(CAPEX_FILED_AFTER_SQL, [shock_date, shock_date + dt.timedelta(days=days)]).fetchall()
