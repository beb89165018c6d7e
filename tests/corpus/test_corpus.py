"""The bad-input corpus (tests/corpus/cases.py) through the real code paths.

Each case goes through the code that must stop it in production: the price quarantine of
the prices asset, the shares asset and its blocking check, the live news adapter
(HttpClient + feedparser + normaliser) over a local HTTP server, the live App Store adapter,
the app-rank asset on a corrupted replay bundle, and the watchlist loader. Each must be
rejected, quarantined, dropped, failed or blocked with a message naming it, or stored only
sanitised / repaired. The last three tests run representative cases through whole pipeline
runs and check the published marts: the bad rows never reach them.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time

import pandas as pd
import pytest
from dagster import materialize

from dagster_project.assets.app_ranks import app_rank_snapshots
from dagster_project.assets.shares import shares_outstanding
from dagster_project.config.settings import load_settings
from dagster_project.config.source_config import ChartConfig, FeedConfig
from dagster_project.config.watchlist import WatchlistError, load_watchlist
from dagster_project.definitions import build_definitions
from dagster_project.quality import price_check_results, quarantine_bad_prices
from dagster_project.resources import sources_for
from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.http import HttpClient
from dagster_project.sources.news.live import LiveNewsSource
from dagster_project.sources.shares import SHARES_COLUMNS
from dagster_project.sources.shares.normalise import normalise_shares_full
from tests.corpus import cases as C
from tests.pipeline import check_results, query, run_pipeline, step_outcomes
from tests.reliability.helpers import write_watchlist
from tests.sources.app_charts.payloads import NOW, TODAY, legacy_path, v2_path

CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")
ALL_TABLES = (C.PRICE_CASES, C.SHARE_CASES, C.NEWS_CASES, C.APP_CASES, C.REPLAY_APP_CASES, C.WATCHLIST_CASES)


def test_the_corpus_has_at_least_30_distinct_cases():
    ids = [case[0] for table in ALL_TABLES for case in table]
    assert len(ids) >= 30
    assert len(ids) == len(set(ids)), "case ids repeat"


# ----------------------------------------------------------------------------- prices


def _bars(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["volume"] = frame["volume"].astype("Int64")
    return frame.assign(price_basis="split_adjusted", source="corpus", fetched_at=pd.Timestamp("2025-01-28", tz="UTC"))


@pytest.mark.parametrize("row, extra, reason, named", [c[1:] for c in C.PRICE_CASES], ids=[c[0] for c in C.PRICE_CASES])
def test_bad_price_row_is_quarantined_naming_it(row, extra, reason, named):
    good = [C.bar(t, d) for t in C.PRICE_TICKERS for d in C.PRICE_SESSIONS]
    rows = good + [row] if extra else [row if (b["ticker"], b["trade_date"]) == ("NVDA", C.JAN27) else b for b in good]

    kept, rejected = quarantine_bad_prices(_bars(rows), C.PRICE_TICKERS, C.PRICE_SESSIONS)

    # the line the prices asset logs for each quarantined row (and the row it writes to data/quarantine)
    messages = [f"quarantined price row {r.ticker} {r.trade_date}: {r.reason}" for r in rejected.itertuples()]
    assert len(messages) == 1, messages
    assert re.fullmatch(f"quarantined price row {re.escape(named)}: {reason}", messages[0]), messages[0]
    assert len(kept) == len(rows) - 1
    outcomes = {o.name: o for o in price_check_results(kept, C.PRICE_TICKERS, C.PRICE_SESSIONS, kept.iloc[0:0])}
    assert all(o.passed for o in outcomes.values() if o.blocking and o.name != "watchlist_complete")
    # a replaced bar leaves its session incomplete: the blocking completeness check names it
    assert outcomes["watchlist_complete"].passed is extra
    if not extra:
        assert outcomes["watchlist_complete"].sample == ["NVDA 2025-01-27"]


def test_lower_case_padded_ticker_alone_is_normalised_not_rejected():
    rows = [C.bar(t, d) for t in C.PRICE_TICKERS for d in C.PRICE_SESSIONS if (t, d) != ("NVDA", C.JAN27)]
    kept, rejected = quarantine_bad_prices(_bars(rows + [C.bar(" nvda ")]), C.PRICE_TICKERS, C.PRICE_SESSIONS)
    assert rejected.empty and sorted(set(kept["ticker"])) == ["AMD", "MSFT", "NVDA"] and len(kept) == 6


# ----------------------------------------------------------------------------- shares


class ScriptedShares:
    name = "corpus"

    def __init__(self, rows):
        self.rows = rows

    def fetch(self, tickers, start, end):
        frame = pd.DataFrame(self.rows).assign(fetched_at=pd.Timestamp("2025-01-28", tz="UTC"))
        return frame[SHARES_COLUMNS]


@pytest.mark.parametrize("rows, reason", [c[1:] for c in C.SHARE_CASES], ids=[c[0] for c in C.SHARE_CASES])
def test_bad_share_counts_are_quarantined_with_their_reason_and_never_written(replay_settings, rows, reason):
    sources = dataclasses.replace(sources_for(replay_settings), shares=ScriptedShares(rows))
    watchlist = load_watchlist(replay_settings.watchlist_path)

    result = materialize(
        [shares_outstanding],
        resources={"settings": replay_settings, "sources": sources, "watchlist": watchlist},
        raise_on_error=False,
    )

    (quarantined,) = (replay_settings.quarantine_dir / "shares_outstanding").glob("run=*.parquet")
    assert reason in pd.read_parquet(quarantined)["reason"].tolist()
    lake_rows = pd.read_parquet(replay_settings.lake_dir / "shares_outstanding" / "data.parquet")
    assert lake_rows.empty  # every row the source gave was bad; nothing else was there before
    assert check_results(result)["share_counts_valid"].passed  # what landed is clean


def test_live_share_counts_that_are_not_positive_are_dropped_with_a_warning_naming_them(caplog):
    series = pd.Series([24_490_000_000, -1, 0], index=pd.to_datetime(["2024-11-15", "2024-12-02", "2025-01-26"]))
    with caplog.at_level(logging.WARNING, logger="dagster_project.sources.shares"):
        frame = normalise_shares_full("NVDA", series, pd.Timestamp("2025-01-28", tz="UTC"))
    assert frame["shares"].tolist() == [24_490_000_000]
    assert (
        "NVDA: dropped 2 share count(s) that are not positive numbers: 2024-12-02 (-1), 2025-01-26 (0)" in caplog.text
    )


# ----------------------------------------------------------------------------- news feeds


def _news_source() -> LiveNewsSource:
    return LiveNewsSource(HttpClient(connect_timeout_s=2, read_timeout_s=10, attempts=1, sleep=lambda s: None))


@pytest.mark.parametrize("body, outcome, expected", [c[1:] for c in C.NEWS_CASES], ids=[c[0] for c in C.NEWS_CASES])
def test_bad_feed_input_is_dropped_failed_or_sanitised(request, httpserver, caplog, body, outcome, expected):
    case = request.node.callspec.id
    data = body() if callable(body) else body
    data = data.encode("utf-8") if isinstance(data, str) else data
    content_type = C.NEWS_CONTENT_TYPES.get(case, "application/rss+xml; charset=utf-8")
    httpserver.expect_request("/corpus.xml").respond_with_data(data, content_type=content_type)
    feed = FeedConfig("corpus", "rss", url=httpserver.url_for("/corpus.xml"))

    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="dagster_project.sources.news"):
        result = _news_source().fetch([feed], C.JAN27, C.JAN28)
    assert time.monotonic() - started < 20, "a hostile feed must not stall the fetch"

    items = result.items
    if outcome == "failed":
        assert list(result.failures) == ["corpus"] and items.empty
        assert result.failures["corpus"].startswith("feed corpus") and re.search(expected, result.failures["corpus"])
        return
    assert result.failures == {}
    for column in ("title", "summary", "publisher"):  # nothing stored keeps markup or control characters
        values = items[column].dropna()
        assert not values.str.contains("<").any(), (column, values.tolist())
        assert not values.map(lambda v: bool(CONTROL.search(v))).any(), (column, values.tolist())
    assert not items["url"].dropna().str.match(r"(?i)\s*javascript:").any()
    assert "root:" not in " ".join(items["title"].tolist() + items["summary"].dropna().tolist())  # no /etc/passwd
    if outcome == "dropped":
        assert result.dropped["corpus"] == {expected: 1}
        assert f"feed corpus: dropped 1 entry ({expected})" in caplog.text
        assert list(items["item_id"]) == (["dup", "ok"] if case == "duplicated-guid" else ["ok"])  # first one kept
        return
    title, summary = expected
    assert len(items) == 1
    assert items.loc[0, "title"] == title
    if summary is not None:
        assert items.loc[0, "summary"] == summary
    if outcome == "repaired":
        assert "CharacterEncodingOverride" in caplog.text and "feed corpus" in caplog.text
    if case == "javascript-link":
        assert pd.isna(items.loc[0, "url"])
    if case == "billion-laughs":
        assert "feed corpus" in caplog.text and "malformed but has 1 entries" in caplog.text


# ----------------------------------------------------------------------------- App Store charts


@pytest.mark.parametrize("chart, payload, expected", [c[1:] for c in C.APP_CASES], ids=[c[0] for c in C.APP_CASES])
def test_bad_chart_payload_fails_that_chart_naming_the_field(httpserver, chart, payload, expected):
    config = ChartConfig(*chart)
    if config.chart == "top-grossing":
        path = legacy_path(config.country, "topgrossingapplications", config.limit)
    else:
        path = v2_path(config.country, config.chart, config.limit)
    httpserver.expect_request(path).respond_with_json(payload())
    base = httpserver.url_for("/").rstrip("/")
    source = LiveAppChartSource(
        HttpClient(attempts=1, sleep=lambda s: None),
        v2_base=base + "/v2",
        legacy_base=base + "/itunes",
        clock=lambda: NOW,
    )

    result = source.fetch([config], TODAY)

    message = result.failures[config.key]
    assert message.startswith(f"{config.key}: ") and re.search(expected, message), message
    assert result.rows.empty


def _corrupt_bundle(case_study_copy, changes: dict) -> None:
    path = case_study_copy / "app_rank_snapshots.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for app_name, fields in changes.items():
        where = (frame["app_name"] == app_name) & frame["captured_at"].str.startswith("2025-01-27")
        assert where.sum() == 1
        for column, value in fields.items():
            frame.loc[where, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(
    "changes, check, named", [c[1:] for c in C.REPLAY_APP_CASES], ids=[c[0] for c in C.REPLAY_APP_CASES]
)
def test_bad_replayed_chart_rows_fail_a_blocking_check_naming_them(
    replay_settings, case_study_copy, changes, check, named
):
    _corrupt_bundle(case_study_copy, changes)
    settings = replay_settings.replace(case_study_dir=case_study_copy)
    watchlist = load_watchlist(settings.watchlist_path)

    result = materialize(
        [app_rank_snapshots],
        partition_key="2025-01-27",
        raise_on_error=False,
        resources={"settings": settings, "sources": sources_for(settings), "watchlist": watchlist},
    )

    outcome = check_results(result)[check]
    assert not outcome.passed
    assert named in outcome.metadata["sample"].value
    assert any(s.name == check and s.blocking for s in app_rank_snapshots.check_specs)  # it stops dbt and publish


# ----------------------------------------------------------------------------- the watchlist

WATCHLIST_HEAD = "themes: {ai_chips: AI chips}\ncompanies:\n  - {ticker: AMD, name: AMD, theme: ai_chips}\n"


@pytest.mark.parametrize("text, expected", [c[1:] for c in C.WATCHLIST_CASES], ids=[c[0] for c in C.WATCHLIST_CASES])
def test_bad_watchlist_entry_is_rejected_naming_its_line(tmp_path, text, expected):
    path = tmp_path / "watchlist.yml"
    path.write_text(WATCHLIST_HEAD + text + "\n")
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and re.search(expected, message), message


# ----------------------------------------------------------------------------- never in a mart


def test_bad_bars_never_reach_a_mart(replay_settings, case_study_copy, monkeypatch):
    bars = pd.read_csv(case_study_copy / "prices_daily.csv", dtype=str)
    on = bars["trade_date"] == "2025-01-27"
    bars.loc[on & (bars["ticker"] == "NVDA"), "close"] = "inf"
    bars.loc[on & (bars["ticker"] == "AMD"), "volume"] = "-5"
    bars.to_csv(case_study_copy / "prices_daily.csv", index=False)
    monkeypatch.setenv("SHOCKWATCH_CASE_STUDY_DIR", str(case_study_copy))
    settings = load_settings()
    defs = build_definitions(settings)
    assert run_pipeline(defs, "2025-01-23", "2025-01-24").success
    published = query(settings.analytics_db, "select count(*) from marts.fct_daily_market_cap")

    result = run_pipeline(defs, "2025-01-23", "2025-01-28")

    assert not result.success
    steps = step_outcomes(result)
    assert steps["prices"] == "failure" and "analytics_warehouse" not in steps
    quarantined = pd.concat(pd.read_parquet(p) for p in (settings.quarantine_dir / "prices").glob("*.parquet"))
    assert sorted(quarantined[["ticker", "trade_date", "reason"]].astype(str).values.tolist()) == [
        ["AMD", "2025-01-27", "volume negative"],
        ["NVDA", "2025-01-27", "price not finite"],
    ]
    assert query(settings.analytics_db, "select count(*) from marts.fct_daily_market_cap") == published
    for relation in ("marts.fct_daily_market_cap", "staging.stg_prices"):
        assert query(
            settings.analytics_db,
            f"select count(*) from {relation} where not isfinite(close) or trade_date = '2025-01-27'",
        ) == [(0,)]


HOSTILE_FEED = C.rss(
    "".join(
        [
            C.item(
                "<![CDATA[<script>alert(1)</script><b>Nvidia</b> sinks as DeepSeek rattles AI]]>",
                guid="h1",
                link="https://wire.test/h1",
                description="&lt;img src=x onerror=alert(1)&gt;&lt;p&gt;Chips slide&lt;/p&gt;",
            ),
            C.item(
                "&amp;lt;svg onload=alert(2)&amp;gt;DeepSeek app tops the charts\x1b[0m",
                guid="h2",
                link="javascript:alert(document.cookie)",
            ),
            C.item("Nvidia in 2099", guid="h3", link="https://wire.test/h3", date="Thu, 01 Jan 2099 00:00:00 GMT"),
            C.item("", guid="h4", link="https://wire.test/h4"),
            C.item("Undated DeepSeek story", guid="h5", link="https://wire.test/h5", date=None),
        ]
    )
)


def test_a_hostile_feed_never_reaches_a_mart_unsanitised(replay_settings, httpserver, tmp_path, monkeypatch):
    watchlist = write_watchlist(tmp_path / "watchlist.yml", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("SHOCKWATCH_WATCHLIST", str(watchlist))
    httpserver.expect_request("/feeds/wire.xml").respond_with_data(HOSTILE_FEED, content_type="application/rss+xml")
    httpserver.expect_request("/rss/search").respond_with_data(C.rss(""), content_type="application/rss+xml")
    settings = load_settings()
    news = LiveNewsSource(
        HttpClient(attempts=1, sleep=lambda s: None), google_news_base=httpserver.url_for("/").rstrip("/")
    )
    sources = dataclasses.replace(sources_for(settings), news=news, mode="live")

    result = run_pipeline(build_definitions(settings, sources=sources), "2025-01-27", "2025-01-27", job="news_pipeline")

    assert result.success
    lake = pd.read_parquet(settings.lake_dir / "news_items" / "published_date=2025-01-27" / "data.parquet")
    assert sorted(lake["item_id"]) == ["h1", "h2"]
    assert lake.set_index("item_id")["title"].to_dict() == {
        "h1": "Nvidia sinks as DeepSeek rattles AI",
        "h2": "DeepSeek app tops the charts[0m",
    }
    quarantined = pd.concat(pd.read_parquet(p) for p in (settings.quarantine_dir / "news_items").glob("*.parquet"))
    assert quarantined[["item_id", "reason"]].values.tolist() == [["h3", "published more than a day in the future"]]
    rows = query(settings.analytics_db, "select item_id, title, url from marts.fct_news_mentions order by 1")
    assert {r[0] for r in rows} == {"h1", "h2"}
    assert all("<" not in title and not CONTROL.search(title) for _, title, _ in rows)
    assert all(url is None or url.startswith("https://") for _, _, url in rows)
    timeline = query(settings.analytics_db, "select title from marts.fct_event_timeline where event_type = 'news'")
    assert timeline and all("<" not in t and "2099" not in t for (t,) in timeline)


def test_bad_chart_rows_never_reach_a_mart(replay_settings, case_study_copy, monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_CASE_STUDY_DIR", str(case_study_copy))
    settings = load_settings()
    defs = build_definitions(settings)
    assert run_pipeline(defs, "2025-01-24", "2025-01-26", job="app_rank_pipeline").success
    published = query(settings.analytics_db, "select * from marts.fct_app_rank_daily order by all")
    _corrupt_bundle(case_study_copy, {"ChatGPT": {"rank": "0"}, "Google Gemini": {"rank": "1"}})

    result = run_pipeline(build_definitions(load_settings()), "2025-01-24", "2025-01-27", job="app_rank_pipeline")

    assert not result.success
    assert step_outcomes(result)["app_rank_snapshots"] == "failure"
    checks = check_results(result)
    assert not checks["rank_within_limit"].passed and not checks["rank_unique_per_snapshot"].passed
    assert query(settings.analytics_db, "select * from marts.fct_app_rank_daily order by all") == published
    assert query(
        settings.analytics_db,
        "select count(*) from marts.fct_app_rank_daily where rank < 1 or snapshot_date = '2025-01-27'",
    ) == [(0,)]
