-- Articles per entity and day, with a spike score against the trailing 30 days:
-- (count - trailing mean) / max(trailing std dev, 1). Days without articles count as 0.
with days as (
    select cast(unnest(generate_series(min(published_date), max(published_date), interval 1 day)) as date) as news_date
    from {{ ref('fct_news_mentions') }}
),

entities as (
    select distinct entity from {{ ref('fct_news_mentions') }}
),

counts as (
    select
        entity,
        published_date as news_date,
        count(*) as article_count
    from {{ ref('fct_news_mentions') }}
    group by all
),

spine as (
    select
        e.entity,
        d.news_date,
        coalesce(c.article_count, 0) as article_count
    from entities as e
    cross join days as d
    left join counts as c on e.entity = c.entity and d.news_date = c.news_date
),

scored as (
    select
        *,
        avg(article_count) over prior_30 as trailing_30d_mean,
        coalesce(stddev_pop(article_count) over prior_30, 0) as trailing_30d_std
    from spine
    window prior_30 as (partition by entity order by news_date rows between 30 preceding and 1 preceding)
)

select
    entity,
    news_date,
    article_count,
    coalesce(trailing_30d_mean, 0) as trailing_30d_mean,
    trailing_30d_std,
    (article_count - coalesce(trailing_30d_mean, 0)) / greatest(trailing_30d_std, 1.0) as spike_score
from scored
