-- Question: how did each theme's market cap move per day over the case-study window?
--
-- How to read it: one row per theme and session between the vars start_date and end_date
-- (default 2025-01-20..2025-02-07), the largest theme-day loss first. change_bn is billions
-- of USD; pct_change a fraction of the previous session's value of the same tickers (only
-- tickers with a market cap on both days are compared, see fct_theme_daily). day_change_bn is
-- the whole watchlist that day (all themes, benchmarks excluded).
-- In the case study the first row is ai_chips on 2025-01-27: about -821 $B, -16.4%.
select
    theme,
    trade_date,
    round(value_change_usd / 1e9, 1) as change_bn,
    pct_change,
    round(sum(value_change_usd) over (partition by trade_date) / 1e9, 1) as day_change_bn,
    round(total_market_cap_usd / 1e9, 1) as total_bn,
    tickers_compared
from {{ ref('fct_theme_daily') }}
where
    trade_date between date '{{ var("start_date", "2025-01-20") }}' and date '{{ var("end_date", "2025-02-07") }}'
    and value_change_usd is not null
order by value_change_usd, theme
