"""Source faults: every live source meets every kind of failure and ends in its documented outcome.

Sources: prices and shares through the real yfinance over the fake Yahoo session
(tests/sources/yahoo_fake.py, scripted by tests/reliability/faults.py); news feeds and App
Store charts through the real HttpClient against a local HTTP server (pytest-httpserver).
Faults: 429 with and without Retry-After, 500/502/503, a dropped or reset connection, a read
timeout, a body cut off mid-transfer, a malformed payload and an empty-but-valid payload.

Documented outcomes (README "News feeds", sources/http.py, sources/prices/, sources/shares/,
sources/app_charts/):
- a transient fault (429, 5xx, connection, timeout, truncated transfer) is retried with backoff
  (honouring Retry-After on the HTTP sources) and the fetch then succeeds;
- when it persists, the fetch fails with a message naming the source, the ticker / feed / chart,
  the URL or window, and the cause, classified transient (so Dagster's op retry gets its turn);
- a malformed payload is not retried over HTTP (it is not going to change) and fails naming
  the cause; Yahoo bars and share counts are asked again, then fail as permanent;
- an empty-but-valid payload is a failure where it cannot be right (an App Store chart with
  0 entries, a watchlist ticker without bars) and no data otherwise (a feed with no items).
No test sleeps for real: every adapter gets `sleep=sleeps.append`.

The last tests go through the Dagster assets with live adapters injected into a copy of a
replayed baseline: a failing source fails or warns naming itself, the partitions written
earlier stay byte-for-byte as they were, and the other sources' data is untouched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil

import pandas as pd
import pytest

from dagster_project.config.settings import load_settings
from dagster_project.config.source_config import ChartConfig, FeedConfig
from dagster_project.definitions import build_definitions
from dagster_project.resources import sources_for
from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.http import HttpClient
from dagster_project.sources.news.live import LiveNewsSource
from dagster_project.sources.prices import PriceFetchError
from dagster_project.sources.prices.live import YFinancePriceSource
from dagster_project.sources.shares import SharesFetchError
from dagster_project.sources.shares.live import YFinanceSharesSource
from tests.pipeline import check_results, query, run_pipeline, step_outcomes
from tests.reliability.faults import DROP, TRUNCATE, Body, FaultyYahooSession, Stall, Status, scripted
from tests.reliability.helpers import warehouse_fingerprints, write_watchlist
from tests.sources.app_charts.payloads import NOW, TODAY, v2_path, v2_payload
from tests.sources.conftest import AVGO_BARS, MSFT_BARS, NVDA_BARS
from tests.sources.news.payloads import JAN27, JAN28, RSS_TYPE, item, rss
from tests.sources.shares.test_live import NVDA_SHARES

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # yfinance 1.7 on pandas 3.1

READ_TIMEOUT_S = 0.3
GOOD_FEED = rss(
    item(
        "Nvidia falls 17% as DeepSeek rattles investors",
        link="https://n.test/1",
        guid="n1",
        date="Mon, 27 Jan 2025 21:05:00 GMT",
    )
)
OTHER_FEED = rss(
    item("DeepSeek tops the App Store", link="https://n.test/2", guid="n2", date="Mon, 27 Jan 2025 09:00:00 GMT")
)

# (id, actions answered before the good payload, check of the recorded backoff delays)
TRANSIENT_HTTP = [
    ("429-with-retry-after", [Status(429, {"Retry-After": "7"})], lambda s: s == [7.0]),
    ("429-without-retry-after", [Status(429)], lambda s: len(s) == 1 and 0 <= s[0] <= 0.5),
    ("500", [Status(500)], lambda s: len(s) == 1),
    ("502", [Status(502)], lambda s: len(s) == 1),
    ("503-twice", [Status(503), Status(503)], lambda s: len(s) == 2),
    ("connection-dropped", [DROP], lambda s: len(s) == 1),
    ("read-timeout", [Stall(READ_TIMEOUT_S * 4)], lambda s: len(s) == 1),
    ("truncated-body", [TRUNCATE], lambda s: len(s) == 1),
]
# (id, action repeated on every attempt, what the failure message must say)
PERSISTENT_HTTP = [
    ("429", Status(429, {"Retry-After": "1"}), r"HTTP 429"),
    ("500", Status(500), r"HTTP 500"),
    ("502", Status(502), r"HTTP 502"),
    ("503", Status(503), r"HTTP 503"),
    ("connection-dropped", DROP, r"connection failed \(ConnectionError: .*Remote end closed connection"),
    ("read-timeout", Stall(READ_TIMEOUT_S * 4), r"timed out"),
    ("truncated-body", TRUNCATE, r"connection failed \(ChunkedEncodingError: .*IncompleteRead"),
]
ATTEMPTS = 3


def http_client(sleeps) -> HttpClient:
    return HttpClient(
        connect_timeout_s=2.0, read_timeout_s=READ_TIMEOUT_S, attempts=ATTEMPTS, base_delay_s=0.5, sleep=sleeps.append
    )


# =============================================================================== news feeds


def news_source(sleeps, server=None) -> LiveNewsSource:
    base = server.url_for("/").rstrip("/") if server is not None else "https://news.google.com"
    return LiveNewsSource(http_client(sleeps), google_news_base=base)


@pytest.mark.parametrize("before, delays_ok", [t[1:] for t in TRANSIENT_HTTP], ids=[t[0] for t in TRANSIENT_HTTP])
def test_news_feed_transient_fault_is_retried_then_lands(server, sleeps, before, delays_ok):
    script = scripted(server, "/feed.xml", [*before, Body(GOOD_FEED.encode(), RSS_TYPE)])
    feed = FeedConfig("wire", "rss", url=server.url_for("/feed.xml"))

    result = news_source(sleeps).fetch([feed], JAN27, JAN28)

    assert result.failures == {}
    assert list(result.items["item_id"]) == ["n1"]
    assert script.calls == len(before) + 1
    assert delays_ok(sleeps), sleeps


@pytest.mark.parametrize("action, cause", [t[1:] for t in PERSISTENT_HTTP], ids=[t[0] for t in PERSISTENT_HTTP])
def test_news_feed_persistent_fault_fails_that_feed_naming_it(server, sleeps, action, cause):
    bad = scripted(server, "/rss/search", [action])  # a Google News search feed
    scripted(server, "/other.xml", [Body(OTHER_FEED.encode(), RSS_TYPE)])
    feeds = [
        FeedConfig("gn_deepseek", "google_news", query="DeepSeek"),
        FeedConfig("other", "rss", url=server.url_for("/other.xml")),
    ]

    result = news_source(sleeps, server).fetch(feeds, JAN27, JAN28)

    message = result.failures["gn_deepseek"]
    assert list(result.failures) == ["gn_deepseek"]
    assert message.startswith("feed gn_deepseek: GET http://127.0.0.1:")
    assert "/rss/search?q=DeepSeek%20after%3A2025-01-27%20before%3A2025-01-29" in message
    assert re.search(cause, message), message
    assert bad.calls == ATTEMPTS and len(sleeps) == ATTEMPTS - 1
    assert list(result.items["item_id"]) == ["n2"]  # the other feed still lands


@pytest.mark.parametrize(
    "body, content_type, cause",
    [
        (
            b"<html><body>Our systems have detected unusual traffic</body></html>",
            "text/html",
            r"not a readable feed: NonXMLContentType",
        ),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut off',
            RSS_TYPE,
            r"not a readable feed: SAXParseException",
        ),
        (b'{"items": [{"title": "Nvidia"}]}', "application/json", r"not a readable feed"),
        (b"", RSS_TYPE, r"did not return an RSS or Atom document \(0 bytes"),
    ],
    ids=["html-page", "truncated-xml", "json", "empty-body"],
)
def test_news_feed_malformed_payload_fails_at_once(server, sleeps, body, content_type, cause):
    script = scripted(server, "/feed.xml", [Body(body, content_type)])
    feed = FeedConfig("wire", "rss", url=server.url_for("/feed.xml"))

    result = news_source(sleeps).fetch([feed], JAN27, JAN28)

    message = result.failures["wire"]
    assert message.startswith(f"feed wire ({feed.url})") and re.search(cause, message), message
    assert script.calls == 1 and sleeps == []  # the same bytes again would not help
    assert result.items.empty


def test_news_feed_empty_but_valid_is_no_items_and_no_failure(server, sleeps):
    script = scripted(server, "/feed.xml", [Body(rss("").encode(), RSS_TYPE)])
    result = news_source(sleeps).fetch([FeedConfig("wire", "rss", url=server.url_for("/feed.xml"))], JAN27, JAN28)
    assert result.failures == {} and result.items.empty and result.dropped == {}
    assert script.calls == 1 and sleeps == []


# =============================================================================== App Store charts

CHART = ChartConfig("us", "top-free", 3)


def chart_source(server, sleeps) -> LiveAppChartSource:
    base = server.url_for("/").rstrip("/")
    return LiveAppChartSource(
        http_client(sleeps), v2_base=base + "/v2", legacy_base=base + "/itunes", clock=lambda: NOW
    )


def json_body(payload) -> Body:
    import json

    return Body(json.dumps(payload).encode(), "application/json")


@pytest.mark.parametrize("before, delays_ok", [t[1:] for t in TRANSIENT_HTTP], ids=[t[0] for t in TRANSIENT_HTTP])
def test_app_chart_transient_fault_is_retried_then_lands(server, sleeps, before, delays_ok):
    script = scripted(server, v2_path("us", "top-free", 3), [*before, json_body(v2_payload(3))])

    result = chart_source(server, sleeps).fetch([CHART], TODAY)

    assert result.failures == {}
    assert result.rows["rank"].tolist() == [1, 2, 3]
    assert script.calls == len(before) + 1
    assert delays_ok(sleeps), sleeps


@pytest.mark.parametrize("action, cause", [t[1:] for t in PERSISTENT_HTTP], ids=[t[0] for t in PERSISTENT_HTTP])
def test_app_chart_persistent_fault_fails_that_chart_naming_it(server, sleeps, action, cause):
    bad = scripted(server, v2_path("us", "top-free", 3), [action])
    scripted(server, v2_path("us", "top-paid", 3), [json_body(v2_payload(3))])

    result = chart_source(server, sleeps).fetch([CHART, ChartConfig("us", "top-paid", 3)], TODAY)

    message = result.failures["us/top-free"]
    assert list(result.failures) == ["us/top-free"]
    assert message.startswith(f"us/top-free: GET {server.url_for(v2_path('us', 'top-free', 3))} failed: ")
    assert re.search(cause, message), message
    assert bad.calls == ATTEMPTS and len(sleeps) == ATTEMPTS - 1
    assert set(result.rows["chart"]) == {"top-paid"} and len(result.rows) == 3  # the other chart lands


@pytest.mark.parametrize(
    "body, cause",
    [
        (Body(b'{"feed": {"results": [{"id": "1", "name": "A"', "application/json"), r"malformed JSON from "),
        (Body(b"<html>Service Unavailable</html>", "text/html"), r"malformed JSON from "),
        (json_body({"feed": {"results": {"id": "1"}}}), r"feed\.results must be a list, got dict"),
        (
            json_body({"feed": {"results": [{"id": "abc", "name": "A"}]}}),
            r"feed\.results\[0\]\.id must be a digit string",
        ),
        (json_body({"feed": {"country": "us", "results": []}}), r"0 entries in "),
    ],
    ids=["truncated-json", "html-page", "wrong-shape", "mistyped-id", "empty-but-valid"],
)
def test_app_chart_malformed_or_empty_payload_fails_at_once(server, sleeps, body, cause):
    path = v2_path("us", "top-free", 3)
    script = scripted(server, path, [body])

    result = chart_source(server, sleeps).fetch([CHART], TODAY)

    message = result.failures["us/top-free"]
    assert message.startswith("us/top-free: ") and server.url_for(path) in message
    assert re.search(cause, message), message
    assert script.calls == 1 and sleeps == [] and result.rows.empty


# =============================================================================== Yahoo: prices and shares

START, END = dt.date(2025, 1, 23), dt.date(2025, 1, 28)
BARS = {"NVDA": NVDA_BARS, "AVGO": AVGO_BARS, "MSFT": MSFT_BARS}
SHARES = {"NVDA": NVDA_SHARES}

# yfinance asks again once by itself after any HTTP status >= 400, so two statuses in a row
# make one failed attempt of the adapter.
TRANSIENT_YAHOO = [
    ("429-with-retry-after", [429, 429], 30),
    ("429-without-retry-after", [429, 429], None),
    ("500", [500, 500], None),
    ("502", [502, 502], None),
    ("503", [503, 503], None),
    ("connection-reset", ["reset"], None),
    ("read-timeout", ["timeout"], None),
    ("truncated-body", ["truncated"], None),
    ("malformed-body", ["malformed"], None),
    ("yahoo-outage-page", ["down"], None),
    ("empty-but-valid", ["empty"], None),
]
PERSISTENT_YAHOO = [
    ("429", 429, True, r"YFRateLimitError"),
    ("500", 500, True, r"HTTP 500"),
    ("502", 502, True, r"HTTP 502"),
    ("503", 503, True, r"HTTP 503"),
    ("connection-reset", "reset", True, r"ConnectionResetError"),
    ("read-timeout", "timeout", True, r"ReadTimeout"),
    ("truncated-body", "truncated", True, r"IncompleteRead"),
    ("malformed-body", "malformed", False, r"JSONDecodeError"),
    ("yahoo-outage-page", "down", True, r"YAHOO! FINANCE IS CURRENTLY DOWN"),
    ("empty-but-valid", "empty", False, r"no price data found"),
]


@pytest.mark.parametrize("faults, retry_after", [t[1:] for t in TRANSIENT_YAHOO], ids=[t[0] for t in TRANSIENT_YAHOO])
def test_prices_transient_fault_is_retried_then_lands(fresh_yfinance, sleeps, faults, retry_after):
    session = FaultyYahooSession(faults={("chart", "AVGO"): faults}, retry_after=retry_after, bars=BARS)

    rows = YFinancePriceSource(session=session, sleep=sleeps.append, attempts=3).fetch(["NVDA", "AVGO"], START, END)

    assert rows.groupby("ticker").size().to_dict() == {"AVGO": 4, "NVDA": 4}
    assert rows.loc[(rows["ticker"] == "AVGO") & (rows["trade_date"] == dt.date(2025, 1, 27)), "close"].item() == 202.13
    # one backoff of the adapter's own (full jitter under 2 s); Yahoo's Retry-After never reaches
    # the adapter through yfinance, so it is not what decides the delay
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 2.0, sleeps
    assert len(session.calls("chart", "NVDA", purpose="history")) == 1  # the healthy ticker is not asked again


@pytest.mark.parametrize(
    "fault, transient, cause", [t[1:] for t in PERSISTENT_YAHOO], ids=[t[0] for t in PERSISTENT_YAHOO]
)
def test_prices_persistent_fault_fails_naming_ticker_window_and_cause(fresh_yfinance, sleeps, fault, transient, cause):
    session = FaultyYahooSession(faults={("chart", "AVGO"): [fault] * 20}, bars=BARS)

    with pytest.raises(PriceFetchError) as caught:
        YFinancePriceSource(session=session, sleep=sleeps.append, attempts=3).fetch(["NVDA", "AVGO"], START, END)

    message = str(caught.value)
    assert caught.value.tickers == ["AVGO"]
    assert message.startswith("yfinance returned no prices for AVGO between 2025-01-23 and 2025-01-28 after 3 attempts")
    assert "NVDA" not in message
    assert re.search(cause, message), message
    assert caught.value.transient is transient
    assert len(sleeps) == 2


SHARES_START, SHARES_END = dt.date(2024, 11, 1), dt.date(2025, 1, 31)
TRANSIENT_SHARES = [
    ("429", [429, 429]),
    ("500", [500, 500]),
    ("502", [502, 502]),
    ("503", [503, 503]),
    ("connection-reset", ["reset"]),
    ("read-timeout", ["timeout"]),
    ("truncated-body", ["truncated"]),
    ("malformed-body", ["malformed"]),
]
PERSISTENT_SHARES = [
    ("429", 429, True, r"YFRateLimitError"),
    ("500", 500, True, r"HTTP 500"),
    ("502", 502, True, r"HTTP 502"),
    ("503", 503, True, r"HTTP 503"),
    ("connection-reset", "reset", True, r"ConnectionResetError"),
    ("read-timeout", "timeout", True, r"ReadTimeout"),
    ("truncated-body", "truncated", True, r"IncompleteRead"),
    ("malformed-body", "malformed", False, r"JSONDecodeError"),
]


@pytest.mark.parametrize("faults", [t[1] for t in TRANSIENT_SHARES], ids=[t[0] for t in TRANSIENT_SHARES])
def test_shares_transient_fault_is_retried_then_lands(fresh_yfinance, sleeps, faults):
    session = FaultyYahooSession(faults={("timeseries", "NVDA"): faults}, bars=BARS, shares=SHARES)

    rows = YFinanceSharesSource(session=session, sleep=sleeps.append, attempts=3).fetch(
        ["NVDA"], SHARES_START, SHARES_END
    )

    assert rows["shares"].tolist() == [24_774_000_000, 24_500_000_000, 24_489_000_000]
    assert len(sleeps) == 1, sleeps


@pytest.mark.parametrize(
    "fault, transient, cause", [t[1:] for t in PERSISTENT_SHARES], ids=[t[0] for t in PERSISTENT_SHARES]
)
def test_shares_persistent_fault_fails_naming_ticker_window_and_cause(fresh_yfinance, sleeps, fault, transient, cause):
    session = FaultyYahooSession(faults={("timeseries", "NVDA"): [fault] * 20}, bars=BARS, shares=SHARES)

    with pytest.raises(SharesFetchError) as caught:
        YFinanceSharesSource(session=session, sleep=sleeps.append, attempts=3).fetch(["NVDA"], SHARES_START, SHARES_END)

    message = str(caught.value)
    assert caught.value.tickers == ["NVDA"]
    assert message.startswith("shares outstanding unavailable for NVDA between 2024-11-01 and 2025-01-31 (NVDA: ")
    assert re.search(cause, message), message
    assert caught.value.transient is transient
    assert len(sleeps) == 2


def test_shares_empty_but_valid_is_a_definitive_no_count(fresh_yfinance, sleeps):
    session = FaultyYahooSession(faults={("timeseries", "NVDA"): ["empty"] * 5}, bars=BARS, shares=SHARES)

    with pytest.raises(SharesFetchError) as caught:
        YFinanceSharesSource(session=session, sleep=sleeps.append, attempts=3).fetch(["NVDA"], SHARES_START, SHARES_END)

    assert "NVDA: no share count in fundamentals or fast_info" in str(caught.value)
    assert caught.value.transient is False and sleeps == []  # an answer, not an outage: not retried


# =============================================================================== through the Dagster assets

TICKERS = ("NVDA", "AVGO", "MSFT")
BASELINE_RUNS = [
    ("daily_pipeline", "2025-01-21", "2025-01-24"),
    ("news_pipeline", "2025-01-24", "2025-01-26"),
    ("app_rank_pipeline", "2025-01-24", "2025-01-26"),
]


@pytest.fixture(scope="module")
def baseline(module_server, tmp_path_factory):
    """A replayed data dir (three tickers; news and app charts for 2025-01-24..26), published."""
    root = tmp_path_factory.mktemp("faults-baseline")
    watchlist = write_watchlist(root / "watchlist.yml", module_server.url_for("/").rstrip("/"), TICKERS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHOCKWATCH_DATA_DIR", str(root / "data"))
        mp.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
        mp.setenv("SHOCKWATCH_WATCHLIST", str(watchlist))
        settings = load_settings()
        defs = build_definitions(settings)
        for job, first, last in BASELINE_RUNS:
            assert run_pipeline(defs, first, last, job=job).success, job
    return root / "data", watchlist


@pytest.fixture
def live(baseline, tmp_path, monkeypatch, server):
    """Settings on a copy of the baseline, and a factory of definitions with live adapters."""
    data, watchlist = baseline
    shutil.copytree(data, tmp_path / "data")
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "live")
    monkeypatch.setenv("SHOCKWATCH_WATCHLIST", str(watchlist))
    settings = load_settings()

    def defs(**adapters):
        replay = sources_for(settings.replace(source_mode="replay"))
        return build_definitions(settings, sources=dataclasses.replace(replay, mode="live", **adapters))

    return settings, defs


def lake_bytes(settings, *datasets: str) -> dict[str, bytes]:
    return {
        str(p.relative_to(settings.lake_dir)): p.read_bytes()
        for d in datasets
        for p in sorted((settings.lake_dir / d).rglob("*.parquet"))
    }


def failure_message(result, step: str) -> str:
    event = next(e for e in result.all_events if e.is_step_failure and e.step_key == step)
    data = event.step_failure_data
    return str(data.user_failure_data.description if data.user_failure_data else data.error.message)


@pytest.mark.slow  # shares a ~40 s baseline (three replayed jobs)
def test_news_faults_through_the_asset_warn_and_leave_everything_else_alone(live, server, sleeps):
    settings, defs = live
    before_news = lake_bytes(settings, "news_items")
    before_others = lake_bytes(settings, "prices", "shares_outstanding", "app_rank_snapshots")
    published_prices = warehouse_fingerprints(settings.analytics_db)["fct_daily_market_cap"]
    wire = scripted(
        server, "/feeds/wire.xml", [Status(429, {"Retry-After": "5"}), DROP, Body(GOOD_FEED.encode(), RSS_TYPE)]
    )
    search = scripted(server, "/rss/search", [Status(503)])
    news = LiveNewsSource(http_client(sleeps), google_news_base=server.url_for("/").rstrip("/"))

    result = run_pipeline(defs(news=news), "2025-01-27", "2025-01-28", job="news_pipeline")

    assert result.success  # one feed down is a warning, not a failed run
    assert wire.calls == 3 and search.calls == ATTEMPTS
    assert 5.0 in sleeps
    check = check_results(result)["all_feeds_fetched"]
    assert not check.passed
    failures = check.metadata["failures"].value
    assert (
        list(failures) == ["gn_deepseek"]
        and "HTTP 503" in failures["gn_deepseek"]
        and "/rss/search?q=DeepSeek" in failures["gn_deepseek"]
    )
    assert query(
        settings.analytics_db,
        "select distinct item_id from marts.fct_news_mentions where published_date = '2025-01-27'",
    ) == [("n1",)]
    # earlier partitions byte-for-byte, the other families untouched, their marts unchanged
    after_news = lake_bytes(settings, "news_items")
    assert {k: v for k, v in after_news.items() if k in before_news} == before_news
    assert sorted(set(after_news) - set(before_news)) == [
        "news_items/published_date=2025-01-27/data.parquet",
        "news_items/published_date=2025-01-28/data.parquet",
    ]
    assert lake_bytes(settings, "prices", "shares_outstanding", "app_rank_snapshots") == before_others
    assert warehouse_fingerprints(settings.analytics_db)["fct_daily_market_cap"] == published_prices


@pytest.mark.slow  # shares a ~40 s baseline (three replayed jobs)
def test_every_feed_failing_fails_the_run_naming_each_feed_and_writes_nothing(live, server, sleeps):
    settings, defs = live
    before = lake_bytes(settings, "news_items", "prices", "app_rank_snapshots")
    published = warehouse_fingerprints(settings.analytics_db)
    scripted(server, "/feeds/wire.xml", [Stall(READ_TIMEOUT_S * 4)])
    scripted(server, "/rss/search", [Body(b"<html>unusual traffic</html>", "text/html")])
    news = LiveNewsSource(http_client(sleeps), google_news_base=server.url_for("/").rstrip("/"))

    result = run_pipeline(defs(news=news), "2025-01-27", "2025-01-28", job="news_pipeline")

    assert not result.success
    assert step_outcomes(result)["news_items"] == "failure"
    message = failure_message(result, "news_items")
    assert "every news feed failed" in message
    assert "feed wire: GET" in message and "timed out" in message
    assert "feed gn_deepseek (" in message and "NonXMLContentType" in message
    assert lake_bytes(settings, "news_items", "prices", "app_rank_snapshots") == before
    assert warehouse_fingerprints(settings.analytics_db) == published


@pytest.mark.slow  # shares a ~40 s baseline (three replayed jobs)
def test_app_chart_faults_through_the_asset(live, server, sleeps):
    settings, defs = live
    before = lake_bytes(settings, "app_rank_snapshots", "news_items", "prices")
    free = scripted(server, v2_path("us", "top-free", 3), [Status(500), Status(502), json_body(v2_payload(3))])
    scripted(server, v2_path("us", "top-paid", 3), [Body(b'{"feed": {"results": [', "application/json")])
    charts = LiveAppChartSource(
        http_client(sleeps), v2_base=server.url_for("/v2"), legacy_base=server.url_for("/itunes")
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()

    result = run_pipeline(defs(app_charts=charts), today, today, job="app_rank_pipeline")

    assert result.success
    assert free.calls == 3 and len(sleeps) == 2
    failures = check_results(result)["all_charts_captured"].metadata["failures"].value
    assert list(failures) == [f"{today} us/top-paid"] and "malformed JSON from" in failures[f"{today} us/top-paid"]
    landed = pd.read_parquet(settings.lake_dir / "app_rank_snapshots" / f"capture_date={today}" / "data.parquet")
    assert landed[["chart", "rank"]].values.tolist() == [["top-free", 1], ["top-free", 2], ["top-free", 3]]
    after = lake_bytes(settings, "app_rank_snapshots", "news_items", "prices")
    assert {k: v for k, v in after.items() if k in before} == before  # earlier captures and other families untouched
    assert sorted(set(after) - set(before)) == [f"app_rank_snapshots/capture_date={today}/data.parquet"]
    assert query(
        settings.analytics_db, "select count(*) from marts.fct_app_rank_daily where snapshot_date = ?", [today]
    ) == [(3,)]


def yahoo_sources(session, sleeps) -> dict:
    return {
        "prices": YFinancePriceSource(session=session, sleep=sleeps.append, attempts=3),
        "shares": YFinanceSharesSource(session=session, sleep=sleeps.append, attempts=3),
    }


SHARE_COUNTS = {
    t: [("2024-11-15T00:00:00", n)]
    for t, n in (("NVDA", 24_490_000_000), ("AVGO", 4_690_000_000), ("MSFT", 7_434_880_776))
}


@pytest.mark.slow  # shares a ~40 s baseline (three replayed jobs)
def test_a_ticker_without_bars_fails_prices_naming_it_and_keeps_earlier_sessions(live, fresh_yfinance, sleeps):
    settings, defs = live
    before = lake_bytes(settings, "prices", "news_items", "app_rank_snapshots")
    published = warehouse_fingerprints(settings.analytics_db)
    session = FaultyYahooSession(faults={("chart", "AVGO"): ["empty"] * 10}, bars=BARS, shares=SHARE_COUNTS)

    result = run_pipeline(defs(**yahoo_sources(session, sleeps)), "2025-01-27", "2025-01-28")

    assert not result.success
    steps = step_outcomes(result)
    assert steps["prices"] == "failure" and steps["shares_outstanding"] == "success"  # shares are another source
    assert "warehouse_models" not in steps and "analytics_warehouse" not in steps
    message = failure_message(result, "prices")
    assert message.startswith("yfinance returned no prices for AVGO between 2025-01-27 and 2025-01-28 after 3 attempts")
    assert "no price data found" in message
    assert lake_bytes(settings, "prices", "news_items", "app_rank_snapshots") == before  # no partition written
    assert warehouse_fingerprints(settings.analytics_db) == published


@pytest.mark.slow  # shares a ~40 s baseline (three replayed jobs)
def test_yahoo_faults_that_clear_within_the_retries_land_every_partition(live, fresh_yfinance, sleeps):
    settings, defs = live
    before = lake_bytes(settings, "prices")
    session = FaultyYahooSession(
        faults={("chart", "AVGO"): [429, 429], ("chart", "MSFT"): ["reset"], ("timeseries", "NVDA"): [503, 503]},
        retry_after=30,
        bars=BARS,
        shares=SHARE_COUNTS,
    )

    result = run_pipeline(defs(**yahoo_sources(session, sleeps)), "2025-01-27", "2025-01-28")

    assert result.success, step_outcomes(result)
    assert len(sleeps) == 2  # one backoff for the bars (AVGO and MSFT retried together), one for NVDA's shares
    after = lake_bytes(settings, "prices")
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == [
        "prices/trade_date=2025-01-27/data.parquet",
        "prices/trade_date=2025-01-28/data.parquet",
    ]
    rows = query(
        settings.analytics_db,
        "select ticker, trade_date::varchar, close from marts.fct_daily_market_cap "
        "where trade_date >= '2025-01-27' order by 1, 2",
    )
    assert rows == [
        ("AVGO", "2025-01-27", 202.13),
        ("AVGO", "2025-01-28", 207.36),
        ("MSFT", "2025-01-27", 434.56),
        ("MSFT", "2025-01-28", 447.2),
        ("NVDA", "2025-01-27", 118.42),
        ("NVDA", "2025-01-28", 128.99),
    ]
