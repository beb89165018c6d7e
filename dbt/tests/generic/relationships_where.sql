{#- Like `relationships`, against the parent rows that satisfy `to_condition` only: fails for
    each non-null value of the column that no such parent row has. `model` may come as a
    subquery with dbt's alias (a `where` config, macros/get_where_subquery.sql): selected from
    as is, never aliased again. -#}
{% test relationships_where(model, column_name, to, field, to_condition='true') %}
select child.{{ column_name }}
from (select * from {{ model }}) as child
left join (
    select distinct {{ field }} as parent_key from {{ to }} where {{ to_condition }}
) as parent
    on child.{{ column_name }} = parent.parent_key
where child.{{ column_name }} is not null
  and parent.parent_key is null
{% endtest %}
