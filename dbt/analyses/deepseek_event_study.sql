-- Question: how abnormal was the DeepSeek Monday (2025-01-27) for each company, once the
-- market is taken out, and did it last?
--
-- How to read it: one row per watchlist company, largest abnormal value lost first. ar is
-- the market-model abnormal return of the day (MacKinlay 1997: ret - (alpha + beta x SPY's
-- return), alpha and beta estimated by OLS over sessions [-250, -11]); ar_adj is simply ret -
-- SPY's return. t_0 = ar / resid_std: |t| >= 1.96 is significant at 5%; NVDA's -5.1 would
-- come about once in 3 million sessions if residuals were normal (they have fatter tails,
-- so read it as "far outside the usual", not as an exact odds). car_* are cumulative
-- abnormal returns (sums of the daily ARs with the same alpha and beta) over the windows in
-- sessions; a CAR that shrinks from [0,+5] to [0,+10] means the market took part of the
-- verdict back. abnormal_bn = car [0,0] x market cap on Friday 2025-01-24, in $B (null
-- without a share count). In the case study NVDA comes first: beta 2.69, ar -13.33%
-- (ar_adj -15.55%), t -5.11, -$465.5B.
with shock as (
    select
        shock_id,
        trade_date
    from {{ ref('fct_shocks') }}
    where trade_date = date '2025-01-27'
),

study as (
    select
        e.ticker,
        e.beta,
        e.window_name,
        e.car_market_model,
        e.car_market_adjusted,
        e.t_stat,
        e.abnormal_value_usd
    from {{ ref('fct_event_study') }} as e
    inner join shock as s on e.event_id = s.shock_id
)

select
    ticker,
    round(any_value(beta), 2) as beta,
    round(any_value(car_market_model) filter (where window_name = '[0,0]'), 4) as ar,
    round(any_value(car_market_adjusted) filter (where window_name = '[0,0]'), 4) as ar_adj,
    round(any_value(t_stat) filter (where window_name = '[0,0]'), 2) as t_0,
    round(any_value(car_market_model) filter (where window_name = '[0,+1]'), 4) as car_0_1,
    round(any_value(car_market_model) filter (where window_name = '[-1,+1]'), 4) as car_m1_1,
    round(any_value(car_market_model) filter (where window_name = '[0,+5]'), 4) as car_0_5,
    round(any_value(car_market_model) filter (where window_name = '[0,+10]'), 4) as car_0_10,
    round(any_value(t_stat) filter (where window_name = '[0,+10]'), 2) as t_0_10,
    round(any_value(abnormal_value_usd) filter (where window_name = '[0,0]') / 1e9, 1) as abnormal_bn
from study
group by ticker
order by abnormal_bn nulls last, ar
