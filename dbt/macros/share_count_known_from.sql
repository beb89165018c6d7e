{#-
The first trade date a share count may be used: no look-ahead, ever.

- With a filing date, the count is public from that day.
- Without one (a vendor that gives only the date a count describes), it is not used before
  the latest date the SEC allows for the periodic report that would publish it: var
  `shares_unfiled_lag_days`, default 120 days after the as-of date (the 20-F deadline, four
  months after the period; 10-Q 40-45 days and 10-K 60-90 days come earlier). Conservative
  on purpose: a count used late moves a market cap by a share buyback's worth, a count used
  before it was public moves it with knowledge nobody had.
-#}
{% macro share_count_known_from(filing_date, as_of_date) -%}
    cast(coalesce(
        {{ filing_date }},
        {{ as_of_date }} + to_days(cast({{ var('shares_unfiled_lag_days', 120) }} as integer))
    ) as date)
{%- endmacro %}
