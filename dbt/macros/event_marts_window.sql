{#-
The event marts (int_shock_days, fct_event_study, fct_shock_spillover) follow the price
window like the price marts (price_marts_window.sql): a window run recomputes only what the
window's sessions can change; any other build rebuilds them whole. The rules, per mart:

- `from`: the first trade date whose abnormal return or market cap a build recomputed: the
  earlier of the window's start (fct_abnormal_returns recomputes from there to the end of the
  lake) and fct_daily_market_cap's recomputed_from (the ledger). 9999-12-31: nothing (a news
  or app-chart run).
- int_shock_days (a shock session from its own day's abnormal returns and the caps of the
  session before): the sessions from `from` on.
- fct_event_study (an event's day-0 market model, its abnormal returns on days -1..+10, the
  cap on day -1, and is_partial, which depends on the lake's last session): the events whose
  day 0 is one of the 10 sessions before `from`, or later. Its inputs besides prices are the
  curated events and the set of studied tickers: when either changed since the last build
  (a fingerprint kept beside the table, <mart>__inputs_built), every event is recomputed.
- fct_shock_spillover (day 0, day +1, the 60 sessions before day 0, and every session after
  day 0 until the CAR is undone): the shocks from the session before `from` on, and every older
  (shock, ticker) pair that had not recovered before `from` (the model reads them from itself).

With these rules a window run gives exactly the rows a full rebuild gives
(tests/dbt/test_event_study.py builds both ways and compares every row).
-#}

{#- none (rebuild whole) or {'from': date, 'minus_1': date, 'minus_10': date, 'minus_11': date}:
    `from` and the sessions 1, 10 and 11 before it (0001-01-01 where the lake has fewer).
    inputs_fingerprint: SQL of one value that must be unchanged since the last build. -#}
{% macro event_marts_window(inputs_fingerprint=none) -%}
    {%- set price_window = market_cap_price_window() -%}
    {%- if price_window is none or not is_incremental() or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = modules.datetime.date -%}
    {%- set everything = {'from': day(1, 1, 1), 'minus_1': day(1, 1, 1), 'minus_10': day(1, 1, 1), 'minus_11': day(1, 1, 1)} -%}
    {%- if inputs_fingerprint is not none -%}
        {%- set built = event_marts_inputs_state() -%}
        {%- if adapter.get_relation(database=built.database, schema=built.schema, identifier=built.identifier) is none -%}
            {{ return(everything) }}
        {%- endif -%}
        {%- if not run_query("select (" ~ inputs_fingerprint ~ ") is not distinct from (select fingerprint from "
                             ~ built ~ ")").columns[0].values()[0] -%}
            {{ log(this.identifier ~ ": curated events or studied tickers changed; recomputing every event", info=true) }}
            {{ return(everything) }}
        {%- endif -%}
    {%- endif -%}
    {%- set start = [day.fromisoformat(price_window.start), price_marts_window()] | min -%}
    {%- if start.year == 9999 -%}
        {{ return({'from': start, 'minus_1': start, 'minus_10': start, 'minus_11': start}) }}
    {%- endif -%}
    {%- if start.year == 1 -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set before = run_query(
        "select max(trade_date) filter (where n = 1), max(trade_date) filter (where n = 10),"
        ~ " max(trade_date) filter (where n = 11) from (select trade_date, row_number() over (order by trade_date desc) as n"
        ~ " from (select distinct trade_date from " ~ ref('fct_daily_market_cap')
        ~ " where trade_date < date '" ~ start ~ "'))").rows[0] -%}
    {{ return({
        'from': start,
        'minus_1': before[0] or day(1, 1, 1),
        'minus_10': before[1] or day(1, 1, 1),
        'minus_11': before[2] or day(1, 1, 1),
    }) }}
{%- endmacro %}


{#- The inputs fingerprint an event mart was last built with (its post-hook writes it) -#}
{% macro event_marts_inputs_state() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
                                  identifier=this.identifier ~ '__inputs_built')) }}
{%- endmacro %}


{#- The studied tickers and the curated events, as one value -#}
{% macro event_study_inputs_fingerprint() -%}
    {{ return("select count(*) || ':' || sum(hash(k)::hugeint) from (select distinct ticker as k from "
              ~ ref('fct_abnormal_returns') ~ " union all select concat_ws('|', event_date, entity, kind, title) from "
              ~ ref('curated_events') ~ ")") }}
{%- endmacro %}


{#- The incremental config of an event mart: delete+insert; the pre-hook deletes its rows
    whose `date_column` is on or after the window's `bound` ('from', 'minus_1', 'minus_10');
    a full rebuild without a window. fingerprint: the mart depends on the studied tickers and
    curated events (event_study_inputs_fingerprint()). -#}
{% macro event_mart_config(unique_key, date_column, bound, fingerprint=false) -%}
    {%- set inputs = "event_study_inputs_fingerprint()" if fingerprint else "none" -%}
    {%- set recompute = "{% set w = event_marts_window(" ~ inputs ~ ") %}" -%}
    {{ return(windowed_mart_config(
        unique_key,
        pre_hook=[recompute ~ "{% if w %}delete from {{ this }}"
                  ~ " where " ~ date_column ~ " >= date '{{ w['" ~ bound ~ "'] }}'{% endif %}"],
        post_hook=["create or replace table {{ event_marts_inputs_state() }} as"
                   ~ " select ({{ event_study_inputs_fingerprint() }}) as fingerprint"] if fingerprint else [],
    )) }}
{%- endmacro %}
