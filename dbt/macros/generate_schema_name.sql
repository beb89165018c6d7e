{#- Use the configured schema as is (`staging`, `marts`), not dbt's `<target>_<custom>`:
    analysts query marts.fct_daily_market_cap whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
