{#-
The figures the Dagster UI shows on a model's materialization, written by dbt itself as it
finishes each model (a post-hook on every model and seed, dbt_project.yml): the relation's row
count, and for a mart its latest rows (by its first date column, then its first four columns).
One JSON file each, in the folder the Dagster step names (SHOCKWATCH_FIGURES_DIR), which
dagster_project/assets/dbt_metadata.py attaches to the model's output as dbt reports it.

Why dbt writes them: while dbt builds, it holds the DuckDB file, so no other process can read
a table until dbt exits. The step used to wait for that, then report every model at once; the
UI showed no model until the whole build had finished, and Dagster's handling of ~200 events
ran after dbt instead of beside it (docs/PERFORMANCE.md).

Only in a Dagster step: a dbt build without SHOCKWATCH_FIGURES_DIR (yours, the benchmarks'
bare build) runs no extra query. Read at run time only (`execute`), so the folder, new for
every step, never makes dbt re-parse a file.
-#}
{% macro write_dagster_figures() %}
    {%- set figures_dir = env_var('SHOCKWATCH_FIGURES_DIR', '') if execute else '' -%}
    {%- if figures_dir -%}
        {%- set path = (figures_dir ~ '/' ~ model.name) | replace("'", "''") -%}
        copy (select count(*) as row_count from {{ this }}) to '{{ path }}.count.json' (format json);
        {%- if model.resource_type == 'model' and model.fqn[1] == 'marts' %}
            copy (
                select * from {{ this }}
                order by {{ dagster_preview_order(this) }}
                limit {{ var('dagster_preview_rows', 10) }}
            ) to '{{ path }}.preview.json' (format json);
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#- The columns come from the mart's contract (every mart has one, and dbt builds a contracted
model's columns in the contract's order), not from asking the database: that query, one per mart,
cost the case study's build 0.2 s (six builds each way; the same previews, but for the order of rows
that tie on every sort key, which neither way fixes). A model
without declared columns still asks. -#}
{% macro dagster_preview_order(relation) %}
    {%- set declared = model.columns.values() | list -%}
    {%- if declared -%}
        {%- set columns = [] -%}
        {%- for column in declared -%}
            {%- do columns.append({'name': column.name, 'dtype': (column.data_type or '') | upper}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- endif -%}
    {%- set dates = columns | selectattr('dtype', 'equalto', 'DATE') | list -%}
    {%- set keys = [] -%}
    {%- if dates -%}
        {%- do keys.append(adapter.quote(dates[0].name) ~ ' desc') -%}
    {%- endif -%}
    {%- for column in columns[:4] -%}
        {%- do keys.append(adapter.quote(column.name)) -%}
    {%- endfor -%}
    {{ keys | join(', ') }}
{% endmacro %}
