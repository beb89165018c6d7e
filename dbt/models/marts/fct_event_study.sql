-- Event study (MacKinlay 1997): for every curated event and every detected shock, the
-- cumulative abnormal return of every watchlist company over five event windows, with the
-- market model estimated over sessions [-250, -11] before day 0 (the first session on or
-- after the event's date).
--
-- Incremental by the price window (macros/event_marts_window.sql): a window run recomputes
-- the events whose day 0 is one of the 10 sessions before the first changed date, or later;
-- every event when the curated events or the studied tickers changed.
{{ config(**event_mart_config(['event_id', 'ticker', 'window_name'], 'event_date', 'minus_10', fingerprint=true)) }}

{%- set w = event_marts_window(event_study_inputs_fingerprint()) %}

with sessions as (
    select
        trade_date,
        session_idx
    from {{ ref('int_sessions') }}
),

last_session as (
    select max(session_idx) as last_idx from sessions
),

events as (
    select
        md5(concat_ws('|', 'curated', event_date, entity, kind, title)) as event_id,
        'curated' as event_source,
        event_date as calendar_date,
        entity || ': ' || title as event_title
    from {{ ref('curated_events') }}
    union all
    select
        shock_id as event_id,
        'shock' as event_source,
        trade_date as calendar_date,
        'Shock: ' || epicenter_ticker || ' ' || printf('%+.2f', epicenter_ar * 100) || '% abnormal'
        || ' (' || coalesce(members, epicenter_ticker) || ')' as event_title
    from {{ ref('fct_shocks') }}
),

-- day 0: the first session on or after the event (a Sunday event counts from Monday)
day_zero as (
    select
        e.*,
        s.trade_date as event_date,
        s.session_idx as day0_idx
    from events as e
    asof inner join sessions as s on e.calendar_date <= s.trade_date
    {%- if w %}
    where s.trade_date >= date '{{ w.minus_10 }}'
    {%- endif %}
),

returns as (
    select
        a.ticker,
        s.session_idx,
        a.ret,
        a.benchmark_ret,
        a.ar_market_adjusted,
        a.alpha,
        a.beta,
        a.resid_std
    from {{ ref('fct_abnormal_returns') }} as a
    inner join sessions as s on a.trade_date = s.trade_date
    {%- if w %}
    -- day -1 of the earliest event recomputed
    where a.trade_date >= date '{{ w.minus_11 }}'
    {%- endif %}
),

-- every ticker with abnormal returns, also where a window run reads only recent ones
tickers as (
    select distinct ticker from {{ ref('fct_abnormal_returns') }}
),

caps as (
    select
        ticker,
        trade_date,
        market_cap_usd
    from {{ ref('fct_daily_market_cap') }}
    {%- if w %}
    where trade_date >= date '{{ w.minus_11 }}'
    {%- endif %}
),

-- the market model of each event and ticker: the estimates on day 0, i.e. over [-250, -11]
parameters as (
    select
        d.event_id,
        t.ticker,
        r.alpha,
        r.beta,
        r.resid_std,
        c.market_cap_usd as market_cap_day_minus_1
    from day_zero as d
    cross join tickers as t
    left join returns as r on t.ticker = r.ticker and d.day0_idx = r.session_idx
    left join sessions as prev on prev.session_idx = d.day0_idx - 1
    left join caps as c on t.ticker = c.ticker and prev.trade_date = c.trade_date
),

windows as (
    select
        w.window_name,
        w.window_start,
        w.window_end
    from (
        values ('[0,0]', 0, 0), ('[0,+1]', 0, 1), ('[-1,+1]', -1, 1), ('[0,+5]', 0, 5), ('[0,+10]', 0, 10)
    ) as w (window_name, window_start, window_end)
),

-- daily abnormal returns around day 0, all with the event's own alpha and beta
paths as (
    select
        d.event_id,
        p.ticker,
        r.session_idx - d.day0_idx as event_day,
        r.ret - (p.alpha + p.beta * r.benchmark_ret) as ar_market_model,
        r.ar_market_adjusted
    from day_zero as d
    inner join parameters as p on d.event_id = p.event_id
    inner join returns as r
        on p.ticker = r.ticker and r.session_idx between d.day0_idx - 1 and d.day0_idx + 10
),

cars as (
    select
        p.event_id,
        p.ticker,
        w.window_name,
        count(p.ar_market_adjusted) as sessions,
        -- exact sums: the same CAR whichever rows a build reads (macros/exact_sum.sql)
        {{ exact_sum('p.ar_market_model', scale=18) }} as car_market_model,
        {{ exact_sum('p.ar_market_adjusted', scale=18) }} as car_market_adjusted
    from paths as p
    inner join windows as w on p.event_day between w.window_start and w.window_end
    group by all
),

studied as (
    select
        d.event_id,
        d.event_source,
        d.event_date,
        d.calendar_date,
        d.event_title,
        p.ticker,
        w.window_name,
        w.window_start,
        w.window_end,
        coalesce(c.sessions, 0) as sessions,
        d.day0_idx + w.window_end > l.last_idx as is_partial,
        p.alpha,
        p.beta,
        p.resid_std,
        c.car_market_model,
        c.car_market_adjusted,
        c.car_market_model / (p.resid_std * sqrt(c.sessions)) as t_stat,
        p.market_cap_day_minus_1
    from day_zero as d
    cross join last_session as l
    inner join parameters as p on d.event_id = p.event_id
    cross join windows as w
    left join cars as c on d.event_id = c.event_id and p.ticker = c.ticker and w.window_name = c.window_name
)

select
    event_id,
    event_source,
    event_date,
    calendar_date,
    event_title,
    ticker,
    window_name,
    window_start,
    window_end,
    sessions,
    is_partial,
    alpha,
    beta,
    resid_std,
    car_market_model,
    car_market_adjusted,
    t_stat,
    car_market_model * market_cap_day_minus_1 as abnormal_value_usd,
    market_cap_day_minus_1,
    abs(t_stat) >= 1.96 as is_significant
from studied
