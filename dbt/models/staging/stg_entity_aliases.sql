select
    entity,
    entity_type,
    ticker,
    alias,
    pattern,
    cast(case_sensitive as boolean) as case_sensitive
from {{ source('lake', 'entities') }}
