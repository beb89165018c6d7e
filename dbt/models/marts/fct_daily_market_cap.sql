-- Market cap per ticker and session: close x the latest share count known on that day.
-- Changes compare with the ticker's previous session in the warehouse.
with priced as (
    select
        p.ticker,
        p.trade_date,
        p.close,
        p.price_basis,
        s.shares as shares_outstanding,
        s.as_of_date as shares_as_of_date,
        s.measure as shares_measure
    from {{ ref('stg_prices') }} as p
    asof left join {{ ref('int_shares_known') }} as s
        on p.ticker = s.ticker and p.trade_date >= s.known_from
),

with_previous as (
    select
        *,
        close * shares_outstanding as market_cap_usd,
        lag(close) over by_ticker as prev_close,
        lag(close * shares_outstanding) over by_ticker as prev_market_cap_usd
    from priced
    window by_ticker as (partition by ticker order by trade_date)
)

select
    ticker,
    trade_date,
    close,
    prev_close,
    close / prev_close - 1 as pct_change,
    shares_outstanding,
    market_cap_usd,
    market_cap_usd - prev_market_cap_usd as market_cap_change_usd,
    price_basis,
    shares_as_of_date,
    shares_measure
from with_previous
