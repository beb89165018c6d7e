-- Which entities each news item mentions. Aliases match whole words only; the pattern
-- (built from watchlist.yml, case-sensitive unless the entity says otherwise) keeps
-- "Meta" the company apart from "metadata".
with matches as (
    select
        n.item_id,
        a.entity,
        a.entity_type,
        a.ticker,
        a.alias,
        regexp_matches(n.title, a.pattern) as in_title
    from {{ ref('stg_news_items') }} as n
    inner join {{ ref('stg_entity_aliases') }} as a
        on regexp_matches(n.title || ' ' || coalesce(n.summary, ''), a.pattern)
)

select
    m.item_id,
    m.entity,
    any_value(m.entity_type) as entity_type,
    any_value(m.ticker) as ticker,
    n.published_at,
    n.published_date,
    n.title,
    n.publisher,
    n.url,
    n.feed_id,
    string_agg(distinct m.alias, ', ' order by m.alias) as matched_aliases,
    bool_or(m.in_title) as in_title
from matches as m
inner join {{ ref('stg_news_items') }} as n using (item_id)
group by m.item_id, m.entity, n.published_at, n.published_date, n.title, n.publisher, n.url, n.feed_id
