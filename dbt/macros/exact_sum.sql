{#- sum() over doubles depends on the order rows arrive in, which DuckDB does not fix (an
    incremental merge reorders a table), so two identical runs could differ in the last bits.
    Summing fixed-point decimals is exact, hence order-independent; 4 decimal places of a USD
    amount is far below anything the marts report. -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 4))) as double)
{%- endmacro %}
