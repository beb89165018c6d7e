-- The shock sessions, from prices alone: a session where some ticker's |sar| >= 3 or
-- |ar_market_adjusted| >= 10%. Members are the tickers with |sar| >= 2 that session; the
-- epicenter is the ticker whose abnormal value (ar_market_model x market cap at day -1) is the
-- largest, lost or gained. fct_shocks adds the news, app-chart and curated context.
--
-- A table (not ephemeral like the other intermediates) in the unpublished target schema,
-- because it is incremental: a window run recomputes only the sessions from the window's first
-- changed date (macros/event_marts_window.sql), not every session of the lake.
{{ config(**event_mart_config(['trade_date'], 'trade_date', 'from')) }}

{%- set w = event_marts_window() %}

with sessions as (
    select
        trade_date,
        session_idx
    from {{ ref('int_sessions') }}
),

caps as (
    select
        m.ticker,
        s.session_idx,
        m.market_cap_usd
    from {{ ref('fct_daily_market_cap') }} as m
    inner join sessions as s on m.trade_date = s.trade_date
    {%- if w %}
    where m.trade_date >= date '{{ w.minus_1 }}'
    {%- endif %}
),

daily as (
    select
        a.ticker,
        a.trade_date,
        s.session_idx,
        a.ar_market_model,
        a.ar_market_adjusted,
        a.sar,
        a.ar_market_model * c.market_cap_usd as abnormal_value_usd,
        abs(a.sar) >= 2 as is_member,
        abs(a.sar) >= 3 or abs(a.ar_market_adjusted) >= 0.10 as is_trigger
    from {{ ref('fct_abnormal_returns') }} as a
    inner join sessions as s on a.trade_date = s.trade_date
    left join caps as c on a.ticker = c.ticker and c.session_idx = s.session_idx - 1
    {%- if w %}
    where a.trade_date >= date '{{ w.from }}'
    {%- endif %}
),

shock_days as (
    select
        trade_date,
        any_value(session_idx) as session_idx,
        -- the epicenter among the members and the tickers that made it a shock
        arg_max(
            ticker,
            [coalesce(abs(abnormal_value_usd), -1), abs(coalesce(ar_market_model, ar_market_adjusted))]
        ) filter (where is_member or is_trigger) as epicenter_ticker,
        string_agg(ticker, ',' order by abs(abnormal_value_usd) desc nulls last, ticker) filter (
            where is_member
        ) as members,
        count(*) filter (where is_member) as member_count,
        {{ exact_sum('case when is_member then abnormal_value_usd end') }} as abnormal_value_usd
    from daily
    group by trade_date
    having bool_or(is_trigger)
)

select
    d.trade_date,
    d.epicenter_ticker,
    e.ar_market_model as epicenter_ar,
    e.sar as epicenter_sar,
    e.abnormal_value_usd as epicenter_abnormal_value_usd,
    d.members,
    d.member_count,
    d.abnormal_value_usd
from shock_days as d
inner join daily as e on d.trade_date = e.trade_date and d.epicenter_ticker = e.ticker
