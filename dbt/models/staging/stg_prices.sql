{#-
On DuckDB a view over the lake (dbt_project.yml). On DuckLake a table, because readers on other
machines cannot read this machine's raw Parquet folder; there it follows the price window like
the price marts: a window run replaces only the window's sessions (the lake's trade_date=
partitions a run writes are exactly its window, macros/market_cap_window.sql), any other build
rebuilds it. A whole copy of the lake on every run cost O(history): 25M rows at 5,000 tickers
x 20 years.
-#}
{%- set price_window = market_cap_price_window() if target.name == 'ducklake' else none -%}
{%- if target.name == 'ducklake' %}
{{ config(**windowed_mart_config(
    ['ticker', 'trade_date'],
    pre_hook=["{% set w = market_cap_price_window() %}{% if w and is_incremental() %}delete from {{ this }}"
              ~ " where trade_date between date '{{ w.start }}' and date '{{ w.end }}'{% endif %}"],
    post_hook=[],
)) }}
{%- endif %}

select
    upper(trim(ticker)) as ticker,
    cast(trade_date as date) as trade_date,
    cast(open as double) as open,
    cast(high as double) as high,
    cast(low as double) as low,
    cast(close as double) as close,
    cast(adj_close as double) as adj_close,
    cast(volume as bigint) as volume,
    price_basis,
    source,
    cast(fetched_at as timestamptz) as fetched_at
from {{ source('lake', 'prices') }}
{%- if price_window and is_incremental() %}
where trade_date between date '{{ price_window.start }}' and date '{{ price_window.end }}'
{%- endif %}
