{#- sum() over doubles depends on the order rows arrive in, which DuckDB does not fix (an
    incremental merge reorders a table), so two identical runs could differ in the last bits.
    Summing fixed-point decimals is exact, hence order-independent; 4 decimal places of a USD
    amount is far below anything the marts report. -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 4))) as double)
{%- endmacro %}


{#- stddev_samp() over a window frame, order-independent for the same reason: DuckDB
    aggregates a frame through a segment tree whose shape depends on where the partition
    starts, so an incremental build (which reads a partition from a few months back) and a full
    rebuild differed in the last bit. Exact decimal sums of x and x² (x to 12 places, far below
    any figure the marts report) give sqrt((n·Σx² − (Σx)²) / (n(n−1))), the sample standard
    deviation, from the same exact numbers either way. Null below two values, as stddev_samp. -#}
{% macro exact_stddev_samp(expression, window_name) -%}
    {%- set x = "cast(" ~ expression ~ " as decimal(18, 12))" -%}
    case when count({{ x }}) over {{ window_name }} >= 2 then sqrt(greatest(cast(
        count({{ x }}) over {{ window_name }} * sum({{ x }} * {{ x }}) over {{ window_name }}
        - sum({{ x }}) over {{ window_name }} * sum({{ x }}) over {{ window_name }} as double), 0)
        / (count({{ x }}) over {{ window_name }} * (count({{ x }}) over {{ window_name }} - 1))) end
{%- endmacro %}
