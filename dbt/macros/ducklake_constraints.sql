{#-
DuckLake stores no PRIMARY KEY or UNIQUE constraint (it has no indexes) and refuses a CREATE
TABLE that declares one. On the `ducklake` target (dbt/profiles.yml) the contracts' key
constraints are left out of the DDL; the `unique` data tests beside each of them still block
a duplicate key before anything is published. NOT NULL and the column types stay enforced.
On the DuckDB target the DDL is dbt's own, unchanged.
-#}
{% macro duckdb__get_table_columns_and_constraints() -%}
    {%- if target.name != 'ducklake' -%}
        {{ return(table_columns_and_constraints()) }}
    {%- endif -%}
    {%- set keys = ['primary_key', 'unique'] -%}
    {%- set columns = {} -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set kept = column.copy() -%}
        {%- do kept.update({'constraints': column.get('constraints', []) | rejectattr('type', 'in', keys) | list}) -%}
        {%- do columns.update({name: kept}) -%}
    {%- endfor -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(raw_columns=columns) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(
            raw_constraints=model.get('constraints', []) | rejectattr('type', 'in', keys) | list) -%}
    (
    {% for c in raw_column_constraints -%}
      {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}
