-- Question: does what the hyperscalers spend move with what the market pays for AI chips?
--
-- How to read it: one row per calendar quarter. hyperscaler_capex_bn is the quarter's capex of
-- the hyperscaler theme (MSFT, GOOGL, AMZN, ORCL: fiscal quarters mapped by period end, see
-- fct_capex_quarterly) in billions of USD, with tickers_counted and the like-for-like growth on
-- a year earlier; big_tech_capex_bn adds META and AAPL (consumer_ai), the set brokers quote
-- as "US big-tech AI investment" (~$224B for 2024, which also counts finance leases and uses
-- its own perimeter). ai_chips_value_bn is the ai_chips theme's market value on the last
-- session of the quarter (fct_theme_daily; prices start 2024-01-02, so 2023 has none).
-- A capex quarter is only known weeks after it ends (known_from); this lines quarters up by
-- when the money was spent, not by when the market learnt of it.
with capex as (
    select
        calendar_quarter,
        max(calendar_quarter_end) as quarter_end,
        sum(case when theme = 'hyperscaler' then capex_usd end) as hyperscaler_capex_usd,
        sum(case when theme = 'hyperscaler' then tickers_counted end) as hyperscaler_tickers,
        max(case when theme = 'hyperscaler' then capex_yoy_growth end) as hyperscaler_yoy_growth,
        sum(case when theme in ('hyperscaler', 'consumer_ai') then capex_usd end) as big_tech_capex_usd
    from {{ ref('fct_capex_theme_quarterly') }}
    group by calendar_quarter
),

chips_at_quarter_end as (
    select
        c.calendar_quarter,
        t.trade_date,
        t.total_market_cap_usd
    from capex as c
    inner join {{ ref('fct_theme_daily') }} as t
        on c.quarter_end >= t.trade_date and c.quarter_end - 10 < t.trade_date and t.theme = 'ai_chips'
    qualify row_number() over (partition by c.calendar_quarter order by t.trade_date desc) = 1
)

select
    c.calendar_quarter,
    round(c.hyperscaler_capex_usd / 1e9, 1) as hyperscaler_capex_bn,
    c.hyperscaler_tickers as tickers_counted,
    c.hyperscaler_yoy_growth,
    round(c.big_tech_capex_usd / 1e9, 1) as big_tech_capex_bn,
    v.trade_date as chips_value_date,
    round(v.total_market_cap_usd / 1e9, 1) as ai_chips_value_bn,
    round(v.total_market_cap_usd / nullif(c.hyperscaler_capex_usd, 0), 1) as chips_value_per_capex_dollar
from capex as c
left join chips_at_quarter_end as v using (calendar_quarter)
order by c.calendar_quarter
