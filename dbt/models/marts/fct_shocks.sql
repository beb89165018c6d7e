-- One row per shock session (int_shock_days finds them from prices; the news, app-chart and
-- curated context around each is added here, from scratch on every build: it is small, and
-- news or app-chart runs change it without changing any price).
with sessions as (
    select
        trade_date,
        session_idx
    from {{ ref('int_sessions') }}
),

shock_days as (
    select
        d.*,
        s.session_idx
    from {{ ref('int_shock_days') }} as d
    inner join sessions as s on d.trade_date = s.trade_date
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
    cross join unnest(list_append(string_split(coalesce(d.members, ''), ','), d.epicenter_ticker)) as m (ticker)
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
    d.epicenter_ar,
    d.epicenter_sar,
    d.epicenter_abnormal_value_usd,
    d.members,
    d.member_count,
    d.abnormal_value_usd,
    n.news_spike,
    s.app_rank_signals,
    coalesce(c.curated_events, 0) as curated_events,
    'reports/shocks/' || strftime(d.trade_date, '%Y-%m-%d') || '-' || d.epicenter_ticker || '.html' as dossier_path
from with_dates as d
left join news as n on d.trade_date = n.trade_date
left join app_signals as s on d.trade_date = s.trade_date
left join curated as c on d.trade_date = c.trade_date
