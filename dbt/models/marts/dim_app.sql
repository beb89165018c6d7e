-- Apps seen on any chart snapshot (the latest name/developer/genre wins), plus the apps
-- analysts follow even before they are seen.
with seen as (
    select
        app_id,
        arg_max(app_name, captured_at) as app_name,
        arg_max(developer, captured_at) as developer,
        arg_max(genre, captured_at) as genre,
        min(snapshot_date) as first_seen_date,
        max(snapshot_date) as last_seen_date
    from {{ ref('stg_app_rank_snapshots') }}
    group by app_id
)

select
    coalesce(s.app_id, h.app_id) as app_id,
    coalesce(s.app_name, h.display_name) as app_name,
    coalesce(h.display_name, s.app_name) as display_name,
    h.app_id is not null as is_highlighted,
    s.developer,
    s.genre,
    s.first_seen_date,
    s.last_seen_date
from seen as s
full outer join {{ ref('stg_highlight_apps') }} as h using (app_id)
