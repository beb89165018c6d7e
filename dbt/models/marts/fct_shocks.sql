-- One row per shock session: some ticker's |sar| >= 3 or |ar_market_adjusted| >= 10%.
-- Members are the tickers with |sar| >= 2 that session; the epicenter is the ticker whose
-- abnormal value (ar_market_model x market cap at day -1) is the largest, lost or gained.
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
        sum(abnormal_value_usd) filter (where is_member) as abnormal_value_usd
    from daily
    group by trade_date
    having bool_or(is_trigger)
),

with_dates as (
    select
        d.*,
        coalesce(before_1.trade_date, d.trade_date) as date_minus_1,
        coalesce(before_3.trade_date, d.trade_date) as date_minus_3,
        coalesce(after_1.trade_date, d.trade_date) as date_plus_1
    from shock_days as d
    left join sessions as before_1 on before_1.session_idx = d.session_idx - 1
    left join sessions as before_3 on before_3.session_idx = d.session_idx - 3
    left join sessions as after_1 on after_1.session_idx = d.session_idx + 1
),

news as (
    select
        d.trade_date,
        max(n.spike_score) as news_spike
    from with_dates as d
    inner join daily as m on d.trade_date = m.trade_date and (m.is_member or d.epicenter_ticker = m.ticker)
    inner join {{ ref('fct_news_daily') }} as n
        on m.ticker = n.entity and n.news_date between d.date_minus_1 and d.trade_date
    group by d.trade_date
),

app_signal_texts as (
    select
        r.snapshot_date,
        a.display_name || ' ' || r.milestone || coalesce(' #' || r.rank, '')
        || ' (' || upper(r.country) || ' ' || r.chart || ', ' || strftime(r.snapshot_date, '%Y-%m-%d') || ')'
            as signal
    from {{ ref('fct_app_rank_milestones') }} as r
    inner join {{ ref('dim_app') }} as a on r.app_id = a.app_id
    where a.is_highlighted
),

app_signals as (
    select
        d.trade_date,
        -- ordered: DISTINCT alone leaves the order to its hash table, which differs between
        -- runs (the DuckLake comparison caught it, tests/end_to_end/test_ducklake_pipeline.py)
        string_agg(distinct t.signal, '; ' order by t.signal) as app_rank_signals
    from with_dates as d
    inner join app_signal_texts as t on t.snapshot_date between d.date_minus_3 and d.trade_date
    group by d.trade_date
),

curated as (
    select
        d.trade_date,
        count(*) as curated_events
    from with_dates as d
    inner join {{ ref('curated_events') }} as c on c.event_date between d.date_minus_3 and d.date_plus_1
    group by d.trade_date
)

select
    md5(concat_ws('|', 'shock', d.trade_date)) as shock_id,
    d.trade_date,
    d.epicenter_ticker,
    e.ar_market_model as epicenter_ar,
    e.sar as epicenter_sar,
    e.abnormal_value_usd as epicenter_abnormal_value_usd,
    d.members,
    d.member_count,
    d.abnormal_value_usd,
    n.news_spike,
    s.app_rank_signals,
    coalesce(c.curated_events, 0) as curated_events,
    'reports/shocks/' || strftime(d.trade_date, '%Y-%m-%d') || '-' || d.epicenter_ticker || '.html' as dossier_path
from with_dates as d
inner join daily as e on d.trade_date = e.trade_date and d.epicenter_ticker = e.ticker
left join news as n on d.trade_date = n.trade_date
left join app_signals as s on d.trade_date = s.trade_date
left join curated as c on d.trade_date = c.trade_date
