{#-
The first day a quarter's capex may be used: no look-ahead, like share counts.

- With a filing date, the quarter is public from that day.
- Without one (yfinance gives only the period end), it is not used before the latest date the
  SEC allows for the report that publishes it: vars `capex_unfiled_10q_lag_days` (default 45,
  the 10-Q deadline of a non-accelerated filer) for fiscal quarters 1-3 and
  `capex_unfiled_10k_lag_days` (default 90, the 10-K deadline) for fiscal Q4. The deadlines of
  the smallest filers, on purpose: the watchlist's large accelerated filers file within 40 and
  60 days, so a figure is at worst used a few weeks late, never before anyone could read it.
-#}
{% macro capex_known_from(filing_date, period_end, fiscal_quarter) -%}
    cast(coalesce(
        {{ filing_date }},
        {{ period_end }} + to_days(cast(case when {{ fiscal_quarter }} = 4
            then {{ var('capex_unfiled_10k_lag_days', 90) }}
            else {{ var('capex_unfiled_10q_lag_days', 45) }} end as integer))
    ) as date)
{%- endmacro %}
