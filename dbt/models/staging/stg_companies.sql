select
    upper(trim(ticker)) as ticker,
    company_name,
    theme,
    theme_description,
    cast(is_benchmark as boolean) as is_benchmark
from {{ source('lake', 'companies') }}
