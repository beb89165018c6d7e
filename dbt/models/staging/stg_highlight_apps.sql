select
    cast(app_id as varchar) as app_id,
    display_name
from {{ source('lake', 'highlight_apps') }}
