{#-
Market cap per ticker and session: close x the latest share count known on that day.
Changes compare with the ticker's previous session in the lake.

Incremental by a price window: a build with the vars prices_start / prices_end recomputes only
those sessions and each ticker's next one (reading their previous rows from the lake), any
other build rebuilds everything. Which rows, and why that equals a full rebuild: the macros
market_cap_price_window() and market_cap_window() (dbt/macros/market_cap_window.sql).
-#}
{%- set price_window = market_cap_price_window() -%}
{#- named from the target, not `this`: a dbt unit test compiles the model with a `this` of its own -#}
{%- set shares_state = api.Relation.create(database=target.database, schema=target.schema,
                                           identifier='fct_daily_market_cap__shares_built') -%}

{#- The last pre-hook sets what this build recomputes on its row of the ledger the marts built
    on it, the data tests and the publish step read (macros/price_marts_window.sql), in the
    build's transaction. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['ticker', 'trade_date'],
    on_schema_change='fail',
    rebuild_without_price_window=true,
    pre_hook=["{% set w = market_cap_price_window() %}{% if w and is_incremental() %}delete from {{ this }}"
              ~ " where trade_date between date '{{ w.start }}' and date '{{ w.end }}'{% endif %}",
              "{{ record_market_cap_recomputed(market_cap_price_window(), api.Relation.create(database=target.database, schema=target.schema, identifier='fct_daily_market_cap__shares_built')) }}"],
    post_hook=["create or replace table " ~ shares_state ~ " as select ticker, known_from, as_of_date, shares, measure from {{ ref('stg_shares_outstanding') }}"],
) }}

{#- none: rebuild everything; else the dates to recompute and the lake rows to read -#}
{%- set recompute = market_cap_window(price_window, shares_state) %}

with
{% if recompute %}
-- the lake around the window: one scan, pruned to the trade_date= folders it needs
nearby as materialized (
    select ticker, trade_date, close, adj_close, price_basis
    from {{ ref('stg_prices') }}
    where trade_date between date '{{ recompute.scan_from }}' and date '{{ recompute.scan_to }}'
),

window_rows as (
    select * from nearby where trade_date between date '{{ recompute.start }}' and date '{{ recompute.end }}'
),

-- each ticker's last row before the window: the previous session of the window's first rows
prev_rows as (
    select ticker, max(trade_date) as trade_date, arg_max(close, trade_date) as close,
           arg_max(adj_close, trade_date) as adj_close, arg_max(price_basis, trade_date) as price_basis
    from nearby
    where trade_date < date '{{ recompute.start }}'
    group by ticker
),

-- each ticker's first row after the window: its changes depend on the window's last close
next_rows as (
    select ticker, min(trade_date) as trade_date, arg_min(close, trade_date) as close,
           arg_min(adj_close, trade_date) as adj_close, arg_min(price_basis, trade_date) as price_basis
    from nearby
    where trade_date > date '{{ recompute.end }}'
      and ticker in (select ticker from window_rows union select ticker from prev_rows)
    group by ticker
),

prices as (
    select * from prev_rows
    union all select * from window_rows
    union all select * from next_rows
),
{% else %}
prices as (
    select
        ticker,
        trade_date,
        close,
        adj_close,
        price_basis
    from {{ ref('stg_prices') }}
),
{% endif %}

priced as (
    select
        p.ticker,
        p.trade_date,
        p.close,
        p.adj_close,
        p.price_basis,
        s.shares as shares_outstanding,
        s.as_of_date as shares_as_of_date,
        s.known_from as shares_known_from,
        s.measure as shares_measure
    from prices as p
    asof left join {{ ref('int_shares_known') }} as s
        on p.ticker = s.ticker and p.trade_date >= s.known_from
),

with_previous as (
    select
        *,
        close * shares_outstanding as market_cap_usd,
        lag(close) over by_ticker as prev_close,
        lag(adj_close) over by_ticker as prev_adj_close,
        lag(shares_outstanding) over by_ticker as prev_shares_outstanding,
        lag(close * shares_outstanding) over by_ticker as prev_market_cap_usd
    from priced
    window by_ticker as (partition by ticker order by trade_date)
)

select
    ticker,
    trade_date,
    close,
    prev_close,
    close / prev_close - 1 as pct_change,
    shares_outstanding,
    market_cap_usd,
    market_cap_usd - prev_market_cap_usd as market_cap_change_usd,
    price_basis,
    shares_as_of_date,
    shares_measure,
    shares_known_from,
    -- what the price move made or destroyed, on yesterday's count: the figure to read
    prev_market_cap_usd * (close / prev_close - 1) as value_change_usd,
    -- the rest of market_cap_change_usd: today's close x the change of the count in use (zero
    -- unless a new count took effect today); a filing, not the market, made it
    close * (shares_outstanding - prev_shares_outstanding) as share_count_effect_usd,
    adj_close / prev_adj_close - 1 as total_return
from with_previous
{%- if recompute %}
where trade_date >= date '{{ recompute.start }}'  -- the previous rows were only read for their close
{%- endif %}
