{#- Fails for rows where `expression` (SQL over the model's columns) is false. Nulls pass, as
    in dbt_utils.expression_is_true (no dbt packages here: the hub is out of reach). -#}
{% test expression_is_true(model, column_name=none, expression='true') %}
select *
from {{ model }}
where not coalesce(({{ expression }}), true)
{% endtest %}
