-- What each session did to the named holders' stakes (seed holdings): the latest count known
-- on the day (as_of_date on or before it) x the day's price move.
with holdings as (
    select
        holder,
        upper(trim(ticker)) as ticker,
        shares,
        as_of_date,
        scope,
        source_url
    from {{ ref('holdings') }}
),

prices as (
    select
        ticker,
        trade_date,
        close,
        prev_close
    from {{ ref('fct_daily_market_cap') }}
    where ticker in (select h.ticker from holdings as h)
),

holders as (
    select distinct
        holder,
        ticker
    from holdings
)

select
    h.holder,
    p.ticker,
    p.trade_date,
    k.shares,
    k.as_of_date as shares_as_of_date,
    k.scope,
    p.close,
    p.prev_close,
    k.shares * p.close as holding_value_usd,
    k.shares * (p.close - p.prev_close) as value_change_usd,
    k.source_url
from holders as h
inner join prices as p on h.ticker = p.ticker
asof inner join holdings as k
    on h.holder = k.holder and h.ticker = k.ticker and p.trade_date >= k.as_of_date
