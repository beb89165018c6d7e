-- Capex per company and fiscal quarter: the demand side of the AI shock. A quarter is known
-- from its filing date (known_from, as share counts are); readers that look at a date pick the
-- quarters with known_from on or before it. Fiscal years that do not end in December map to
-- calendar quarters by their period end (MSFT's fiscal Q2 2025, ended 2024-12-31, is 2024-Q4).
with quarters as (
    select * from {{ ref('stg_capex_quarterly') }}
)

select
    q.ticker,
    q.period_end,
    q.fiscal_year,
    q.fiscal_quarter,
    q.calendar_quarter,
    q.capex_usd,
    q.finance_lease_principal_usd,
    q.filing_date,
    q.known_from,
    q.source_url,
    -- against the same fiscal quarter a year earlier; null when that quarter is not in the lake
    q.capex_usd / nullif(a.capex_usd, 0) - 1 as capex_yoy_growth
from quarters as q
left join quarters as a
    on
        q.ticker = a.ticker
        and q.fiscal_year - 1 = a.fiscal_year
        and q.fiscal_quarter = a.fiscal_quarter
