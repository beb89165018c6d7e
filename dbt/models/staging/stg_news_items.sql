-- One row per news item: the same item may be fetched again on a later run or by another
-- feed, and an item whose publication date moved between fetches is in two day files.
-- "The same item" is the rule of dagster_project/sources/news/identity.py, restated here:
-- the same item_id, or (both with a url) the same url and title; of those, the row first
-- seen wins (earliest fetched_at, then feed_id, then item_id). The lake merge applies the
-- same rule per day; tests/sources/news/test_identity.py runs this SQL and the Python rule
-- on the same rows and compares. Change one, change both.
with

first_per_item_id as (
    select *
    from {{ source('lake', 'news_items') }}
    qualify row_number() over (partition by item_id order by fetched_at asc, feed_id asc) = 1
),

first_per_url_and_title as (
    select *
    from first_per_item_id
    qualify
        url is null
        or row_number() over (
            partition by url, title order by fetched_at asc, feed_id asc, item_id asc
        ) = 1
)

select
    item_id,
    feed_id,
    url,
    trim(title) as title,
    publisher,
    cast(published_at as timestamptz) as published_at,
    cast(timezone('UTC', cast(published_at as timestamptz)) as date) as published_date,
    summary,
    cast(fetched_at as timestamptz) as fetched_at
from first_per_url_and_title
