{#-
Data tests on a window run check what the run changed, not all history again.

dbt hands every data test's model to get_where_subquery() (dbt's documented way to customise
the `where` test config: a root-project macro of that name replaces dbt's own). Here:
- stg_prices (a view over the lake) is checked on the window's sessions: the only price
  partitions the run wrote;
- fct_daily_market_cap and fct_market_moves on the dates they recomputed, from the record
  fct_daily_market_cap's build left (macros/price_marts_window.sql); fct_theme_daily is
  checked whole (a few rows per session, and a watchlist change recomputes all of it);
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


{#- The rows of `relation` this build changed, as a filter on trade_date; none: all of them. -#}
{% macro test_window_scope(relation) -%}
    {%- set window = market_cap_price_window() -%}
    {%- if window is none or not execute or relation.identifier is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if relation.identifier == 'stg_prices' -%}
        {{ return("trade_date between date '" ~ window.start ~ "' and date '" ~ window.end ~ "'") }}
    {%- endif -%}
    {%- if relation.identifier not in ['fct_daily_market_cap', 'fct_market_moves'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state = price_marts_state() -%}
    {%- if adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set recomputed_from = run_query("select recomputed_from from " ~ state).columns[0].values()[0] -%}
    {{ return("trade_date >= date '" ~ recomputed_from ~ "'" if recomputed_from is not none else none) }}
{%- endmacro %}
