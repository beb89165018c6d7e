-- One row per news item: the same item may be fetched again on a later run or by another feed.
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
from {{ source('lake', 'news_items') }}
qualify row_number() over (partition by item_id order by fetched_at desc, feed_id asc) = 1
