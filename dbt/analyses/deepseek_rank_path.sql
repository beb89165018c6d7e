-- Question: how did DeepSeek climb the US top-free iPhone chart?
--
-- How to read it: one row per captured day on which the app was on the chart, in date
-- order. rank is the best rank of the day (1 = top); rank_change > 0 means it moved up since
-- the chart's previous captured day (prev_snapshot_date). Days that were not captured are
-- missing, and in a partial snapshot (is_partial_snapshot) only documented positions exist:
-- absence means "unknown", never "dropped out". In the case study: #31 on 2025-01-24, then
-- #1 on 2025-01-26 and 2025-01-27. Other apps: --vars '{app: ChatGPT}'.
select
    r.snapshot_date,
    a.display_name as app,
    r.rank,
    r.prev_rank,
    r.rank_change,
    r.prev_snapshot_date,
    min(r.rank) over (order by r.snapshot_date) as best_rank_so_far,
    r.is_partial_snapshot
from {{ ref('fct_app_rank_daily') }} as r
inner join {{ ref('dim_app') }} as a using (app_id)
where
    a.display_name = '{{ var("app", "DeepSeek") }}'
    and r.country = '{{ var("country", "us") }}'
    and r.chart = '{{ var("chart", "top-free") }}'
order by r.snapshot_date
