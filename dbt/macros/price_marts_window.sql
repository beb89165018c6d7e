{#-
The marts built on fct_daily_market_cap (fct_market_moves, fct_theme_daily, and any later
price mart) follow its window: a window run recomputes their rows from the first trade date
fct_daily_market_cap recomputed, onwards; any other build rebuilds them whole.

Why "onwards" and not just the window: fct_daily_market_cap also recomputes each ticker's
first row after the window, and a changed return moves the trailing 60-session statistics of
fct_market_moves for the sessions after it. On a daily run the window is the newest session,
so "onwards" is that session alone; on a backfill of old history it is the rest of the
history, which is what depends on it.

A window build of fct_daily_market_cap records what it recomputes in
<target schema>.fct_daily_market_cap__recomputed (never published): one row, recomputed_from,
null for a full rebuild. Its pre-hook writes it with the macro that decides the rows, on the
same state as the model's body, inside the build's transaction: exactly what the model did.
-#}

{#- The state relation, named from the target (a unit test compiles models with a `this` of its own) -#}
{% macro price_marts_state() -%}
    {%- set state = api.Relation.create(database=target.database, schema=target.schema,
                                        identifier='fct_daily_market_cap__recomputed') -%}
    {{ return(state) }}
{%- endmacro %}


{#- fct_daily_market_cap's pre-hook: what the build recomputes (market_cap_window(), as the
    model's body called it: same arguments, same state, so the same answer) -#}
{% macro record_market_cap_recomputed(price_window, shares_state) -%}
    {%- set recompute = market_cap_window(price_window, shares_state) -%}
    {%- set recomputed_from = "date '" ~ recompute.start ~ "'" if recompute else "null::date" -%}
    create or replace table {{ price_marts_state() }} as select {{ recomputed_from }} as recomputed_from
{%- endmacro %}


{#- For a mart downstream of fct_daily_market_cap: none (rebuild it whole), or the first trade
    date to recompute. Call it from the model (is_incremental() reads its `this`).
    members: the mart also depends on dim_company's themes; a watchlist change of them since
    the last build (price_marts_members_state()) recomputes every date. -#}
{% macro price_marts_window(members=false) -%}
    {%- set everything = modules.datetime.date(1, 1, 1) -%}
    {%- if market_cap_price_window() is none or not is_incremental() or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if members -%}
        {%- set built = price_marts_members_state() -%}
        {%- if adapter.get_relation(database=built.database, schema=built.schema, identifier=built.identifier) is none -%}
            {{ return(everything) }}
        {%- endif -%}
        {%- set fingerprint = "select count(*) || ':' || sum(hash(ticker, theme, is_benchmark)::hugeint) from " -%}
        {%- if not run_query("select (" ~ fingerprint ~ ref('dim_company') ~ ") is not distinct from ("
                             ~ fingerprint ~ built ~ ")").columns[0].values()[0] -%}
            {{ log(this.identifier ~ ": the watchlist's themes changed; recomputing every date", info=true) }}
            {{ return(everything) }}
        {%- endif -%}
    {%- endif -%}
    {%- set state = price_marts_state() -%}
    {%- if adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set recomputed_from = run_query("select recomputed_from from " ~ state).columns[0].values()[0] -%}
    {#- null: fct_daily_market_cap was rebuilt whole, so is everything on it -#}
    {{ return(recomputed_from if recomputed_from is not none else everything) }}
{%- endmacro %}


{#- The themes a members-dependent price mart was last built with (its post-hook writes it) -#}
{% macro price_marts_members_state() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
                                  identifier=this.identifier ~ '__members_built')) }}
{%- endmacro %}


{#- The incremental config every price mart shares: delete+insert of the recomputed dates
    (the pre-hook deletes them, so rows that no longer exist go too); a full rebuild without
    a window. -#}
{% macro price_mart_config(unique_key, members=false) -%}
    {%- set has_window = market_cap_price_window() is not none -%}
    {%- set recompute = "{% set recompute_from = price_marts_window(members=" ~ members ~ ") %}" -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'full_refresh': (true if not has_window else none),
        'pre_hook': [recompute ~ "{% if recompute_from %}delete from {{ this }}"
                     ~ " where trade_date >= date '{{ recompute_from }}'{% endif %}"] if has_window else [],
        'post_hook': ["create or replace table {{ price_marts_members_state() }} as"
                      ~ " select ticker, theme, is_benchmark from {{ ref('dim_company') }}"] if members else [],
    }) }}
{%- endmacro %}
