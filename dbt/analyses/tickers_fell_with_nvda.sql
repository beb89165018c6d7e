-- Question: on the days NVDA made an abnormal move down, which other tickers fell with it?
--
-- How to read it: NVDA's abnormal days come from fct_market_moves (|return| >= 3 sigma of its
-- trailing 60 sessions, or >= 10%), keeping the down days. For each of them, one row per other
-- ticker that closed lower that session, NVDA's worst day first and the biggest faller first
-- within a day. also_abnormal says whether the ticker's own move was abnormal for it
-- (sigma_multiple = its |return| in trailing standard deviations). Benchmarks (SPY, QQQ)
-- are kept: they show how much of the fall was the whole market. In the case study the
-- first row is MRVL on 2025-01-27 (-19.10%, with NVDA at -16.97%).
with nvda_days as (
    select
        trade_date,
        pct_change as nvda_pct_change
    from {{ ref('fct_market_moves') }}
    where ticker = 'NVDA' and pct_change < 0
)

select
    n.trade_date,
    n.nvda_pct_change,
    d.ticker,
    c.theme,
    d.pct_change,
    round(d.value_change_usd / 1e9, 1) as change_bn,
    mm.ticker is not null as also_abnormal,
    mm.sigma_multiple
from nvda_days as n
inner join {{ ref('fct_daily_market_cap') }} as d on n.trade_date = d.trade_date
inner join {{ ref('dim_company') }} as c on d.ticker = c.ticker
left join {{ ref('fct_market_moves') }} as mm on d.ticker = mm.ticker and d.trade_date = mm.trade_date
where
    d.ticker <> 'NVDA'
    and d.pct_change < 0
order by n.nvda_pct_change, d.pct_change
