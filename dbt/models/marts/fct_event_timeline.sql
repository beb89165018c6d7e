-- Everything that happened, one row per event: abnormal price moves, news mentions,
-- app-chart milestones, filed capex quarters and curated events. event_id is a hash of the event's natural key.
with price_moves as (
    select
        md5(concat_ws('|', 'price_move', m.ticker, m.trade_date)) as event_id,
        m.trade_date as event_date,
        -- the move is known at the NYSE close
        timezone('America/New_York', m.trade_date + time '16:00') as event_at,
        'price_move' as event_type,
        m.ticker as entity,
        m.ticker || ' ' || case when m.pct_change < 0 then '−' else '+' end
        || printf('%.2f', abs(m.pct_change) * 100) || '%'
        -- the value the move made or destroyed, never a share-count switch
        || coalesce(
            ', ' || case when m.value_change_usd < 0 then '−' else '+' end
            || '$' || printf('%.1f', abs(m.value_change_usd) / 1e9) || 'B', ''
        ) as title,
        m.pct_change as magnitude,
        -- the session's shock dossier (relative to the data dir). A move is abnormal against its
        -- own volatility (fct_market_moves); a shock needs an abnormal return against the market
        -- (fct_shocks), so a move on a session without a shock keeps no link.
        s.dossier_path as url,
        'fct_market_moves' as source
    from {{ ref('fct_market_moves') }} as m
    left join {{ ref('fct_shocks') }} as s on m.trade_date = s.trade_date
),

news as (
    select
        md5(concat_ws('|', 'news', item_id, entity)) as event_id,
        published_date as event_date,
        published_at as event_at,
        'news' as event_type,
        entity,
        title,
        cast(null as double) as magnitude,
        url,
        publisher as source
    from {{ ref('fct_news_mentions') }}
),

app_ranks as (
    select
        md5(concat_ws('|', 'app_rank', m.milestone_id)) as event_id,
        m.snapshot_date as event_date,
        cast(null as timestamptz) as event_at,
        'app_rank' as event_type,
        a.display_name as entity,
        a.display_name || ' ' || case m.milestone
            when 'reached_1' then 'reached #1'
            when 'entered_top10' then 'entered the top 10 at #' || m.rank
            when 'left_top10' then 'left the top 10' || coalesce(' (#' || m.rank || ')', '')
            when 'left_top100' then 'dropped out of the top 100'
            when 'first_top100' then 'first seen in the top 100 at #' || m.rank
            when 'biggest_climb' then 'had its biggest climb, to #' || m.rank
        end
        || ' on ' || upper(m.country) || ' ' || m.chart
        || coalesce(' (from #' || m.prev_rank || ')', '') as title,
        cast(m.rank as double) as magnitude,
        cast(null as varchar) as url,
        'app_store' as source
    from {{ ref('fct_app_rank_milestones') }} as m
    inner join {{ ref('dim_app') }} as a using (app_id)
    -- every app that reaches #1 is news; other milestones only for the apps analysts follow,
    -- and not when they only restate a #1 of the same day
    where
        m.milestone = 'reached_1'
        or (a.is_highlighted and not (
            m.milestone in ('entered_top10', 'biggest_climb')
            and exists (
                select 1 from {{ ref('fct_app_rank_milestones') }} as r
                where
                    r.milestone = 'reached_1' and r.app_id = m.app_id and r.country = m.country
                    and r.chart = m.chart and r.snapshot_date = m.snapshot_date
            )
        ))
),

capex as (
    -- a filed quarter is an event on the day it became public (known_from)
    select
        md5(concat_ws('|', 'capex', ticker, period_end)) as event_id,
        known_from as event_date,
        cast(null as timestamptz) as event_at,
        'capex' as event_type,
        ticker as entity,
        ticker || ' ' || fiscal_quarter_label
        || ' capex $' || printf('%.1f', capex_usd / 1e9) || 'B'
        || coalesce(
            ', ' || case when capex_yoy_growth < 0 then '−' else '+' end
            || printf('%.0f', abs(capex_yoy_growth) * 100) || '% y/y',
            ''
        ) as title,
        capex_yoy_growth as magnitude,
        source_url as url,
        'fct_capex_quarterly' as source
    from (
        select
            *,
            -- 'Q4 2024' where the fiscal year is the calendar year, else 'FY2025 Q2 (2024-Q4)'
            case
                when calendar_quarter = fiscal_year || '-Q' || fiscal_quarter
                    then 'Q' || fiscal_quarter || ' ' || fiscal_year
                else 'FY' || fiscal_year || ' Q' || fiscal_quarter || ' (' || calendar_quarter || ')'
            end as fiscal_quarter_label
        from {{ ref('fct_capex_quarterly') }}
    )
),

curated as (
    select
        md5(concat_ws('|', 'curated', event_date, entity, kind, title)) as event_id,
        event_date,
        cast(null as timestamptz) as event_at,
        'curated' as event_type,
        entity,
        title,
        cast(null as double) as magnitude,
        source_url as url,
        'curated:' || kind as source
    from {{ ref('curated_events') }}
)

select * from price_moves
union all
select * from news
union all
select * from app_ranks
union all
select * from capex
union all
select * from curated
