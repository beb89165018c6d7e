{#-
dbt's should_full_refresh() (its global project, materializations/configs.sql), which the
incremental materialization and is_incremental() ask, plus one rule: a model configured
`rebuild_without_price_window` (the marts that follow the price window: windowed_mart_config,
fct_daily_market_cap, fct_abnormal_returns) is rebuilt whole on a build without a price window.

That rule used to be the models' `full_refresh` config, computed from the window. A config is
read while dbt parses, so every model that set it depended on the window at parse time, and
dbt's partial parsing re-parsed them (and the schema files of their tests) whenever the window
changed: on every daily run (1.7 s of the case study's, docs/PERFORMANCE.md). Here the window
is read when the model runs. A root-project macro named like a global one replaces it (as
get_where_subquery.sql does); `full_refresh` set on a model and `--full-refresh` still win.
-#}
{% macro should_full_refresh() %}
    {%- if config.get('full_refresh') is not none -%}
        {{ return(config.get('full_refresh')) }}
    {%- endif -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(config.get('rebuild_without_price_window', false) and market_cap_price_window() is none) }}
{% endmacro %}
