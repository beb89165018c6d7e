"""Everything one shock's dossier shows, read from the published marts (read-only).

One `ShockDossier` per row of fct_shocks: the headline (fct_shocks), the epicenter's event
study (fct_event_study), the CAR paths of the epicenter and the members over sessions
[−5, +10], who was hit (fct_shock_spillover, with recovered_on), news per day (fct_news_daily)
and the headlines (fct_news_mentions), the highlighted apps' chart path (fct_app_rank_daily),
curated events (fct_event_timeline), what it did to named holders (fct_holder_impact) and
the capex context (lib/capex_context.py). Rendering is dossier.py's job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dagster_project.lib.capex_context import CapexQuarter, capex_context, capex_filed_after

PATH_DAYS = (-5, 10)  # the chart's sessions around day 0
NEWS_DAYS = (-5, 5)  # calendar days of the news table
APP_DAYS = (-7, 7)  # calendar days of the app-chart path
HEADLINES = 40

SHOCK_COLUMNS = (
    "shock_id, trade_date, epicenter_ticker, epicenter_ar, epicenter_sar, epicenter_abnormal_value_usd, "
    "members, member_count, abnormal_value_usd, news_spike, app_rank_signals, curated_events, dossier_path"
)
SESSIONS_SQL = "select distinct trade_date from marts.fct_daily_market_cap order by trade_date"
STUDY_SQL = """
select window_name, sessions, is_partial, car_market_model, t_stat, abnormal_value_usd, is_significant
from marts.fct_event_study where event_id = ? and ticker = ? order by window_end, window_start
"""
# day 0's market model for every day of the path, as fct_event_study does
PATH_SQL = """
select a.ticker, a.trade_date, a.ret - (p.alpha + p.beta * a.benchmark_ret) as ar
from marts.fct_abnormal_returns as a
inner join marts.fct_event_study as p
    on p.ticker = a.ticker and p.event_id = ? and p.window_name = '[0,0]' and p.alpha is not null
where a.ticker in (select unnest(?::varchar[])) and a.trade_date between ? and ?
"""
SPILLOVER_SQL = """
select s.ticker, c.company_name, s.is_epicenter, s.same_day_ar, s.same_day_sar, s.car_0_1, s.corr_60d,
       s.beta_to_epicenter, s.recovered_on
from marts.fct_shock_spillover as s
left join marts.dim_company as c using (ticker)
where s.shock_id = ?
order by s.is_epicenter desc, s.same_day_ar nulls last, s.ticker
"""
NEWS_SQL = """
select entity, news_date, article_count, spike_score
from marts.fct_news_daily
where news_date between ? and ?
  and (entity in (select unnest(?::varchar[]))
       or entity in (select entity from marts.fct_news_daily where news_date between ? and ? and spike_score >= 2))
order by entity, news_date
"""
HEADLINES_SQL = """
select published_at, string_agg(distinct entity, ', ' order by entity) as entities, title, publisher, url
from marts.fct_news_mentions
where published_date between ? and ? and entity in (select unnest(?::varchar[]))
group by item_id, published_at, title, publisher, url
order by published_at, title
limit ?
"""
APPS_SQL = """
select a.display_name, r.country, r.chart, r.snapshot_date, r.rank
from marts.fct_app_rank_daily as r
inner join marts.dim_app as a using (app_id)
where a.is_highlighted and r.snapshot_date between ? and ?
order by a.display_name, r.country, r.chart, r.snapshot_date
"""
CURATED_SQL = """
select event_date, entity, title, url, source
from marts.fct_event_timeline
where event_type = 'curated' and event_date between ? and ?
order by event_date, entity, title
"""
HOLDERS_SQL = """
select holder, ticker, shares, shares_as_of_date, scope, close, prev_close, holding_value_usd, value_change_usd,
       source_url
from marts.fct_holder_impact
where trade_date = ?
order by value_change_usd, holder
"""


@dataclass(frozen=True)
class Shock:
    shock_id: str
    trade_date: dt.date
    epicenter: str
    epicenter_ar: float | None
    epicenter_sar: float | None
    epicenter_abnormal_value_usd: float | None
    members: str | None
    member_count: int
    abnormal_value_usd: float | None
    news_spike: float | None
    app_rank_signals: str | None
    curated_events: int
    dossier_path: str

    @property
    def member_list(self) -> list[str]:
        return self.members.split(",") if self.members else []


@dataclass(frozen=True)
class ShockDossier:
    shock: Shock
    company: str | None
    study: list[tuple]  # window_name, sessions, is_partial, car, t_stat, abnormal_value_usd, is_significant
    car_paths: dict[str, list[tuple[int, float]]]  # ticker -> (event day, CAR since day -1)
    spillover: list[tuple]
    news_days: list[dt.date]
    news: dict[str, dict[dt.date, tuple[int, float | None]]]  # entity -> day -> (articles, spike)
    headlines: list[tuple]
    app_days: list[dt.date]
    apps: dict[str, dict[dt.date, int | None]]  # "DeepSeek (US top-free)" -> day -> rank
    curated: list[tuple]
    holders: list[tuple]
    capex_known: list[CapexQuarter]
    capex_after: list[tuple]
    capex_days: int = 14

    @property
    def epicenter_recovered_on(self) -> dt.date | None:
        return next((row[8] for row in self.spillover if row[2]), None)


def list_shocks(con, start: dt.date | None = None, end: dt.date | None = None) -> list[Shock]:
    # no window: every shock (bounds wide enough for any session; values are bound, never pasted)
    bounded = start is not None and end is not None
    params = [start, end] if bounded else [dt.date.min, dt.date.max]
    sql = f"select {SHOCK_COLUMNS} from marts.fct_shocks where trade_date between ? and ? order by trade_date"
    return [Shock(*row) for row in con.execute(sql, params).fetchall()]


def _session(sessions: list[dt.date], day: dt.date, offset: int) -> dt.date:
    """The session `offset` sessions from `day` (clamped to the lake's first and last)."""
    i = sessions.index(day) + offset
    return sessions[min(max(i, 0), len(sessions) - 1)]


def car_paths(rows: list[tuple], sessions: list[dt.date], day0: dt.date) -> dict[str, list[tuple[int, float]]]:
    """Cumulative ARs per ticker, zero at day −1: day k >= 0 sums days 0..k (so day 0 is the
    day's AR and day +5 is fct_event_study's [0,+5]); day k < 0 is minus the ARs of k+1..−1."""
    index = {d: i for i, d in enumerate(sessions)}
    zero = index[day0]
    by_ticker: dict[str, dict[int, float]] = {}
    for ticker, day, ar in rows:
        if ar is not None:
            by_ticker.setdefault(ticker, {})[index[day] - zero] = ar
    paths = {}
    for ticker, ars in by_ticker.items():
        points, total = [], 0.0
        for k in range(0, PATH_DAYS[1] + 1):
            if k in ars:
                total += ars[k]
                points.append((k, total))
        points.append((-1, 0.0))  # the anchor: nothing cumulated before day 0
        total = 0.0
        for k in range(-1, PATH_DAYS[0], -1):  # CAR(k - 1) = −(AR(k) + … + AR(−1))
            if k in ars:
                total += ars[k]
                points.append((k - 1, -total))
        paths[ticker] = sorted(points)
    return paths


def load_shock_dossier(con, shock: Shock, sessions: list[dt.date] | None = None) -> ShockDossier:
    sessions = sessions or [r[0] for r in con.execute(SESSIONS_SQL).fetchall()]
    day = shock.trade_date
    tickers = list(dict.fromkeys([shock.epicenter, *shock.member_list]))
    company = con.execute("select company_name from marts.dim_company where ticker = ?", [shock.epicenter]).fetchone()

    first, last = _session(sessions, day, PATH_DAYS[0]), _session(sessions, day, PATH_DAYS[1])
    paths = car_paths(con.execute(PATH_SQL, [shock.shock_id, tickers, first, last]).fetchall(), sessions, day)

    news_days = [day + dt.timedelta(n) for n in range(NEWS_DAYS[0], NEWS_DAYS[1] + 1)]
    news: dict[str, dict] = {}
    near = [_session(sessions, day, -3), _session(sessions, day, 1)]
    for entity, news_date, count, spike in con.execute(
        NEWS_SQL, [news_days[0], news_days[-1], tickers, *near]
    ).fetchall():
        news.setdefault(entity, {})[news_date] = (count, spike)
    news = {e: v for e, v in news.items() if any(c for c, _ in v.values())}  # entities with no article: noise
    headlines = con.execute(
        HEADLINES_SQL, [_session(sessions, day, -1), day, sorted(news) or tickers, HEADLINES]
    ).fetchall()

    apps: dict[str, dict] = {}
    for name, country, chart, snapshot, rank in con.execute(
        APPS_SQL, [day + dt.timedelta(APP_DAYS[0]), day + dt.timedelta(APP_DAYS[1])]
    ).fetchall():
        apps.setdefault(f"{name} ({country.upper()} {chart})", {})[snapshot] = rank
    app_days = sorted({d for ranks in apps.values() for d in ranks})

    return ShockDossier(
        shock=shock,
        company=company[0] if company else None,
        study=con.execute(STUDY_SQL, [shock.shock_id, shock.epicenter]).fetchall(),
        car_paths=paths,
        spillover=con.execute(SPILLOVER_SQL, [shock.shock_id]).fetchall(),
        news_days=news_days,
        news=news,
        headlines=headlines,
        app_days=app_days,
        apps=apps,
        # fct_shocks counts the curated events of sessions [−3, +1]
        curated=con.execute(CURATED_SQL, near).fetchall(),
        holders=con.execute(HOLDERS_SQL, [day]).fetchall(),
        capex_known=capex_context(con, day),
        capex_after=capex_filed_after(con, day, days=14),
    )
