-- Question: which entities were suddenly in the news, and on which days?
--
-- How to read it: one row per entity and UTC day, the most unusual first. spike_score is
-- (articles that day - trailing 30-day mean) / max(trailing 30-day std dev, 1), so a score
-- of 3 means three "normal days' worth" of extra articles; days with at least
-- min_articles (default 2) articles only. The headlines column lists that day's titles.
-- In the case study the first row is DeepSeek on 2025-01-27 (4 articles).
select
    d.entity,
    d.news_date,
    d.article_count,
    round(d.spike_score, 2) as spike_score,
    (
        select string_agg(distinct m.title, ' | ' order by m.title)
        from {{ ref('fct_news_mentions') }} as m
        where m.entity = d.entity and m.published_date = d.news_date
    ) as headlines
from {{ ref('fct_news_daily') }} as d
where d.article_count >= {{ var('min_articles', 2) }}
order by d.spike_score desc, d.news_date asc, d.entity asc
