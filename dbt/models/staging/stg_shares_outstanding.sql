select
    upper(trim(ticker)) as ticker,
    cast(as_of_date as date) as as_of_date,
    cast(filing_date as date) as filing_date,
    -- A count can be used from the day it became public; yfinance gives no filing date,
    -- so its counts are usable from the date they describe.
    cast(coalesce(filing_date, as_of_date) as date) as known_from,
    cast(shares as bigint) as shares,
    measure,
    source
from {{ source('lake', 'shares_outstanding') }}
