-- Capex per company and fiscal quarter, typed, with the first day each quarter may be used.
-- The raw asset has already mapped fiscal to calendar quarters (lib/fiscal_calendar.py) and
-- quarantined negative, missing, off-calendar and duplicate quarters.
select
    upper(trim(ticker)) as ticker,
    cast(period_end as date) as period_end,
    cast(fiscal_year as integer) as fiscal_year,
    cast(fiscal_quarter as integer) as fiscal_quarter,
    calendar_quarter,
    -- the calendar quarter's last day: '2024-Q4' -> 2024-12-31
    last_day(make_date(
        cast(left(calendar_quarter, 4) as integer), 3 * cast(right(calendar_quarter, 1) as integer), 1
    )) as calendar_quarter_end,
    cast(capex_usd as double) as capex_usd,
    cast(finance_lease_principal_usd as double) as finance_lease_principal_usd,
    cast(filing_date as date) as filing_date,
    {{ capex_known_from('cast(filing_date as date)', 'cast(period_end as date)', 'fiscal_quarter') }} as known_from,
    form,
    source_url,
    source
from {{ source('lake', 'capex_quarterly') }}
