{#-
Daily abnormal returns per ticker: the market model of MacKinlay (1997), "Event Studies in
Economics and Finance", J. Econ. Lit. 35(1), eq. (1)-(2) and (7)-(8): R_it = a_i + b_i R_mt + e_it,
estimated by OLS over the ticker's sessions [-250, -11] before the day (at least 120 paired
observations, else null), AR = R - (a + b R_m); the market-adjusted return is R - R_m.

Incremental by the price window like fct_daily_market_cap: macro abnormal_returns_window()
(dbt/macros/abnormal_returns_window.sql) says which rows a window run recomputes and reads.
-#}
{%- set price_window = market_cap_price_window() -%}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['ticker', 'trade_date'],
    on_schema_change='fail',
    rebuild_without_price_window=true,
    pre_hook=["{% set w = market_cap_price_window() %}{% if w and is_incremental() %}delete from {{ this }}"
              ~ " where trade_date >= date '{{ w.start }}'{% endif %}"],
) }}

{#- the estimation window, sessions [-250, -11] before the day: one definition for both ways of
    summing it below and for the rows a window run must read -#}
{%- set frame_first, frame_last = 250, 11 %}
{%- set recompute = abnormal_returns_window(price_window, ref('fct_daily_market_cap'), frame_rows=frame_first) %}

with returns as (
    select
        ticker,
        trade_date,
        total_return
    from {{ ref('fct_daily_market_cap') }}
    {%- if recompute %}
    where trade_date >= date '{{ recompute.scan_from }}'
    {%- endif %}
),

-- every watchlist company is studied against its benchmark (var default_benchmark, SPY; a
-- company of var benchmarks, {"ASML": "QQQ"}, against its own); benchmarks themselves are not
{%- set default_benchmark = var('default_benchmark', 'SPY') | upper %}
{%- set benchmarks = var('benchmarks', {}) %}
companies as (
    select
        ticker,
        {%- if benchmarks %}
        case
            {%- for company, benchmark in benchmarks.items() %}
            when ticker = '{{ company | upper }}' then '{{ benchmark | upper }}'
            {%- endfor %}
            else '{{ default_benchmark }}'
        end as benchmark
        {%- else %}
        '{{ default_benchmark }}' as benchmark
        {%- endif %}
    from {{ ref('stg_companies') }}
    where not is_benchmark
),

paired as (
    select
        r.ticker,
        r.trade_date,
        c.benchmark,
        r.total_return as ret,
        b.total_return as benchmark_ret
    from returns as r
    inner join companies as c on r.ticker = c.ticker
    left join returns as b on c.benchmark = b.ticker and r.trade_date = b.trade_date
    where r.ticker != c.benchmark
),

-- The sums OLS needs, over the estimation window, of the sessions with both returns. In
-- fixed point (returns as integers of 1e-14; products and sums exact, in hugeint): integer
-- sums do not depend on the order DuckDB combines the frame in, so a window run, whose
-- partitions start later, gives bit for bit the estimates of a full rebuild (double sums,
-- or regr_slope, differ in the last bits).
pairs as (
    select
        *,
        case
            when ret is not null and benchmark_ret is not null then cast(round(benchmark_ret * 1e14) as bigint)
        end as x,
        case
            when ret is not null and benchmark_ret is not null then cast(round(ret * 1e14) as bigint)
        end as y
    from paired
),

{% if recompute and recompute.by_join %}
-- A window run of a few sessions: each recomputed row sums its own estimation window, joined
-- by row number within the scan (the scan holds each ticker's 250 rows before the window), so
-- only the recomputed rows are summed; the sliding window below sums every row of the scan,
-- ~260x as many on a daily run. The same integers either way, so the same estimates.
numbered as (
    select
        *,
        row_number() over (partition by ticker order by trade_date) as row_in_scan
    from pairs
),

sums as (
    select
        t.ticker,
        t.trade_date,
        t.benchmark,
        t.ret,
        t.benchmark_ret,
        count(e.x) as estimation_obs,
        cast(sum(e.x) as double) / 1e14 as sx,
        cast(sum(e.y) as double) / 1e14 as sy,
        cast(sum(cast(e.x as hugeint) * e.x) as double) / 1e28 as sxx,
        cast(sum(cast(e.x as hugeint) * e.y) as double) / 1e28 as sxy,
        cast(sum(cast(e.y as hugeint) * e.y) as double) / 1e28 as syy
    from numbered as t
    left join numbered as e
        on
            t.ticker = e.ticker
            and e.row_in_scan between t.row_in_scan - {{ frame_first }} and t.row_in_scan - {{ frame_last }}
    where t.trade_date >= date '{{ recompute.start }}'
    group by t.ticker, t.trade_date, t.benchmark, t.ret, t.benchmark_ret
),

{% else %}
sums as (
    select
        ticker,
        trade_date,
        benchmark,
        ret,
        benchmark_ret,
        count(x) over estimation as estimation_obs,
        cast(sum(x) over estimation as double) / 1e14 as sx,
        cast(sum(y) over estimation as double) / 1e14 as sy,
        cast(sum(cast(x as hugeint) * x) over estimation as double) / 1e28 as sxx,
        cast(sum(cast(x as hugeint) * y) over estimation as double) / 1e28 as sxy,
        cast(sum(cast(y as hugeint) * y) over estimation as double) / 1e28 as syy
    from pairs
    window estimation as (
        partition by ticker order by trade_date
        rows between {{ frame_first }} preceding and {{ frame_last }} preceding
    )
),
{%- endif %}

-- centred sums (MacKinlay eq. 2): S_xx = sum (x - mean x)^2, S_xy, S_yy
centred as (
    select
        *,
        sxx - sx * sx / estimation_obs as cxx,
        sxy - sx * sy / estimation_obs as cxy,
        syy - sy * sy / estimation_obs as cyy
    from sums
),

model as (
    select
        ticker,
        trade_date,
        benchmark,
        ret,
        benchmark_ret,
        estimation_obs,
        case when estimation_obs >= 120 then (sy - cxy / cxx * sx) / estimation_obs end as alpha,
        case when estimation_obs >= 120 then cxy / cxx end as beta,
        -- residual standard deviation, L1 - 2 degrees of freedom (MacKinlay eq. 8)
        case
            when estimation_obs >= 120
                then sqrt(greatest(cyy - cxy * cxy / cxx, 0) / (estimation_obs - 2))
        end as resid_std
    from centred
)

select
    ticker,
    trade_date,
    benchmark,
    ret,
    benchmark_ret,
    alpha,
    beta,
    resid_std,
    estimation_obs,
    ret - (alpha + beta * benchmark_ret) as ar_market_model,
    ret - benchmark_ret as ar_market_adjusted,
    (ret - (alpha + beta * benchmark_ret)) / nullif(resid_std, 0) as sar
from model
{%- if recompute %}
where trade_date >= date '{{ recompute.start }}'
{%- endif %}
