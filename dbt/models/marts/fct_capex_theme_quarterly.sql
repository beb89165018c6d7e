-- Capex per theme and calendar quarter, beside its growth on a year earlier. The growth is
-- like for like: only tickers with the quarter in both years count on both sides
-- (tickers_compared), so a company whose history starts later never shows up as growth.
-- known_from is the day the last counted quarter became public: the sum as shown is known
-- from then (a point-in-time reader filters the company quarters instead, fct_capex_quarterly).
with quarters as (
    select
        c.theme,
        q.ticker,
        q.calendar_quarter,
        q.capex_usd,
        q.known_from,
        cast(left(q.calendar_quarter, 4) as integer) as calendar_year,
        cast(right(q.calendar_quarter, 1) as integer) as quarter_of_year
    from {{ ref('fct_capex_quarterly') }} as q
    inner join {{ ref('dim_company') }} as c using (ticker)
    where not c.is_benchmark
),

paired as (
    select
        q.*,
        a.capex_usd as capex_usd_year_ago
    from quarters as q
    left join quarters as a
        on
            q.ticker = a.ticker
            and q.calendar_year - 1 = a.calendar_year
            and q.quarter_of_year = a.quarter_of_year
)

select
    theme,
    calendar_quarter,
    last_day(make_date(max(calendar_year), 3 * max(quarter_of_year), 1)) as calendar_quarter_end,
    {{ exact_sum('capex_usd') }} as capex_usd,
    count(*) as tickers_counted,
    count(capex_usd_year_ago) as tickers_compared,
    {{ exact_sum('case when capex_usd_year_ago is not null then capex_usd end') }} as capex_usd_compared,
    {{ exact_sum('capex_usd_year_ago') }} as capex_usd_year_ago,
    {{ exact_sum('case when capex_usd_year_ago is not null then capex_usd end') }}
    / nullif({{ exact_sum('capex_usd_year_ago') }}, 0) - 1 as capex_yoy_growth,
    max(known_from) as known_from
from paired
group by theme, calendar_quarter
