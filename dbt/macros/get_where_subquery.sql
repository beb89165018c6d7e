{#-
Data tests on a window run check what the run changed, not all history again.

dbt hands every data test's model to get_where_subquery() (dbt's documented way to customise
the `where` test config: a root-project macro of that name replaces dbt's own). Here:
- stg_prices (a view over the lake) is checked on the window's sessions (the only price
  partitions the run wrote) and those of earlier builds not yet published;
- fct_daily_market_cap and fct_market_moves on the dates recomputed since the last publish,
  from the ledger of builds (macros/price_marts_window.sql): a build whose checks failed is
  checked again by the next, until one passes and is published; fct_theme_daily is checked
  whole (a few rows per session, and a watchlist change recomputes all of it);
- fct_abnormal_returns from the earliest window start since the last publish (it recomputes
  every session from its window's start);
- anything else, and any build without a window, is checked whole, as before.
A test's own `where` config still applies, and-ed with the scope. Blocking is unchanged: a
scoped test that fails fails the build as an unscoped one would.
-#}

{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- if config.get('where') -%}
        {%- do filters.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set scope = test_window_scope(relation) -%}
    {%- if scope -%}
        {%- do filters.append(scope) -%}
    {%- endif -%}
    {%- if filters -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#- The rows of `relation` changed since the last publish (this build and any whose checks
    failed before it: what no passing test has seen yet), as a filter on trade_date; none:
    all of them. -#}
{% macro test_window_scope(relation) -%}
    {%- set window = market_cap_price_window() -%}
    {%- if window is none or not execute or relation.identifier is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if relation.identifier not in ['stg_prices', 'fct_daily_market_cap', 'fct_market_moves', 'fct_abnormal_returns'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set pending = price_marts_pending() -%}
    {%- if pending is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if relation.identifier == 'stg_prices' -%}
        {#- tested before fct_daily_market_cap runs, so before this build's ledger row: add its window -#}
        {%- set start = [pending.window_start | string, window.start] | min -%}
        {%- set end = [pending.window_end | string, window.end] | max if pending.window_start | string < '9999-12-31' else window.end -%}
        {{ return("trade_date between date '" ~ start ~ "' and date '" ~ end ~ "'") }}
    {%- endif -%}
    {%- if relation.identifier == 'fct_abnormal_returns' -%}
        {#- recomputed from the window's start onwards (macros/abnormal_returns_window.sql) -#}
        {{ return("trade_date >= date '" ~ pending.window_start ~ "'") }}
    {%- endif -%}
    {{ return("trade_date >= date '" ~ pending.recomputed_from ~ "'") }}
{%- endmacro %}
