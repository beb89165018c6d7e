-- Who was hit with each shock: every watchlist company on every shock session, its abnormal
-- return that day and over [0,+1], how it moved with the epicenter over the 60 sessions
-- before, and when its abnormal loss (or gain) since day 0 was undone.
--
-- Incremental by the price window (macros/event_marts_window.sql): a window run computes the
-- shocks from the session before the first changed date on, and re-dates the recovery of the
-- older (shock, ticker) pairs that had not recovered before it (their other columns depend on
-- sessions before it only, so they are kept from this table; delete+insert replaces the rows).
-- depends_on: {{ ref('fct_daily_market_cap') }} {{ ref('curated_events') }}
{{ config(**event_mart_config(['shock_id', 'ticker'], 'trade_date', 'minus_1', fingerprint=true)) }}

{%- set w = event_marts_window(event_study_inputs_fingerprint()) %}
{%- if w %}
{#- returns are read from the 60 sessions before the new shocks, or from the day 0 of the
    oldest pair not yet recovered, whichever is earlier -#}
{%- set unrecovered_from = run_query(
    "select min(trade_date) from " ~ this ~ " where trade_date < date '" ~ w.minus_1
    ~ "' and (recovered_on is null or recovered_on >= date '" ~ w['from'] ~ "')").columns[0].values()[0] %}
{%- set sixty_before = run_query(
    "select coalesce(min(trade_date), date '0001-01-01') from (select distinct trade_date from "
    ~ ref('fct_abnormal_returns') ~ " where trade_date < date '" ~ w.minus_1
    ~ "' order by trade_date desc limit 60)").columns[0].values()[0] %}
{%- set read_from = [unrecovered_from or sixty_before, sixty_before] | min %}
{%- endif %}

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

-- the shocks computed whole: all of them, or on a window run the recent ones
new_shocks as (
    select * from shocks
    {%- if w %}
    where trade_date >= date '{{ w.minus_1 }}'
    {%- endif %}
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
    {%- if w %}
    where a.trade_date >= date '{{ read_from }}'
    {%- endif %}
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

{%- if w %}
-- the older pairs not recovered before the window: only their recovery can still change
unrecovered as (
    select * from {{ this }}
    where trade_date < date '{{ w.minus_1 }}' and (recovered_on is null or recovered_on >= date '{{ w['from'] }}')
),
{%- endif %}

-- the pairs whose recovery is (re)computed: those of the new shocks, and the older ones
-- not recovered before the window
recovering as (
    select
        k.shock_id,
        k.day0_idx,
        p.ticker,
        p.alpha,
        p.beta
    from shocks as k
    inner join study as p on k.shock_id = p.shock_id
    {%- if w %}
    where
        k.trade_date >= date '{{ w.minus_1 }}'
        or exists (select 1 from unrecovered as u where u.shock_id = k.shock_id and u.ticker = p.ticker)
    {%- endif %}
),

-- co-movement with the epicenter over sessions [-60, -1]
comovement as (
    select
        k.shock_id,
        r.ticker,
        {{ exact_corr('r.ret', 'e.ret') }} as corr_60d,
        {{ exact_regr_slope('r.ret', 'e.ret') }} as beta_to_epicenter
    from new_shocks as k
    inner join returns as e
        on k.epicenter_ticker = e.ticker and e.session_idx between k.day0_idx - 60 and k.day0_idx - 1
    inner join returns as r on e.session_idx = r.session_idx
    group by all
),

-- the abnormal return since day 0, with the shock's market model
paths as (
    select
        p.shock_id,
        r.ticker,
        r.trade_date,
        r.session_idx - p.day0_idx as event_day,
        sum(r.ret - (p.alpha + p.beta * r.benchmark_ret)) over (
            partition by p.shock_id, r.ticker order by r.session_idx
        ) as car_since_day0
    from recovering as p
    inner join returns as r on p.ticker = r.ticker and p.day0_idx <= r.session_idx
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
from new_shocks as k
inner join study as p on k.shock_id = p.shock_id
left join returns as d on p.ticker = d.ticker and k.day0_idx = d.session_idx
left join comovement as c on k.shock_id = c.shock_id and p.ticker = c.ticker
left join recovery as v on k.shock_id = v.shock_id and p.ticker = v.ticker
{%- if w %}
union all
select
    o.shock_id,
    o.trade_date,
    o.ticker,
    o.is_epicenter,
    o.same_day_ar,
    o.same_day_sar,
    o.car_0_1,
    o.corr_60d,
    o.beta_to_epicenter,
    v.recovered_on
from unrecovered as o
inner join recovery as v on o.shock_id = v.shock_id and o.ticker = v.ticker
{%- endif %}
