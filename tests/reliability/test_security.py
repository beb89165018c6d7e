"""Security: configuration and fetched content are data, never code.

- A ticker carrying SQL is refused by the watchlist loader, naming its line.
- Entity aliases with quotes and regex metacharacters round-trip as data: entities.py escapes
  them into RE2 patterns, the lake carries them as Parquet values, dbt evaluates them with
  regexp_matches over columns. An alias `X'); drop table marts.dim_company; --` breaks nothing
  and matches only literally.
- No Python in dagster_project reaches a shell, and every SQL string built by interpolation
  interpolates only catalog identifiers or a quoted literal (an AST scan: new code that
  interpolates anything else fails here until reviewed).
- Only http(s) URLs are accepted wherever a URL is configured (feeds, the App Store hosts,
  the Google News base) or followed (redirects).
- Response size caps hold for feeds and charts, with and without Content-Length.
- Feed HTML is never stored unsanitised: after a hostile feed the lake has no '<' and no
  control character in any title, summary or publisher.
- No secret (token / key patterns, credentials in URLs, key files) is in the repository's files.
"""

from __future__ import annotations

import ast
import dataclasses
import gzip
import re
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dagster import materialize
from werkzeug import Response

from dagster_project.assets.news import news_items
from dagster_project.config.settings import load_settings
from dagster_project.config.source_config import ChartConfig, FeedConfig
from dagster_project.config.watchlist import WatchlistError, load_watchlist, parse_watchlist
from dagster_project.definitions import build_definitions
from dagster_project.entities import alias_pattern
from dagster_project.publishing import _sql_literal, publish_warehouse
from dagster_project.resources import sources_for
from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.http import HttpClient, HttpError, check_url
from dagster_project.sources.news import NewsFetchResult, news_frame
from dagster_project.sources.news.feeds import google_news_url
from dagster_project.sources.news.live import LiveNewsSource
from tests.pipeline import query, run_pipeline
from tests.reliability.helpers import REPO_ROOT
from tests.sources.app_charts.payloads import NOW, TODAY, v2_path, v2_payload

INJECTION = "X'); DROP TABLE marts.dim_company; --"


# ----------------------------------------------------------------------------- SQL and shells


def test_a_ticker_carrying_sql_is_refused_naming_its_line(tmp_path):
    shipped = (REPO_ROOT / "dagster_project" / "watchlist.yml").read_text()
    line = f'  - {{ticker: "{INJECTION}", name: Evil, theme: ai_chips}}\n'
    text = shipped.replace("companies:\n", "companies:\n" + line, 1)
    path = tmp_path / "watchlist.yml"
    path.write_text(text)
    number = text.splitlines().index(line.rstrip("\n")) + 1
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(path)
    assert str(caught.value).startswith(
        f"{path} line {number}: companies[0].ticker: ticker {INJECTION!r} is not a valid symbol"
    )


ODD_ALIASES = {
    "Injector": "X'); drop table marts.dim_company; --",
    "Dotty": "A.I*",
    "Quoter": 'O\'Neil "Labs" (beta) [v2] {x} $ ^ | \\d+',
}


class ScriptedNews:
    name = "scripted"

    def __init__(self, result):
        self.result = result

    def fetch(self, feeds, start, end):
        return self.result


def _item(item_id: str, title: str) -> dict:
    return {
        "feed_id": "scripted",
        "item_id": item_id,
        "url": f"https://example.test/{item_id}",
        "title": title,
        "publisher": "Example Wire",
        "published_at": pd.Timestamp("2025-01-27T09:00:00Z").to_pydatetime(),
        "summary": None,
        "fetched_at": pd.Timestamp("2025-01-28T06:00:00Z").to_pydatetime(),
    }


def test_aliases_with_quotes_and_regex_metacharacters_round_trip_as_data(replay_settings, tmp_path, monkeypatch):
    shipped = yaml.safe_load((REPO_ROOT / "dagster_project" / "watchlist.yml").read_text())
    shipped["actors"] += [
        {"entity": entity, "type": "other", "aliases": [alias]} for entity, alias in ODD_ALIASES.items()
    ]
    path = tmp_path / "watchlist.yml"
    path.write_text(yaml.safe_dump(shipped, sort_keys=False))
    monkeypatch.setenv("SHOCKWATCH_WATCHLIST", str(path))
    settings = load_settings()
    items = news_frame(
        [
            _item("i1", f"Filing quotes {ODD_ALIASES['Injector']} verbatim"),
            _item("i2", "AXI and AIII and A.IIII rally"),  # what A.I* would match as a regex
            _item("i3", "The A.I* index rebalances"),
            _item("i4", f"Report on {ODD_ALIASES['Quoter']} today"),
            _item("i5", "ONeil Labs beta v2 x 42"),
        ]
    )
    sources = dataclasses.replace(sources_for(settings), news=ScriptedNews(NewsFetchResult(items=items)), mode="live")

    result = run_pipeline(build_definitions(settings, sources=sources), "2025-01-27", "2025-01-27", job="news_pipeline")

    assert result.success
    db = settings.analytics_db
    tables = {r[0] for r in query(db, "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert "dim_company" in tables  # nothing was dropped
    stored = dict(
        query(
            db, "select entity, alias from staging.stg_entity_aliases where entity in ('Injector', 'Dotty', 'Quoter')"
        )
    )
    assert stored == ODD_ALIASES  # the aliases round-trip byte for byte
    mentions = query(
        db,
        "select item_id, entity from marts.fct_news_mentions "
        "where entity in ('Injector', 'Dotty', 'Quoter') order by 1",
    )
    assert mentions == [("i1", "Injector"), ("i3", "Dotty"), ("i4", "Quoter")]


def test_alias_patterns_escape_every_re2_metacharacter():
    alias = ODD_ALIASES["Quoter"] + " .*+?()[]{}|^$\\"
    pattern = alias_pattern(alias, case_sensitive=True)
    with duckdb.connect() as con:
        assert con.execute("select regexp_matches(?, ?)", [f"a {alias} b", pattern]).fetchone() == (True,)
        assert con.execute("select regexp_matches(?, ?)", ["ONeil Labs beta v2 x 42 aaaa", pattern]).fetchone() == (
            False,
        )


# identifiers from the dbt manifest / information_schema, each double-quoted by a helper
# (relation, order_by: dagster_project/assets/dbt_metadata.py `_quote`), and a quoted path
ALLOWED_SQL_INTERPOLATIONS = {
    # quoted identifiers read from the catalog
    "schema",
    "name",
    "relation",
    "source",
    "order_by",
    # module constants: the publish ledger's table names, the scope SQL (its values are bound)
    "LEDGER",
    "PUBLISHED_MARKER",
    "scope",
    "_sql_literal(str(build_db))",
    # DuckLake: the lake's attach name and the publications table (module constants), and an
    # extension file's path with its quotes doubled (INSTALL binds no parameter)
    "LAKE",
    "PUBLICATIONS",
    "quoted_file",
}


def _python_files():
    return sorted((REPO_ROOT / "dagster_project").rglob("*.py"))


def test_no_shell_and_sql_interpolates_only_identifiers_or_quoted_literals():
    shells, interpolations = [], []
    for path in _python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            where = f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
            if func in ("os.system", "os.popen") or any(k.arg == "shell" for k in node.keywords):
                shells.append(f"{where} {ast.unparse(node)}")
            if func.endswith(".execute") or func.endswith(".sql") or func.endswith(".query"):
                for arg in node.args[:1]:
                    if isinstance(arg, ast.JoinedStr):
                        values = [ast.unparse(v.value) for v in arg.values if isinstance(v, ast.FormattedValue)]
                        interpolations += [(where, v) for v in values]
                    elif isinstance(arg, ast.BinOp) or (
                        isinstance(arg, ast.Call) and ast.unparse(arg.func).endswith(".format")
                    ):
                        interpolations.append((where, ast.unparse(arg)))
    assert shells == []
    assert [i for i in interpolations if i[1] not in ALLOWED_SQL_INTERPOLATIONS] == []
    assert interpolations, "the scan found publish.py's SQL: it does look"


def test_sql_literal_quotes_a_path_with_quotes(tmp_path):
    odd = tmp_path / "o'brien's \"data\""
    odd.mkdir()
    build = odd / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select 1 as x")
    assert _sql_literal("it's") == "'it''s'"
    assert publish_warehouse(build, odd / "analytics.duckdb").counts == {"marts.t": 1}


def test_a_data_dir_with_a_quote_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "analyst's data"))
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "replay")
    settings = load_settings()
    result = run_pipeline(build_definitions(settings), "2025-01-24", "2025-01-24")
    assert result.success, "dbt failed on a data dir containing a quote"
    assert query(settings.analytics_db, "select count(*) from marts.fct_daily_market_cap") == [(17,)]


# ----------------------------------------------------------------------------- URLs

BAD_URLS = [
    "file:///etc/passwd",
    "ftp://example.com/feed.xml",
    "javascript:alert(1)",
    "data:text/xml,<rss/>",
    "gopher://example.com/",
    "//example.com/feed.xml",
    "http://",
    "/relative/feed.xml",
    "example.com/feed.xml",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_http_urls_are_accepted_wherever_a_url_is_configured(url, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="only http"):
        check_url(url)
    head = "themes: {t: T}\ncompanies: [{ticker: X, name: X, theme: t}]\n"
    with pytest.raises(WatchlistError, match=r"line 4: feeds\[0\]\.url \(id 'f'\): only http"):
        parse_watchlist(head + f"feeds:\n  - {{id: f, kind: rss, url: {url!r}}}\n", "watchlist.yml")
    with pytest.raises(ValueError, match="only http"):
        FeedConfig("f", "rss", url=url)
    for key in ("v2_base_url", "legacy_base_url"):
        block = f"app_charts:\n  countries: [us]\n  charts: [top-free]\n  {key}: {url!r}\n"
        with pytest.raises(WatchlistError, match=rf"line 6: app_charts\.{key}: (only http|must be an http)"):
            parse_watchlist(head + block, "watchlist.yml")
    with pytest.raises(ValueError, match="only http"):
        LiveAppChartSource(HttpClient(), v2_base=url)
    with pytest.raises(ValueError, match="only http"):
        LiveNewsSource(HttpClient(), google_news_base=url)
    with pytest.raises(ValueError, match="only http"):
        google_news_url("DeepSeek", TODAY, TODAY, base=url)
    with pytest.raises(ValueError, match="only http"):
        HttpClient().get(url)
    # the Google News base from the environment: refused when the live sources are built
    monkeypatch.setenv("SHOCKWATCH_GOOGLE_NEWS_BASE", url)
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "live")
    with pytest.raises(ValueError, match="only http"):
        sources_for(load_settings())


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.com/feed.xml", "gopher://example.com/"])
def test_a_redirect_to_a_non_http_url_is_not_followed(httpserver, target):
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": target})
    with pytest.raises(HttpError) as caught:
        HttpClient(attempts=1, sleep=lambda s: None).get(httpserver.url_for("/moved"))
    assert caught.value.transient is False and "/moved" in str(caught.value)


# ----------------------------------------------------------------------------- size caps

CAP = 10 * 1024 * 1024  # HttpClient's default, which build_sources uses for feeds and charts


def test_the_live_sources_use_the_10_mb_cap(monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_SOURCE_MODE", "live")
    sources = sources_for(load_settings())
    assert sources.news.client.max_bytes == CAP and sources.app_charts.client.max_bytes == CAP


@pytest.mark.parametrize("framing", ["content-length", "chunked", "gzip"])
def test_feeds_and_charts_over_the_cap_fail_naming_it(httpserver, framing):
    big = b"<rss>" + b"x" * (CAP + 1024) + b"</rss>"

    def answer(request):
        if framing == "chunked":
            return Response((big[i : i + 65536] for i in range(0, len(big), 65536)), content_type="application/json")
        if framing == "gzip":  # ~10 KB on the wire, 10 MB once decoded
            return Response(gzip.compress(big), headers={"Content-Encoding": "gzip"}, content_type="application/json")
        return Response(big, content_type="application/json")

    httpserver.expect_request("/feed.xml").respond_with_handler(answer)
    httpserver.expect_request(v2_path("us", "top-free", 3)).respond_with_handler(answer)
    client = HttpClient(attempts=1, sleep=lambda s: None)
    base = httpserver.url_for("/").rstrip("/")

    news = LiveNewsSource(client).fetch([FeedConfig("big", "rss", url=httpserver.url_for("/feed.xml"))], TODAY, TODAY)
    charts = LiveAppChartSource(client, v2_base=base + "/v2", clock=lambda: NOW).fetch(
        [ChartConfig("us", "top-free", 3)], TODAY
    )

    assert re.search(
        rf"feed big: GET .*/feed\.xml failed: response (of \d+ bytes )?exceeds the {CAP}-byte cap", news.failures["big"]
    )
    assert re.search(
        rf"us/top-free: GET .*apps\.json failed: response (of \d+ bytes )?exceeds the {CAP}-byte cap",
        charts.failures["us/top-free"],
    )
    assert news.items.empty and charts.rows.empty


def test_a_chart_just_under_the_cap_still_lands(httpserver):
    httpserver.expect_request(v2_path("us", "top-free", 3)).respond_with_json(v2_payload(3))
    base = httpserver.url_for("/").rstrip("/")
    result = LiveAppChartSource(
        HttpClient(attempts=1, max_bytes=4096, sleep=lambda s: None), v2_base=base + "/v2", clock=lambda: NOW
    ).fetch([ChartConfig("us", "top-free", 3)], TODAY)
    assert result.failures == {} and len(result.rows) == 3


# ----------------------------------------------------------------------------- hostile feed HTML

HOSTILE = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
    "<title>&lt;b&gt;Evil&lt;/b&gt; Wire&lt;script&gt;steal()&lt;/script&gt;</title><link>https://evil.test/</link>"
    "<item><title><![CDATA[<script>alert(1)</script><img src=x onerror=alert(2)>Nvidia <i>plunges</i>]]></title>"
    '<link>https://evil.test/1</link><guid isPermaLink="false">e1</guid><pubDate>Mon, 27 Jan 2025 14:30:00 GMT</pubDate>'
    "<description><![CDATA[<iframe src='javascript:alert(3)'></iframe><style>*{}</style><svg onload=alert(4)>"
    "<p onclick='x()'>Chips</p> <a href='javascript:void(0)'>slide</a><!-- <script>hidden()</script> -->]]></description></item>"
    "<item><title>&amp;lt;script&amp;gt;alert(5)&amp;lt;/script&amp;gt;DeepSeek &amp;lt;b&amp;gt;tops&amp;lt;/b&amp;gt; charts</title>"
    '<link>https://evil.test/2</link><guid isPermaLink="false">e2</guid><pubDate>Mon, 27 Jan 2025 15:30:00 GMT</pubDate>'
    "<description>&lt;img src=x onerror=alert(6)&gt;&amp;lt;x onfocus=alert(7) autofocus&amp;gt;Apps\x1b]0;pwned\x07 rise</description>"
    '<source url="https://evil.test">&lt;img src=x onerror=alert(8)&gt;Outlet</source></item>'
    "</channel></rss>"
)


def test_hostile_feed_html_is_never_stored(replay_settings, httpserver):
    httpserver.expect_request("/evil.xml").respond_with_data(HOSTILE, content_type="application/rss+xml")
    feed = FeedConfig("evil", "rss", url=httpserver.url_for("/evil.xml"))
    news = LiveNewsSource(HttpClient(attempts=1, sleep=lambda s: None))
    sources = dataclasses.replace(sources_for(replay_settings), news=news, mode="live")
    watchlist = load_watchlist(replay_settings.watchlist_path).model_copy(update={"feeds": (feed,)})

    result = materialize(
        [news_items],
        partition_key="2025-01-27",
        raise_on_error=False,
        resources={"settings": replay_settings, "sources": sources, "watchlist": watchlist},
    )

    assert result.success
    stored = pd.read_parquet(replay_settings.lake_dir / "news_items" / "published_date=2025-01-27" / "data.parquet")
    assert sorted(stored["item_id"]) == ["e1", "e2"]
    for column in ("title", "summary", "publisher"):
        for value in stored[column].dropna():
            assert "<" not in value and ">" not in value, (column, value)
            assert not re.search(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]", value), (column, value)
            assert not re.search(r"(?i)alert\(|onerror|onload|javascript:|steal\(|hidden\(", value), (column, value)
    assert stored.set_index("item_id")["title"].to_dict() == {"e1": "Nvidia plunges", "e2": "DeepSeek tops charts"}
    assert stored.set_index("item_id")["summary"].to_dict() == {
        "e1": "Chips slide",
        "e2": "Apps]0;pwned rise",
    }  # the escape bytes go, their text stays
    assert stored.set_index("item_id")["publisher"].to_dict() == {"e1": "Evil Wire", "e2": "Outlet"}


# ----------------------------------------------------------------------------- secrets

SECRET_PATTERNS = {
    "AWS access key id": r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])",
    "AWS secret key": r"(?i)aws_secret_access_key\s*[:=]\s*\S{16,}",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36,}|\bgithub_pat_[A-Za-z0-9_]{40,}",
    "Slack token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}",
    "private key": r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----",
    "Stripe / OpenAI-style key": r"\b(?:sk_live_[0-9A-Za-z]{20,}|sk-(?:proj-)?[A-Za-z0-9_-]{32,})",
    "JWT": r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    "credentials in a URL": r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]+@[^\s/]+",
    "hard-coded secret": r"(?i)\b(?:api[_-]?key|secret|token|passw(?:or)?d)\b\s*[:=]\s*[\"'][^\"'\s]{12,}[\"']",
}
SECRET_FILES = re.compile(
    r"(^|/)(\.env(\..*)?|.*\.pem|.*\.key|id_rsa|id_ed25519|\.netrc|credentials(\.json)?|\.pypirc)$"
)


def scan_for_secrets(root: Path, files: list[str]) -> list[str]:
    found = []
    for name in files:
        if SECRET_FILES.search(name):
            found.append(f"{name}: a key/credentials file is in the repository")
        path = root / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        text = data.decode("utf-8", errors="replace")
        for label, pattern in SECRET_PATTERNS.items():
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {label}: {match.group(0)[:12]}…")
    return found


def test_no_secrets_in_the_repository():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(listed) > 50 and "dagster_project/watchlist.yml" in listed
    assert scan_for_secrets(REPO_ROOT, listed) == []


def test_the_secret_scan_finds_planted_secrets(tmp_path):
    planted = {
        "config.py": 'API_KEY = "' + "q7" * 10 + '"\n',
        "deploy.sh": "aws_access_key_id=" + "AKIA" + "Q" * 16 + "\n",
        "notes.md": "clone https://" + "bob:hunter2" + "@git.example.com/repo\n",
        "token.txt": "gh" + "p_" + "a" * 36 + "\n",
        ".env": "NOTHING=1\n",
    }
    for name, text in planted.items():
        (tmp_path / name).write_text(text)
    found = scan_for_secrets(tmp_path, sorted(planted))
    assert {f.split(":")[0] for f in found} == set(planted)
