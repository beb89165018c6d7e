-- Abnormal daily moves: |return| >= 3x the trailing 60-session standard deviation of the
-- ticker's returns (needs 20 prior returns), or >= 10% outright.
--
-- Incremental with fct_daily_market_cap's price window (macros/price_marts_window.sql): a
-- window run recomputes the dates from the first one fct_daily_market_cap recomputed, reading
-- each ticker's 60 rows before them for the trailing statistics; any other build, everything.
{{ config(**price_mart_config(['ticker', 'trade_date'])) }}

{%- set recompute_from = price_marts_window() %}
{#- how far back a ticker's 60 previous rows are looked for first (60 sessions ~ 87 days) -#}
{%- set lookback_days = 120 %}

with
{% if recompute_from %}
{%- set lookback_from = recompute_from - modules.datetime.timedelta(days=lookback_days) if recompute_from.year > 1 else recompute_from %}
{#- does every recomputed ticker find its 60 previous rows within lookback_days (or has it
    no older rows: a new listing)? else read all history -#}
{%- set short = run_query(
    "with near as (select ticker, count(*) filter (where trade_date < date '" ~ recompute_from ~ "') as before_n,"
    ~ " bool_or(trade_date >= date '" ~ recompute_from ~ "') as recomputed"
    ~ " from " ~ ref('fct_daily_market_cap') ~ " where trade_date >= date '" ~ lookback_from ~ "' group by ticker)"
    ~ " select count(*) from near where recomputed and before_n < 60 and exists (select 1 from "
    ~ ref('fct_daily_market_cap') ~ " as older where older.ticker = near.ticker"
    ~ " and older.trade_date < date '" ~ lookback_from ~ "')"
).columns[0].values()[0] if recompute_from.year > 1 else 0 %}
{%- set read_from = lookback_from if short == 0 else "0001-01-01" %}
{% endif %}
-- the rows recomputed and the 60 before them (within the lookback, else all history); all rows on a full build
history as (
    select
        ticker,
        trade_date,
        pct_change,
        market_cap_change_usd,
        value_change_usd
    from {{ ref('fct_daily_market_cap') }}
    {% if recompute_from %}where trade_date >= date '{{ read_from }}'{% endif %}
),

returns as (
    select
        ticker,
        trade_date,
        pct_change,
        market_cap_change_usd,
        value_change_usd,
        {{ exact_stddev_samp('pct_change', 'prior_60') }} as trailing_60d_std,
        count(pct_change) over prior_60 as trailing_returns
    from history
    window prior_60 as (partition by ticker order by trade_date rows between 60 preceding and 1 preceding)
)

select
    ticker,
    trade_date,
    pct_change,
    market_cap_change_usd,
    trailing_60d_std,
    abs(pct_change) / nullif(trailing_60d_std, 0) as sigma_multiple,
    case
        when abs(pct_change) >= 0.10 then 'abs_move_10pct'
        else 'three_sigma'
    end as reason,
    value_change_usd
from returns
where
    pct_change is not null
    and (
        abs(pct_change) >= 0.10
        or (trailing_returns >= 20 and abs(pct_change) >= 3 * trailing_60d_std)
    )
{% if recompute_from %}
    and trade_date >= date '{{ recompute_from }}'
{% endif %}
