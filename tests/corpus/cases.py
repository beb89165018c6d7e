"""The bad-input corpus: one row per case, grouped by the code path that must stop it.

Every case names the input, what the real code path must do with it, and a pattern the
message (log line, failure, quarantine reason, check sample) must match, naming the row,
feed, chart or watchlist line. tests/corpus/test_corpus.py runs them.

Outcomes:
- quarantined: the row goes to data/quarantine with a reason (prices at ingest);
- dropped: the entry is left out and counted per reason in the feed's warning;
- failed: that feed / chart fails, naming it (the others still land);
- blocked: a blocking asset check fails, naming the rows, so dbt and publish never run;
- sanitised: the row is kept, stripped of markup, control characters and non-web links;
- repaired: the row is kept, decoded right, with a warning naming the feed;
- rejected: the configuration is refused on load, naming the file and line.
The 20 MB feed and the billion-laughs / deep-nesting documents are generated at test time.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

from tests.sources.app_charts.payloads import legacy_entry, legacy_payload, v2_payload

JAN27, JAN28 = dt.date(2025, 1, 27), dt.date(2025, 1, 28)

# ----------------------------------------------------------------------------- prices (quality.quarantine_bad_prices)

PRICE_TICKERS = ["NVDA", "AMD", "MSFT"]
PRICE_SESSIONS = [JAN27, JAN28]
GOOD_BAR = {"open": 124.80, "high": 128.40, "low": 116.70, "close": 118.42, "adj_close": 118.38, "volume": 818830900}


def bar(ticker="NVDA", day=JAN27, **fields) -> dict:
    return {"ticker": ticker, "trade_date": day, **GOOD_BAR, **fields}


# (id, the bad row (replacing NVDA 2025-01-27, or added when `extra`), reason, ticker and date named)
PRICE_CASES = [
    ("nan-close", bar(close=math.nan), False, "close missing or not positive", "NVDA 2025-01-27"),
    ("zero-close", bar(close=0.0, low=0.0), False, "close missing or not positive", "NVDA 2025-01-27"),
    ("negative-close", bar(close=-118.42), False, "close missing or not positive", "NVDA 2025-01-27"),
    ("zero-open", bar(open=0.0), False, "open/high/low not positive", "NVDA 2025-01-27"),
    ("negative-low", bar(low=-1.0), False, "open/high/low not positive", "NVDA 2025-01-27"),
    ("infinite-close", bar(close=math.inf), False, "price not finite", "NVDA 2025-01-27"),
    ("infinite-high", bar(high=math.inf), False, "price not finite", "NVDA 2025-01-27"),
    ("minus-infinite-adj-close", bar(adj_close=-math.inf), False, "price not finite", "NVDA 2025-01-27"),
    (
        "high-below-low",
        bar(high=110.0, low=130.0),
        False,
        "low above open/close or high below open/close",
        "NVDA 2025-01-27",
    ),
    ("close-above-high", bar(close=140.0), False, "low above open/close or high below open/close", "NVDA 2025-01-27"),
    ("negative-volume", bar(volume=-5), False, "volume negative", "NVDA 2025-01-27"),
    (
        "future-session",
        bar(day=dt.date(2030, 1, 2)),
        True,
        "date is not an NYSE session in the requested range",
        "NVDA 2030-01-02",
    ),
    (
        "saturday",
        bar(day=dt.date(2025, 1, 25)),
        True,
        "date is not an NYSE session in the requested range",
        "NVDA 2025-01-25",
    ),
    (
        "holiday",
        bar(day=dt.date(2025, 1, 20)),
        True,
        "date is not an NYSE session in the requested range",
        "NVDA 2025-01-20",
    ),
    ("duplicated-key", bar(close=119.0), True, r"duplicate \(ticker, trade_date\)", "NVDA 2025-01-27"),
    (
        "ticker-case-and-whitespace-duplicate",
        bar(ticker=" nvda ", close=119.0),
        True,
        r"duplicate \(ticker, trade_date\)",
        "NVDA 2025-01-27",
    ),
    ("unknown-ticker", bar(ticker="XXXX"), True, "ticker not in watchlist", "XXXX 2025-01-27"),
    (
        "sql-in-ticker",
        bar(ticker="NVDA'); DROP TABLE marts.dim_company; --"),
        True,
        "ticker not in watchlist",
        "NVDA'); DROP TABLE MARTS.DIM_COMPANY; -- 2025-01-27",
    ),
    ("empty-ticker", bar(ticker=""), True, "ticker not in watchlist", " 2025-01-27"),
]

# ----------------------------------------------------------------------------- shares (the shares_outstanding asset)

SHARE_ROW = {
    "ticker": "NVDA",
    "as_of_date": dt.date(2024, 11, 15),
    "filing_date": dt.date(2024, 11, 20),
    "shares": 24_490_000_000,
    "shares_diluted": None,
    "basis_factor": 1.0,
    "measure": "cover_page",
    "source": "corpus",
}

# (id, rows the source returns, what the quarantine reason says)
SHARE_CASES = [
    (
        "negative-count",
        [{**SHARE_ROW, "shares": -24_490_000_000}],
        "shares -24490000000 is not a positive whole number",
    ),
    ("zero-count", [{**SHARE_ROW, "shares": 0}], "shares 0 is not a positive whole number"),
    (
        "duplicated-share-key",
        [SHARE_ROW, {**SHARE_ROW, "shares": 24_500_000_000}],
        "conflicting counts for NVDA as of 2024-11-15 (cover_page): 24,490,000,000 vs 24,500,000,000",
    ),
]

# ----------------------------------------------------------------------------- news feeds (LiveNewsSource over HTTP)


def rss(items: str, encoding: str = "UTF-8", doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>{doctype}<rss version="2.0"><channel><title>Corpus Wire</title>'
        f"<link>https://wire.test/</link>{items}</channel></rss>"
    )


def item(
    title: str = "Nvidia falls 17%",
    guid: str = "c1",
    date: str | None = "Mon, 27 Jan 2025 14:30:00 GMT",
    link: str = "https://wire.test/1",
    description: str | None = None,
) -> str:
    parts = [f"<title>{title}</title>", f"<link>{link}</link>", f'<guid isPermaLink="false">{guid}</guid>']
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description is not None:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + "</item>"


GOOD_ITEM = item("DeepSeek tops the App Store", guid="ok", link="https://wire.test/ok")
LAUGHS = "".join(f'<!ENTITY l{i} "{(f"&l{i - 1};" if i else "lol") * 10}">' for i in range(10))


def billion_laughs() -> bytes:
    return rss(item("Nvidia &l9;", guid="bomb"), doctype=f"<!DOCTYPE rss [{LAUGHS}]>").encode()


def deeply_nested() -> bytes:
    return rss(
        item("Deep Nvidia", guid="deep", description="<div>" * 100_000 + "x" + "</div>" * 100_000)
        + "<x>" * 50_000
        + "</x>" * 50_000
    ).encode()


def twenty_megabytes() -> bytes:
    filler = item("Nvidia " + "x" * 900, guid="big-{}", description="y" * 1000)
    n = 20 * 1024 * 1024 // len(filler) + 1
    return rss("".join(filler.replace("big-{}", f"big-{i}") for i in range(n))).encode()


# (id, body (bytes or a builder), content type, outcome, expectation)
# dropped: the reason counted; failed: a pattern of the failure; sanitised/repaired: title and summary stored.
NEWS_CASES = [
    ("no-title", rss(item("", guid="t0") + GOOD_ITEM), "dropped", "empty title"),
    ("whitespace-title", rss(item("   \t ", guid="t1") + GOOD_ITEM), "dropped", "empty title"),
    ("markup-only-title", rss(item("<![CDATA[<img src='x.png'/>]]>", guid="t2") + GOOD_ITEM), "dropped", "empty title"),
    ("no-date", rss(item(guid="d0", date=None) + GOOD_ITEM), "dropped", "no date"),
    ("unparseable-date", rss(item(guid="d1", date="31/02/2025 25:61") + GOOD_ITEM), "dropped", "no date"),
    (
        "duplicated-guid",
        rss(item(guid="dup") + item("Nvidia again", guid="dup") + GOOD_ITEM),
        "dropped",
        "duplicate item_id",
    ),
    (
        "script-in-title",
        rss(item("<![CDATA[<script>alert(1)</script><b>Nvidia</b> falls]]>", guid="x1")),
        "sanitised",
        ("Nvidia falls", None),
    ),
    (
        "double-escaped-script",
        rss(
            item(
                "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Nvidia falls",
                guid="x2",
                description="&amp;lt;img src=x onerror=alert(1)&amp;gt;Sell-off",
            )
        ),
        "sanitised",
        ("Nvidia falls", "Sell-off"),
    ),
    (
        "event-handler-in-summary",
        rss(item(guid="x3", description="&lt;x onfocus=alert(1) autofocus&gt;Chips &lt;svg/onload=alert(2)&gt;slide")),
        "sanitised",
        ("Nvidia falls 17%", "Chips slide"),
    ),
    (
        "iframe-and-style",
        rss(
            item(guid="x4", description="<![CDATA[<style>p{}</style><iframe src='javascript:alert(1)'></iframe>Calm]]>")
        ),
        "sanitised",
        ("Nvidia falls 17%", "Calm"),
    ),
    (
        "nul-and-terminal-escape-in-title",
        rss(item("Nvi\x00dia \x1b[31mfalls", guid="x5")),
        "sanitised",
        ("Nvidia [31mfalls", None),
    ),
    (
        "javascript-link",
        rss(item(guid="x6", link="javascript:alert(document.cookie)")),
        "sanitised",
        ("Nvidia falls 17%", None),
    ),
    (
        "windows-1252-declared-utf-8",
        rss(item("Café owners cheer Nvidia", guid="e1")).encode("windows-1252"),
        "repaired",
        ("Café owners cheer Nvidia", None),
    ),
    (
        "utf-16-declared-utf-8",
        rss(item("Café owners cheer Nvidia", guid="e2")).encode("utf-16"),
        "repaired",
        ("Café owners cheer Nvidia", None),
    ),
    (
        "xml-external-entity",
        rss(item("Nvidia &xxe;", guid="xxe"), doctype='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
        "sanitised",
        ("Nvidia", None),
    ),
    ("billion-laughs", billion_laughs, "sanitised", ("Nvidia &l9;", None)),
    ("deeply-nested-xml", deeply_nested, "sanitised", ("Deep Nvidia", "x")),
    ("twenty-megabyte-feed", twenty_megabytes, "failed", r"exceeds the 10485760-byte cap"),
    ("html-page", b"<html><body><h1>Before you continue to Google</h1></body></html>", "failed", r"NonXMLContentType"),
    ("json-instead-of-xml", b'{"items": [{"title": "Nvidia"}]}', "failed", r"not a readable feed"),
]
NEWS_CONTENT_TYPES = {
    "html-page": "text/html",
    "json-instead-of-xml": "application/json",
    "windows-1252-declared-utf-8": "application/rss+xml",
}

# ----------------------------------------------------------------------------- App Store charts (LiveAppChartSource)


def _v2(n: int = 3, **changes):
    payload = v2_payload(n)
    for index, fields in changes.get("results", {}).items():
        for key, value in fields.items():
            if value is _DELETE:
                payload["feed"]["results"][index].pop(key, None)
            else:
                payload["feed"]["results"][index][key] = value
    for key, value in changes.get("feed", {}).items():
        payload["feed"][key] = value
    return payload


_DELETE = object()


def _duplicate_app():
    payload = v2_payload(3)
    payload["feed"]["results"][2] = copy.deepcopy(payload["feed"]["results"][1])
    return payload


# (id, chart (country, chart, limit), payload builder, pattern of the failure naming the chart's field or rows)
APP_CASES = [
    ("rank-101-of-top-100", ("us", "top-free", 100), lambda: v2_payload(101), r"rank\(s\) \[101\] outside 1\.\.100"),
    ("duplicated-app", ("us", "top-free", 3), _duplicate_app, r"duplicate app id\(s\): app 1500000001 at ranks 2, 3"),
    ("missing-id", ("us", "top-free", 3), lambda: _v2(results={1: {"id": _DELETE}}), r"feed\.results\[1\]\.id missing"),
    (
        "non-digit-id",
        ("us", "top-free", 3),
        lambda: _v2(results={0: {"id": "abc"}}),
        r"feed\.results\[0\]\.id must be a digit string, got 'abc'",
    ),
    (
        "negative-id",
        ("us", "top-free", 3),
        lambda: _v2(results={0: {"id": "-5"}}),
        r"feed\.results\[0\]\.id must be a digit string",
    ),
    (
        "id-as-list",
        ("us", "top-free", 3),
        lambda: _v2(results={0: {"id": ["1"]}}),
        r"feed\.results\[0\]\.id must be a digit string, got list",
    ),
    (
        "missing-name",
        ("us", "top-free", 3),
        lambda: _v2(results={2: {"name": _DELETE}}),
        r"feed\.results\[2\]\.name missing",
    ),
    (
        "name-as-number",
        ("us", "top-free", 3),
        lambda: _v2(results={0: {"name": 42}}),
        r"feed\.results\[0\]\.name must be a string, got int",
    ),
    (
        "blank-name",
        ("us", "top-free", 3),
        lambda: _v2(results={0: {"name": "  "}}),
        r"feed\.results\[0\]\.name is empty",
    ),
    (
        "results-not-a-list",
        ("us", "top-free", 3),
        lambda: _v2(feed={"results": {"id": "1"}}),
        r"feed\.results must be a list",
    ),
    (
        "wrong-storefront",
        ("us", "top-free", 3),
        lambda: _v2(feed={"country": "gb"}),
        r"feed\.country is 'gb', not the requested 'us'",
    ),
    ("top-level-list", ("us", "top-free", 3), lambda: [v2_payload(3)], r"top level must be an object, got list"),
    ("no-results", ("us", "top-free", 3), lambda: _v2(feed={"results": []}), r"0 entries in "),
    (
        "legacy-entry-without-im-id",
        ("us", "top-grossing", 3),
        lambda: legacy_payload([_without_im_id(legacy_entry("6448311069", "ChatGPT", "OpenAI", "Productivity"))]),
        r"feed\.entry\[0\]\.id\.attributes\.im:id missing",
    ),
    (
        "legacy-entry-as-string",
        ("us", "top-grossing", 3),
        lambda: legacy_payload("ChatGPT"),
        r"feed\.entry must be a list or an object, got str",
    ),
]


def _without_im_id(entry: dict) -> dict:
    entry["id"]["attributes"].pop("im:id")
    return entry


# ----------------------------------------------------------------------------- the replay bundle (app_rank_snapshots asset)

# (id, the CSV row changes applied to the bundle's 2025-01-27 us/top-free rows, failing check, sample named)
REPLAY_APP_CASES = [
    ("rank-zero", {"ChatGPT": {"rank": "0"}}, "rank_within_limit", "us/top-free #0 ChatGPT"),
    ("duplicated-rank", {"ChatGPT": {"rank": "1"}}, "rank_unique_per_snapshot", "us/top-free #1 ChatGPT"),
    ("blank-app-id", {"Google Gemini": {"app_id": " "}}, "app_id_not_null", "us/top-free #14 Google Gemini"),
]

# ----------------------------------------------------------------------------- the watchlist (config.watchlist.load_watchlist)

# (id, the `companies:` line or the block replacing the app charts, pattern naming the line)
WATCHLIST_CASES = [
    (
        "lower-case-ticker",
        "  - {ticker: nvda, name: NVIDIA, theme: ai_chips}",
        r"line 4: companies\[1\]\.ticker: ticker 'nvda' is not a valid symbol",
    ),
    (
        "sql-in-watchlist-ticker",
        '  - {ticker: "X\'); DROP TABLE marts.dim_company; --", name: X, theme: ai_chips}',
        r"line 4: companies\[1\]\.ticker: ticker \"X'\); DROP TABLE marts\.dim_company; --\" is not a valid symbol",
    ),
    (
        "space-in-ticker",
        "  - {ticker: NV DA, name: NVIDIA, theme: ai_chips}",
        r"line 4: companies\[1\]\.ticker: ticker 'NV DA' is not a valid symbol",
    ),
    (
        "unknown-theme",
        "  - {ticker: NVDA, name: NVIDIA, theme: crypto}",
        r"line 4: companies\[1\]\.theme: NVDA has unknown theme 'crypto'",
    ),
    (
        "duplicated-ticker",
        "  - {ticker: AMD, name: AMD again, theme: ai_chips}",
        r"line 4: companies\[1\]\.ticker: ticker AMD repeats line 3",
    ),
    (
        "file-url-feed",
        'feeds:\n  - {id: local, kind: rss, url: "file:///etc/passwd"}',
        r"line 5: feeds\[0\]\.url \(id 'local'\): only http\(s\) URLs",
    ),
    (
        "javascript-url-feed",
        'feeds:\n  - {id: js, kind: rss, url: "javascript:alert(1)"}',
        r"line 5: feeds\[0\]\.url \(id 'js'\): only http\(s\) URLs",
    ),
    (
        "chart-limit-101",
        "app_charts: {countries: [us], charts: [top-free], limit: 101}",
        r"line 4: app_charts\.limit: limit 101 must be a whole number in 1\.\.100",
    ),
    (
        "ftp-chart-host",
        "app_charts:\n  countries: [us]\n  charts: [top-free]\n  v2_base_url: ftp://example.com",
        r"line 7: app_charts\.v2_base_url: only http\(s\) URLs",
    ),
    (
        "non-numeric-app-id",
        "app_charts:\n  countries: [us]\n  charts: [top-free]\n  highlight_apps:\n    - {app_id: abc, name: X}",
        r"line 8: app_charts\.highlight_apps\[0\]\.app_id: app 'X' has app_id 'abc'",
    ),
]
