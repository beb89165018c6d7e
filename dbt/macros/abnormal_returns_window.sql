{#-
Which rows of fct_abnormal_returns a build recomputes, and which rows of fct_daily_market_cap
it reads to do so (dbt/models/marts/fct_abnormal_returns.sql).

A row's market model is estimated over the ticker's sessions [-250, -11] before it, so a
changed return moves the ticker's own row and the estimates of its next 250 sessions (and a
changed benchmark return those of every ticker). A window run (vars prices_start / prices_end,
like fct_daily_market_cap) therefore:
  * recomputes every row from prices_start to the end of the lake (the pre-hook deletes them
    first): for a daily run at the end of the lake that is just its sessions; a correction
    further back recomputes what it really changes, and the rest up to today, exactly;
  * reads the rows from `scan_from` on: the `lookback_sessions` sessions of the lake before
    prices_start, enough for each ticker's 250 preceding rows; if some ticker that has rows
    before scan_from has fewer than 250 rows between scan_from and prices_start (a ticker
    with gaps), it reads the whole history instead.
With these rules a window run gives exactly the rows a full rebuild gives.

`by_join`: the recomputed rows span at most `join_max_sessions` sessions (a daily run, a
week's catch-up), so the model sums each one's estimation window by a join instead of sliding
the window over the whole scan (docs/PERFORMANCE.md: 0.48 s instead of 1.5 s for one session of
5,000 tickers; the join costs rows x 240, so past ~10 sessions the sliding window is cheaper).
-#}
{% macro abnormal_returns_window(price_window, returns_relation, frame_rows=250, lookback_sessions=260,
                                 join_max_sessions=5) -%}
    {%- if price_window is none or not is_incremental() or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set start = price_window.start -%}
    {%- set scan_from = run_query(
        "select min(trade_date) from (select distinct trade_date from " ~ returns_relation
        ~ " where trade_date < date '" ~ start ~ "' order by trade_date desc limit " ~ lookback_sessions ~ ")"
    ).columns[0].values()[0] -%}
    {%- set sessions = run_query(
        "select count(distinct trade_date) from " ~ returns_relation ~ " where trade_date >= date '" ~ start ~ "'"
    ).columns[0].values()[0] -%}
    {%- set by_join = sessions <= join_max_sessions -%}
    {%- if scan_from is none -%}
        {{ return({'start': start, 'scan_from': '0001-01-01', 'by_join': by_join}) }}
    {%- endif -%}
    {%- set short = run_query(
        "select count(*) from (select ticker,"
        ~ " count(*) filter (where trade_date >= date '" ~ scan_from ~ "' and trade_date < date '" ~ start ~ "') as rows_before,"
        ~ " bool_or(trade_date < date '" ~ scan_from ~ "') as has_older,"
        ~ " bool_or(trade_date >= date '" ~ start ~ "') as recomputed"
        ~ " from " ~ returns_relation ~ " group by ticker)"
        ~ " where recomputed and has_older and rows_before < " ~ frame_rows
    ).columns[0].values()[0] -%}
    {{ return({'start': start, 'scan_from': scan_from if short == 0 else '0001-01-01', 'by_join': by_join}) }}
{%- endmacro %}
