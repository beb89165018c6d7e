-- Share counts on the basis of the price series: `shares` = as reported x basis_factor (splits
-- the count predates, the ADS ratio of a count of ordinary shares), so close x shares is the
-- market value whatever the filing counted.
select
    upper(trim(ticker)) as ticker,
    cast(as_of_date as date) as as_of_date,
    cast(filing_date as date) as filing_date,
    {{ share_count_known_from('filing_date', 'as_of_date') }} as known_from,
    cast(round(shares * coalesce(basis_factor, 1)) as bigint) as shares,
    cast(shares as bigint) as shares_as_reported,
    cast(shares_diluted as bigint) as shares_diluted,
    cast(coalesce(basis_factor, 1) as double) as basis_factor,
    measure,
    source
from {{ source('lake', 'shares_outstanding') }}
