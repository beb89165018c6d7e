{#-
Which rows of fct_daily_market_cap a build recomputes, and which lake rows it reads to do so.
The model (dbt/models/marts/fct_daily_market_cap.sql) is plain SQL over the bounds decided here;
docs/PERFORMANCE.md, "Incremental fct_daily_market_cap", has the measurements.

- no window (no `prices_start`/`prices_end` vars), `--full-refresh`, or no table yet:
  everything is rebuilt from the lake, as a plain table would be;
- `--vars '{"prices_start": "2025-01-27", "prices_end": "2025-01-31"}'` (ISO dates, inclusive;
  Dagster runs set SHOCKWATCH_PRICES_START / _END instead, which dbt's partial parsing tracks):
  only these rows are recomputed, from the lake:
    * every row whose trade_date is in the window (rows of the window that are no longer
      in the lake are deleted first, by the model's pre-hook);
    * each ticker's first row after the window, whose prev_close / pct_change /
      market_cap_change_usd depend on the window's last close;
  each recomputed row reads its ticker's previous row from the lake (also when it lies
  before the window), so the window's first day is right. The previous / next row is
  looked up within `lookaround_days` of the window (file pruning on the lake's trade_date=
  folders); a ticker without one there is looked up across the whole lake instead.
- share counts: the counts the table was built with are kept beside it
  (<target schema>.fct_daily_market_cap__shares_built, never published; the model's post-hook
  writes it). When the lake's counts differ from them (a new filing, a revision), the window
  is widened to start at the earliest known_from that changed and to run to the end of the
  lake, so a window run never leaves a market cap computed with a superseded count.
With these rules a window run gives exactly the rows a full rebuild gives, provided that
price partitions change only through runs whose window covers them (the raw prices asset
rewrites exactly its partitions, and daily_pipeline passes them as the window).

Two macros: market_cap_price_window() says what the run asked for, market_cap_window() what
the model recomputes (is_incremental(), the probes: they query the warehouse). Both answer at
run time only: no model's config and no file's parse depends on the window (the hooks are
rendered at run time, and should_full_refresh() turns "no window" into a full rebuild), so
dbt's partial parsing keeps every file when the window changes, as it does on every run.
-#}

{#- The window the run asked for: none (no vars), or {'start': 'YYYY-MM-DD', 'end': ...}.
    ISO dates only: they end up in SQL literals, and a bad value fails here, when the first
    model that reads it is compiled. None while dbt parses: a file whose parse read the
    environment variables would be parsed again whenever they change (dbt's partial parsing
    tracks them per file), i.e. on every run. -#}
{% macro market_cap_price_window() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {#- --vars (the dbt CLI) win over the environment (Dagster runs: assets/dbt.py says why) -#}
    {%- set window_start = var('prices_start', none) or (env_var('SHOCKWATCH_PRICES_START', '') or none) -%}
    {%- set window_end = var('prices_end', none) or (env_var('SHOCKWATCH_PRICES_END', '') or none) -%}
    {%- if (window_start is none) != (window_end is none) -%}
        {{ exceptions.raise_compiler_error("fct_daily_market_cap: pass both prices_start and prices_end, or neither") }}
    {%- endif -%}
    {%- if window_start is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = modules.datetime.date -%}
    {{ return({
        'start': day.fromisoformat(window_start | string).isoformat(),
        'end': day.fromisoformat(window_end | string).isoformat(),
    }) }}
{%- endmacro %}


{#- What this build recomputes: none for a full rebuild, else a dict of dates
      start, end:          the trade dates recomputed (end 9999-12-31: to the end of the lake);
      scan_from, scan_to:  the lake rows read (the window, its tickers' previous and next rows).
    price_window: market_cap_price_window(); shares_state: the relation of the counts the table
    was built with. Must be called from the model (is_incremental() reads its `this`). -#}
{% macro market_cap_window(price_window, shares_state, lookaround_days=14) -%}
    {%- if price_window is none or not is_incremental() or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = modules.datetime.date -%}
    {%- set start = day.fromisoformat(price_window.start) -%}
    {%- set end = day.fromisoformat(price_window.end) -%}
    {%- if start > end -%}
        {{ exceptions.raise_compiler_error("fct_daily_market_cap: prices_start " ~ start ~ " is after prices_end " ~ end) }}
    {%- endif -%}

    {#- Share counts that differ from those the table was built with widen the window.
        A fingerprint (count and sum of row hashes) says whether anything changed; only
        then is the earliest changed known_from looked up. -#}
    {%- set counts_sql = "select ticker, known_from, as_of_date, shares, measure from " -%}
    {%- if adapter.get_relation(database=shares_state.database, schema=shares_state.schema,
                                identifier=shares_state.identifier) is none -%}
        {%- set changed_from = day(1, 1, 1) -%}
    {%- else -%}
        {%- set fingerprint = "select count(*) || ':' || sum(hash(ticker, known_from, as_of_date, shares, measure)::hugeint) from " -%}
        {%- set same = run_query("select (" ~ fingerprint ~ ref('stg_shares_outstanding') ~ ") = ("
                                 ~ fingerprint ~ shares_state ~ ")").columns[0].values()[0] -%}
        {%- set changed_from = none -%}
        {%- if not same -%}
            {%- set changed_from = run_query(
                "select min(known_from) from ((" ~ counts_sql ~ ref('stg_shares_outstanding') ~ " except all "
                ~ counts_sql ~ shares_state ~ ") union all (" ~ counts_sql ~ shares_state ~ " except all "
                ~ counts_sql ~ ref('stg_shares_outstanding') ~ "))").columns[0].values()[0] -%}
        {%- endif -%}
    {%- endif -%}
    {%- if changed_from is not none -%}
        {%- set start = [start, changed_from] | min -%}
        {%- set end = day(9999, 12, 31) -%}
        {{ log("fct_daily_market_cap: share counts changed from " ~ changed_from ~ "; recomputing " ~ start ~ " onwards", info=true) }}
    {%- endif -%}

    {#- Does every ticker find its previous / next row within lookaround_days of the window?
        (one scan of the lake's folders around the window) -#}
    {#- start is 0001-01-01 when the share-count state is missing: nothing lies before it -#}
    {%- set near_from = start - modules.datetime.timedelta(days=lookaround_days) if start.year > 1 else start -%}
    {%- set near_to = end + modules.datetime.timedelta(days=lookaround_days) if end.year < 9999 else end -%}
    {%- set probe = run_query(
        "select count(*) filter (where in_window and not has_prev),"
        ~ " count(*) filter (where (in_window or has_prev) and not has_next)"
        ~ " from (select ticker,"
        ~ " bool_or(trade_date between date '" ~ start ~ "' and date '" ~ end ~ "') as in_window,"
        ~ " bool_or(trade_date < date '" ~ start ~ "') as has_prev,"
        ~ " bool_or(trade_date > date '" ~ end ~ "') as has_next"
        ~ " from " ~ ref('stg_prices')
        ~ " where trade_date between date '" ~ near_from ~ "' and date '" ~ near_to ~ "' group by ticker)"
    ).rows[0] -%}
    {#- a ticker without a previous (next) row nearby: look across the whole lake before (after) -#}
    {{ return({
        'start': start,
        'end': end,
        'scan_from': near_from if probe[0] == 0 else day(1, 1, 1),
        'scan_to': near_to if probe[1] == 0 else day(9999, 12, 31),
    }) }}
{%- endmacro %}
