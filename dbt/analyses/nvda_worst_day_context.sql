-- Question: what happened around NVDA's worst day, three sessions either side, across prices,
-- news, app ranks and curated events?
--
-- How to read it: the worst day is NVDA's lowest pct_change in the warehouse (2025-01-27 in
-- the case study). One row per event of fct_event_timeline between the third session before
-- and the third session after it (calendar days in between included, so weekend App Store
-- milestones show up), in date order. session_offset is the session's distance from the worst
-- day (0 = the worst day, null for a weekend day); nvda_pct_change is NVDA's return that
-- session. A news item naming several entities appears once per entity.
-- Change the ticker with: dbt compile --vars '{ticker: AVGO}'.
with sessions as (
    select
        trade_date,
        pct_change,
        row_number() over (order by trade_date) as session_number
    from {{ ref('fct_daily_market_cap') }}
    where ticker = '{{ var("ticker", "NVDA") }}'
),

worst as (
    select
        trade_date,
        session_number
    from sessions
    where pct_change is not null
    order by pct_change
    limit 1
),

bounds as (
    select
        min(s.trade_date) as first_day,
        max(s.trade_date) as last_day
    from sessions as s, worst as w
    where s.session_number between w.session_number - 3 and w.session_number + 3
)

select
    e.event_date,
    s.session_number - w.session_number as session_offset,
    s.pct_change as ticker_pct_change,
    e.event_type,
    e.entity,
    e.title,
    e.magnitude,
    e.url
from {{ ref('fct_event_timeline') }} as e
cross join bounds as b
cross join worst as w
left join sessions as s on e.event_date = s.trade_date
where e.event_date between b.first_day and b.last_day
order by e.event_date, e.event_type, e.entity, e.title
