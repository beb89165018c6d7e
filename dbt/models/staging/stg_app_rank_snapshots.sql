select
    cast(captured_at as timestamptz) as captured_at,
    cast(timezone('UTC', cast(captured_at as timestamptz)) as date) as snapshot_date,
    lower(country) as country,
    chart,
    cast(rank as integer) as rank,
    cast(app_id as varchar) as app_id,
    app_name,
    developer,
    genre,
    source,
    snapshot_kind
from {{ source('lake', 'app_rank_snapshots') }}
