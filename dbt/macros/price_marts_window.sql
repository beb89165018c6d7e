{#-
The marts built on fct_daily_market_cap (fct_market_moves, fct_theme_daily, and any later
price mart) follow its window: a window run recomputes their rows from the first trade date
fct_daily_market_cap recomputed, onwards; any other build rebuilds them whole.

Why "onwards" and not just the window: fct_daily_market_cap also recomputes each ticker's
first row after the window, and a changed return moves the trailing 60-session statistics of
fct_market_moves for the sessions after it. On a daily run the window is the newest session,
so "onwards" is that session alone; on a backfill of old history it is the rest of the
history, which is what depends on it.

Every dbt build appends a row to a ledger, <target schema>.price_marts__builds (never
published): build_id, the window asked for, and recomputed_from, the first date of the price
marts it recomputed (null: everything). The row is written when the build starts, so a build
whose first tests fail is still on it; fct_daily_market_cap's pre-hook sets recomputed_from
with the macro that decides its rows, inside its build's transaction. The publish step records
the last build_id it published in <target schema>.price_marts__published; the builds after it
are "pending": what the data tests (macros/get_where_subquery.sql) and the next publish must
still cover, until a build passes and is published.
-#}

{#- The ledger and the publish record, named from the target (a unit test compiles models with a `this` of its own) -#}
{% macro price_marts_ledger() -%}
    {%- set ledger = api.Relation.create(database=target.database, schema=target.schema,
                                         identifier='price_marts__builds') -%}
    {{ return(ledger) }}
{%- endmacro %}

{% macro price_marts_published() -%}
    {%- set published = api.Relation.create(database=target.database, schema=target.schema,
                                            identifier='price_marts__published') -%}
    {{ return(published) }}
{%- endmacro %}


{#- on-run-start (dbt_project.yml): every `dbt build` / `dbt run` appends its row first, before
    any test can fail: its window, and recomputed_from 9999-12-31 (no mart date yet; a build
    without a window: null, everything). fct_daily_market_cap's pre-hook then sets what it
    recomputes (market_cap_window(), as the model's body calls it: same arguments, same
    state, so the same answer), inside its build's transaction. -#}
{% macro record_price_build() -%}
    {%- if flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set window = market_cap_price_window() -%}
    create table if not exists {{ price_marts_ledger() }}
        (build_id bigint, window_start date, window_end date, recomputed_from date);
    insert into {{ price_marts_ledger() }}
    select
        coalesce(max(build_id), 0) + 1,
        {{ "date '" ~ window.start ~ "'" if window else "null" }},
        {{ "date '" ~ window.end ~ "'" if window else "null" }},
        {{ "date '9999-12-31'" if window else "null" }}
    from {{ price_marts_ledger() }}
{%- endmacro %}

{% macro record_market_cap_recomputed(price_window, shares_state) -%}
    {%- set recompute = market_cap_window(price_window, shares_state) -%}
    update {{ price_marts_ledger() }}
    set recomputed_from = {{ "date '" ~ recompute.start ~ "'" if recompute else "null" }}
    where build_id = (select max(build_id) from {{ price_marts_ledger() }})
{%- endmacro %}


{#- What the builds not yet published changed: none when nothing is known (no ledger: a
    warehouse from before it) or a build among them recomputed everything, else
    {'recomputed_from': date, 'window_start': date, 'window_end': date} over all of them. -#}
{% macro price_marts_pending() -%}
    {%- set ledger = price_marts_ledger() -%}
    {%- set published = price_marts_published() -%}
    {%- if adapter.get_relation(database=ledger.database, schema=ledger.schema, identifier=ledger.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set after = "0" -%}
    {%- if adapter.get_relation(database=published.database, schema=published.schema, identifier=published.identifier) is not none -%}
        {%- set after = "(select coalesce(max(build_id), 0) from " ~ published ~ ")" -%}
    {%- endif -%}
    {%- set row = run_query(
        "select count(*), count(*) filter (where recomputed_from is null or window_start is null),"
        ~ " min(recomputed_from), min(window_start), max(window_end)"
        ~ " from " ~ ledger ~ " where build_id > " ~ after).rows[0] -%}
    {%- if row[1] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {#- nothing pending: an empty range -#}
    {%- set never = modules.datetime.date(9999, 12, 31) -%}
    {{ return({'recomputed_from': row[2] or never, 'window_start': row[3] or never, 'window_end': row[4] or never}) }}
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
    {%- set ledger = price_marts_ledger() -%}
    {%- if adapter.get_relation(database=ledger.database, schema=ledger.schema, identifier=ledger.identifier) is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {#- this build's row of the ledger (fct_daily_market_cap's pre-hook wrote it) -#}
    {%- set recomputed_from = run_query("select recomputed_from from " ~ ledger
                                        ~ " order by build_id desc limit 1").columns[0].values()[0] -%}
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
    {%- set recompute = "{% set recompute_from = price_marts_window(members=" ~ members ~ ") %}" -%}
    {{ return(windowed_mart_config(
        unique_key,
        pre_hook=[recompute ~ "{% if recompute_from %}delete from {{ this }}"
                  ~ " where trade_date >= date '{{ recompute_from }}'{% endif %}"],
        post_hook=["create or replace table {{ price_marts_members_state() }} as"
                   ~ " select ticker, theme, is_benchmark from {{ ref('dim_company') }}"] if members else [],
    )) }}
{%- endmacro %}


{#- What every mart that follows the price window shares: delete+insert of its unique key
    (the pre-hook deletes what it recomputes first, so rows that no longer exist go too), a
    full rebuild when the build has no window (rebuild_without_price_window: read by
    should_full_refresh() at run time). The hooks are rendered at run time and render to
    nothing without a window. -#}
{% macro windowed_mart_config(unique_key, pre_hook, post_hook) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'rebuild_without_price_window': true,
        'pre_hook': pre_hook,
        'post_hook': post_hook,
    }) }}
{%- endmacro %}
