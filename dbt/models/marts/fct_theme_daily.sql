-- Market cap per theme and NYSE session. Benchmarks (is_benchmark: the ETFs) are tracked for
-- comparison and never summed, so the benchmark theme does not appear.
-- total_market_cap_usd adds every ticker with a market cap that day. The changes and pct_change
-- only compare tickers with a market cap on both the day and their previous session: a ticker
-- whose first share count becomes known (or that has none, like ARM and MRVL in the case study)
-- would otherwise show up as a jump or a drop of the theme's value that no price ever made.
--
-- Incremental with fct_daily_market_cap's price window (macros/price_marts_window.sql): a
-- window run recomputes the dates from the first one fct_daily_market_cap recomputed (every
-- date when the watchlist's themes changed); any other build, everything.
{{ config(**price_mart_config(['theme', 'trade_date'], members=true)) }}

{%- set recompute_from = price_marts_window(members=true) %}

with members as (
    select
        ticker,
        theme
    from {{ ref('dim_company') }}
    where not is_benchmark
),

daily as (
    select
        c.theme,
        m.trade_date,
        m.market_cap_usd,
        -- market_cap_change_usd is null unless the ticker has a cap on both days
        m.market_cap_change_usd,
        m.value_change_usd,
        m.market_cap_usd - m.market_cap_change_usd as comparable_prev_market_cap_usd
    from {{ ref('fct_daily_market_cap') }} as m
    inner join members as c using (ticker)
    {% if recompute_from %}where m.trade_date >= date '{{ recompute_from }}'{% endif %}
)

select
    theme,
    trade_date,
    {{ exact_sum('market_cap_usd') }} as total_market_cap_usd,
    {{ exact_sum('market_cap_change_usd') }} as market_cap_change_usd,
    -- value-based: what the prices did to yesterday's value, never a share-count switch
    {{ exact_sum('value_change_usd') }} / nullif({{ exact_sum('comparable_prev_market_cap_usd') }}, 0) as pct_change,
    count(market_cap_usd) as tickers_counted,
    count(market_cap_change_usd) as tickers_compared,
    {{ exact_sum('value_change_usd') }} as value_change_usd
from daily
group by theme, trade_date
-- a theme-day with no market cap at all (before the first share count) says nothing
having count(market_cap_usd) > 0
