-- Chart milestones per app: reached #1, entered / left the top 10, first appearance in
-- the top 100, dropped out of the top 100, and its biggest daily climb. Leaving a chart
-- is only inferred from full snapshots: absence from a partial snapshot means "unknown".
with daily as (
    select * from {{ ref('fct_app_rank_daily') }}
),

chart_days as (
    select distinct
        country,
        chart,
        snapshot_date,
        is_partial_snapshot
    from daily
),

-- apps that were on the chart's previous snapshot but are missing from a full snapshot
dropped as (
    select
        d.snapshot_date,
        p.country,
        p.chart,
        p.app_id,
        p.app_name,
        cast(null as integer) as rank,
        p.rank as prev_rank
    from daily as p
    inner join chart_days as d
        on
            p.country = d.country and p.chart = d.chart and not d.is_partial_snapshot
            and d.snapshot_date = (
                select min(x.snapshot_date) from chart_days as x
                where x.country = p.country and x.chart = p.chart and x.snapshot_date > p.snapshot_date
            )
    left join daily as n
        on p.country = n.country and p.chart = n.chart and p.app_id = n.app_id and d.snapshot_date = n.snapshot_date
    where n.app_id is null
),

events as (
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'reached_1' as milestone
    from daily
    where rank = 1 and coalesce(prev_rank, 0) <> 1
    union all
    -- in a partial snapshot, "not in the previous snapshot" means unknown, not outside the top 10
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'entered_top10' as milestone
    from daily
    where rank <= 10 and (prev_rank > 10 or (prev_rank is null and not is_partial_snapshot))
    union all
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'left_top10' as milestone
    from daily
    where rank > 10 and prev_rank <= 10
    union all
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'left_top10' as milestone
    from dropped
    where prev_rank <= 10
    union all
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'left_top100' as milestone
    from dropped
    union all
    -- on a chart's first captured day every app is "new": that says nothing
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'first_top100' as milestone
    from (
        select
            *,
            min(snapshot_date) over (partition by country, chart) as chart_first_day
        from daily
        qualify row_number() over (partition by country, chart, app_id order by snapshot_date) = 1
    ) as first_seen
    where snapshot_date > chart_first_day and not is_partial_snapshot
    union all
    select
        snapshot_date,
        country,
        chart,
        app_id,
        app_name,
        rank,
        prev_rank,
        'biggest_climb' as milestone
    from daily
    where rank_change > 0
    qualify row_number() over (partition by country, chart, app_id order by rank_change desc, snapshot_date asc) = 1
)

select
    md5(concat_ws('|', milestone, country, chart, app_id, snapshot_date)) as milestone_id,
    snapshot_date,
    country,
    chart,
    app_id,
    app_name,
    milestone,
    rank,
    prev_rank
from events
