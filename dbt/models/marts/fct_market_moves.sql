-- Abnormal daily moves: |return| >= 3x the trailing 60-session standard deviation of the
-- ticker's returns (needs 20 prior returns), or >= 10% outright.
with returns as (
    select
        ticker,
        trade_date,
        pct_change,
        market_cap_change_usd,
        value_change_usd,
        stddev_samp(pct_change) over prior_60 as trailing_60d_std,
        count(pct_change) over prior_60 as trailing_returns
    from {{ ref('fct_daily_market_cap') }}
    window prior_60 as (partition by ticker order by trade_date rows between 60 preceding and 1 preceding)
)

select
    ticker,
    trade_date,
    pct_change,
    market_cap_change_usd,
    trailing_60d_std,
    abs(pct_change) / nullif(trailing_60d_std, 0) as sigma_multiple,
    case
        when abs(pct_change) >= 0.10 then 'abs_move_10pct'
        else 'three_sigma'
    end as reason,
    value_change_usd
from returns
where
    pct_change is not null
    and (
        abs(pct_change) >= 0.10
        or (trailing_returns >= 20 and abs(pct_change) >= 3 * trailing_60d_std)
    )
