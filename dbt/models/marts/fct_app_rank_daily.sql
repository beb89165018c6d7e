-- One row per snapshot day x country x chart x app: the best rank of the day (several
-- captures a day may exist). prev_rank is the app's rank on the chart's previous snapshot
-- day (null if it was not in that snapshot); rank_change > 0 means the app moved up.
with best as (
    select
        snapshot_date,
        country,
        chart,
        app_id,
        min(rank) as rank,
        arg_min(app_name, rank) as app_name,
        bool_and(snapshot_kind = 'partial') as is_partial_snapshot
    from {{ ref('stg_app_rank_snapshots') }}
    group by all
),

chart_days as (
    select
        country,
        chart,
        snapshot_date,
        lag(snapshot_date) over (partition by country, chart order by snapshot_date) as prev_snapshot_date
    from (select distinct
        country,
        chart,
        snapshot_date
    from best) as snapshot_days
)

select
    b.snapshot_date,
    b.country,
    b.chart,
    b.app_id,
    b.app_name,
    b.rank,
    p.rank as prev_rank,
    p.rank - b.rank as rank_change,
    d.prev_snapshot_date,
    b.is_partial_snapshot
from best as b
inner join chart_days as d using (country, chart, snapshot_date)
left join best as p
    on
        b.country = p.country and b.chart = p.chart and b.app_id = p.app_id
        and d.prev_snapshot_date = p.snapshot_date
