-- Who was hit with each shock: every watchlist company on every shock session, its abnormal
-- return that day and over [0,+1], how it moved with the epicenter over the 60 sessions
-- before, and when its abnormal loss (or gain) since day 0 was undone.
with sessions as (
    select
        trade_date,
        session_idx
    from {{ ref('int_sessions') }}
),

shocks as (
    select
        k.shock_id,
        k.trade_date,
        k.epicenter_ticker,
        s.session_idx as day0_idx
    from {{ ref('fct_shocks') }} as k
    inner join sessions as s on k.trade_date = s.trade_date
),

returns as (
    select
        a.ticker,
        a.trade_date,
        s.session_idx,
        a.ret,
        a.benchmark_ret,
        a.ar_market_model,
        a.sar
    from {{ ref('fct_abnormal_returns') }} as a
    inner join sessions as s on a.trade_date = s.trade_date
),

study as (
    select
        event_id as shock_id,
        ticker,
        alpha,
        beta,
        car_market_model as car_0_1
    from {{ ref('fct_event_study') }}
    where event_source = 'shock' and window_name = '[0,+1]'
),

-- co-movement with the epicenter over sessions [-60, -1]
comovement as (
    select
        k.shock_id,
        r.ticker,
        corr(r.ret, e.ret) as corr_60d,
        regr_slope(r.ret, e.ret) as beta_to_epicenter
    from shocks as k
    inner join returns as e
        on k.epicenter_ticker = e.ticker and e.session_idx between k.day0_idx - 60 and k.day0_idx - 1
    inner join returns as r on e.session_idx = r.session_idx
    group by all
),

-- the abnormal return since day 0, with the shock's market model
paths as (
    select
        k.shock_id,
        r.ticker,
        r.trade_date,
        r.session_idx - k.day0_idx as event_day,
        sum(r.ret - (p.alpha + p.beta * r.benchmark_ret)) over (
            partition by k.shock_id, r.ticker order by r.session_idx
        ) as car_since_day0
    from shocks as k
    inner join study as p on k.shock_id = p.shock_id
    inner join returns as r on p.ticker = r.ticker and k.day0_idx <= r.session_idx
),

recovery as (
    select
        p.shock_id,
        p.ticker,
        min(p.trade_date) filter (
            where p.event_day >= 1 and (
                (d0.car_since_day0 < 0 and p.car_since_day0 >= 0)
                or (d0.car_since_day0 > 0 and p.car_since_day0 <= 0)
            )
        ) as recovered_on
    from paths as p
    inner join paths as d0 on p.shock_id = d0.shock_id and p.ticker = d0.ticker and d0.event_day = 0
    group by all
)

select
    k.shock_id,
    k.trade_date,
    p.ticker,
    p.ticker = k.epicenter_ticker as is_epicenter,
    d.ar_market_model as same_day_ar,
    d.sar as same_day_sar,
    p.car_0_1,
    c.corr_60d,
    c.beta_to_epicenter,
    v.recovered_on
from shocks as k
inner join study as p on k.shock_id = p.shock_id
left join returns as d on p.ticker = d.ticker and k.day0_idx = d.session_idx
left join comovement as c on k.shock_id = c.shock_id and p.ticker = c.ticker
left join recovery as v on k.shock_id = v.shock_id and p.ticker = v.ticker
