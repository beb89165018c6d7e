-- Question: which single sessions destroyed the most market value, across the whole watchlist?
--
-- How to read it: one row per ticker and session, the largest loss in USD first. pct_change
-- is a fraction (-0.1697 = -16.97%); change_bn is billions of USD. Tickers without a share
-- count that day (ETFs, ARM, MRVL in the case study) have no market cap and are left out.
-- In the case study the first row is NVDA on 2025-01-27: -16.97%, about -592.7 $B.
select
    m.ticker,
    c.company_name,
    m.trade_date,
    m.pct_change,
    round(m.value_change_usd / 1e9, 1) as change_bn,
    m.prev_close,
    m.close
from {{ ref('fct_daily_market_cap') }} as m
inner join {{ ref('dim_company') }} as c using (ticker)
where m.value_change_usd is not null
order by m.value_change_usd
limit {{ var('top_n', 10) }}
