-- One usable share count per ticker and known_from date. When a filing publishes several
-- counts on one day (a quarterly weighted average and a cover-page count), the later
-- as_of_date wins, and a point-in-time cover-page count beats an average.
select
    ticker,
    known_from,
    as_of_date,
    shares,
    measure
from {{ ref('stg_shares_outstanding') }}
qualify row_number() over (
    partition by ticker, known_from
    order by as_of_date desc, (measure = 'cover_page_shares_outstanding') desc
) = 1
