{#-
Market cap per ticker and session: close x the latest share count known on that day.
Changes compare with the ticker's previous session in the lake.

Incremental by a price window (docs/PERFORMANCE.md, "Incremental fct_daily_market_cap"):

- no window (no `prices_start`/`prices_end` vars), `--full-refresh`, or no table yet:
  everything is rebuilt from the lake, as a plain table would be;
- `--vars '{"prices_start": "2025-01-27", "prices_end": "2025-01-31"}'` (ISO dates, inclusive):
  only these rows are recomputed, from the lake:
    * every row whose trade_date is in the window (rows of the window that are no longer
      in the lake are deleted first, by the pre-hook);
    * each ticker's first row after the window, whose prev_close / pct_change /
      market_cap_change_usd depend on the window's last close;
  each recomputed row reads its ticker's previous row from the lake (also when it lies
  before the window), so the window's first day is right. The previous / next row is
  looked up within LOOKAROUND_DAYS of the window (file pruning on the lake's trade_date=
  folders); a ticker without one there is looked up across the whole lake instead.
- share counts: the counts the table was built with are kept beside it
  (<target schema>.fct_daily_market_cap__shares_built, never published). When the lake's
  counts differ from them (a new filing, a revision), the window is widened to start at
  the earliest known_from that changed and to run to the end of the lake, so a window run
  never leaves a market cap computed with a superseded count.
With these rules a window run gives exactly the rows a full rebuild gives, provided that
price partitions change only through runs whose window covers them (the raw prices asset
rewrites exactly its partitions, and daily_pipeline passes them as the window).
-#}
{%- set LOOKAROUND_DAYS = 14 -%}
{%- set window_start = var('prices_start', none) -%}
{%- set window_end = var('prices_end', none) -%}
{%- if (window_start is none) != (window_end is none) -%}
    {{ exceptions.raise_compiler_error("fct_daily_market_cap: pass both prices_start and prices_end, or neither") }}
{%- endif -%}
{%- set has_window = window_start is not none -%}
{%- if has_window -%}
    {#- ISO dates only (they end up in SQL literals); a bad value fails here, at parse time -#}
    {%- set window_start = modules.datetime.date.fromisoformat(window_start | string).isoformat() -%}
    {%- set window_end = modules.datetime.date.fromisoformat(window_end | string).isoformat() -%}
{%- endif -%}
{%- set shares_state = api.Relation.create(database=this.database, schema=target.schema,
                                           identifier=this.identifier ~ '__shares_built') -%}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['ticker', 'trade_date'],
    on_schema_change='fail',
    full_refresh=(true if not has_window else none),
    pre_hook=["{% if is_incremental() %}delete from {{ this }} where trade_date between date '"
              ~ window_start ~ "' and date '" ~ window_end ~ "'{% endif %}"] if has_window else [],
    post_hook=["create or replace table " ~ shares_state ~ " as select ticker, known_from, as_of_date, shares, measure from {{ ref('stg_shares_outstanding') }}"],
) }}

{%- set windowed = has_window and is_incremental() -%}
{%- if windowed and execute -%}
    {%- set day = modules.datetime.date -%}
    {%- set start = day.fromisoformat(window_start | string) -%}
    {%- set end = day.fromisoformat(window_end | string) -%}
    {%- if start > end -%}
        {{ exceptions.raise_compiler_error("fct_daily_market_cap: prices_start " ~ start ~ " is after prices_end " ~ end) }}
    {%- endif -%}

    {#- Share counts that differ from those the table was built with widen the window.
        A fingerprint (count and sum of row hashes) says whether anything changed; only
        then is the earliest changed known_from looked up. -#}
    {%- set counts_sql = "select ticker, known_from, as_of_date, shares, measure from " -%}
    {%- if adapter.get_relation(database=shares_state.database, schema=shares_state.schema,
                                identifier=shares_state.identifier) is none -%}
        {%- set changed_from = day(1, 1, 1) -%}
    {%- else -%}
        {%- set fingerprint = "select count(*) || ':' || sum(hash(ticker, known_from, as_of_date, shares, measure)::hugeint) from " -%}
        {%- set same = run_query("select (" ~ fingerprint ~ ref('stg_shares_outstanding') ~ ") = ("
                                 ~ fingerprint ~ shares_state ~ ")").columns[0].values()[0] -%}
        {%- set changed_from = none -%}
        {%- if not same -%}
            {%- set changed_from = run_query(
                "select min(known_from) from ((" ~ counts_sql ~ ref('stg_shares_outstanding') ~ " except all "
                ~ counts_sql ~ shares_state ~ ") union all (" ~ counts_sql ~ shares_state ~ " except all "
                ~ counts_sql ~ ref('stg_shares_outstanding') ~ "))").columns[0].values()[0] -%}
        {%- endif -%}
    {%- endif -%}
    {%- if changed_from is not none -%}
        {%- set start = [start, changed_from] | min -%}
        {%- set end = day(9999, 12, 31) -%}
        {{ log("fct_daily_market_cap: share counts changed from " ~ changed_from ~ "; recomputing " ~ start ~ " onwards", info=true) }}
    {%- endif -%}

    {#- Does every ticker find its previous / next row within LOOKAROUND_DAYS of the window?
        (one scan of the lake's folders around the window) -#}
    {%- set near_from = start - modules.datetime.timedelta(days=LOOKAROUND_DAYS) -%}
    {%- set near_to = end + modules.datetime.timedelta(days=LOOKAROUND_DAYS) if end.year < 9999 else end -%}
    {%- set probe = run_query(
        "select count(*) filter (where in_window and not has_prev),"
        ~ " count(*) filter (where (in_window or has_prev) and not has_next)"
        ~ " from (select ticker,"
        ~ " bool_or(trade_date between date '" ~ start ~ "' and date '" ~ end ~ "') as in_window,"
        ~ " bool_or(trade_date < date '" ~ start ~ "') as has_prev,"
        ~ " bool_or(trade_date > date '" ~ end ~ "') as has_next"
        ~ " from " ~ ref('stg_prices')
        ~ " where trade_date between date '" ~ near_from ~ "' and date '" ~ near_to ~ "' group by ticker)"
    ).rows[0] -%}
    {#- a ticker without a previous (next) row nearby: look across the whole lake before (after) -#}
    {%- set scan_from = near_from if probe[0] == 0 else day(1, 1, 1) -%}
    {%- set scan_to = near_to if probe[1] == 0 else day(9999, 12, 31) -%}
{%- endif %}

with
{% if windowed %}
-- the lake around the window: one scan, pruned to the trade_date= folders it needs
nearby as materialized (
    select ticker, trade_date, close, adj_close, price_basis
    from {{ ref('stg_prices') }}
    where trade_date between date '{{ scan_from }}' and date '{{ scan_to }}'
),

window_rows as (
    select * from nearby where trade_date between date '{{ start }}' and date '{{ end }}'
),

-- each ticker's last row before the window: the previous session of the window's first rows
prev_rows as (
    select ticker, max(trade_date) as trade_date, arg_max(close, trade_date) as close,
           arg_max(adj_close, trade_date) as adj_close, arg_max(price_basis, trade_date) as price_basis
    from nearby
    where trade_date < date '{{ start }}'
    group by ticker
),

-- each ticker's first row after the window: its changes depend on the window's last close
next_rows as (
    select ticker, min(trade_date) as trade_date, arg_min(close, trade_date) as close,
           arg_min(adj_close, trade_date) as adj_close, arg_min(price_basis, trade_date) as price_basis
    from nearby
    where trade_date > date '{{ end }}'
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
{%- if windowed %}
where trade_date >= date '{{ start }}'  -- the previous rows were only read for their close
{%- endif %}
