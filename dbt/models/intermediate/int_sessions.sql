-- The lake's sessions, numbered: event windows count sessions, not calendar days.
select
    trade_date,
    row_number() over (order by trade_date) as session_idx
from (select distinct trade_date from {{ ref('fct_daily_market_cap') }})
