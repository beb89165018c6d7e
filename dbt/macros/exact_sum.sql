{#- sum() over doubles depends on the order rows arrive in, which DuckDB does not fix (an
    incremental merge reorders a table), so two identical runs could differ in the last bits.
    Summing fixed-point decimals is exact, hence order-independent; 4 decimal places of a USD
    amount is far below anything the marts report; returns take scale=18. -#}
{% macro exact_sum(expression, scale=4) -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}


{#- corr(y, x) and regr_slope(y, x), order-independent for the same reason (DuckDB's streaming
    co-moment updates depend on the order rows arrive in, and a window run reads fewer rows
    than a full rebuild): exact decimal sums over the pairs where both are known (x and y to 12
    places), combined in double. Null with fewer than two pairs or no variance. -#}
{% macro _exact_paired_sums(y, x) -%}
    {%- set both = "(" ~ y ~ ") is not null and (" ~ x ~ ") is not null" -%}
    {%- set dx = "cast(" ~ x ~ " as decimal(18, 12))" -%}
    {%- set dy = "cast(" ~ y ~ " as decimal(18, 12))" -%}
    {{ return({
        'n': "cast(count(*) filter (where " ~ both ~ ") as double)",
        'sx': "cast(sum(" ~ dx ~ ") filter (where " ~ both ~ ") as double)",
        'sy': "cast(sum(" ~ dy ~ ") filter (where " ~ both ~ ") as double)",
        'sxx': "cast(sum(" ~ dx ~ " * " ~ dx ~ ") filter (where " ~ both ~ ") as double)",
        'syy': "cast(sum(" ~ dy ~ " * " ~ dy ~ ") filter (where " ~ both ~ ") as double)",
        'sxy': "cast(sum(" ~ dx ~ " * " ~ dy ~ ") filter (where " ~ both ~ ") as double)",
    }) }}
{%- endmacro %}

{% macro exact_corr(y, x) -%}
    {%- set s = _exact_paired_sums(y, x) -%}
    case when {{ s.n }} >= 2 then ({{ s.n }} * {{ s.sxy }} - {{ s.sx }} * {{ s.sy }}) / nullif(sqrt(
        greatest({{ s.n }} * {{ s.sxx }} - {{ s.sx }} * {{ s.sx }}, 0) * greatest({{ s.n }} * {{ s.syy }} - {{ s.sy }} * {{ s.sy }}, 0)
    ), 0) end
{%- endmacro %}

{% macro exact_regr_slope(y, x) -%}
    {%- set s = _exact_paired_sums(y, x) -%}
    case when {{ s.n }} >= 2 then ({{ s.n }} * {{ s.sxy }} - {{ s.sx }} * {{ s.sy }})
        / nullif({{ s.n }} * {{ s.sxx }} - {{ s.sx }} * {{ s.sx }}, 0) end
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
