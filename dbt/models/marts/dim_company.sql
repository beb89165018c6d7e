select
    ticker,
    company_name,
    theme,
    theme_description,
    is_benchmark
from {{ ref('stg_companies') }}
