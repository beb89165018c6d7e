"""watchlist.yml validation (dagster_project/config/watchlist.py): every rule of the models,
and every error in one format, `<file> line <n>: <path>: <what>`, naming the line."""

import re

import pytest

from dagster_project.config.settings import REPO_ROOT
from dagster_project.config.source_config import ChartBaseUrls, ChartConfig, FeedConfig, HighlightApp
from dagster_project.config.watchlist import WatchlistError, load_watchlist, parse_watchlist

HEAD = "themes:\n  ai_chips: chips\ncompanies:\n"  # lines 1-3; the first company is line 4
ONE_COMPANY = HEAD + "  - {ticker: NVDA, name: NVIDIA, theme: ai_chips}\n"  # feeds: start on line 5


def test_default_watchlist_has_the_seventeen_tickers():
    watchlist = load_watchlist(REPO_ROOT / "dagster_project" / "watchlist.yml")
    assert len(watchlist.tickers) == 17
    assert {c.ticker for c in watchlist.companies if c.is_benchmark} == {"SPY", "QQQ"}
    nvda = next(c for c in watchlist.companies if c.ticker == "NVDA")
    assert (nvda.name, nvda.theme) == ("NVIDIA Corporation", "ai_chips")
    # capex: every non-ETF company but the two that report in TWD/EUR, each with its fiscal year end
    capex = watchlist.capex_fiscal_year_ends
    assert set(capex) == set(watchlist.tickers) - {"SPY", "QQQ", "TSM", "ASML"}
    assert (capex["MSFT"], capex["ORCL"], capex["AAPL"], capex["META"]) == (6, 5, 9, 12)


def _write(tmp_path, companies: str):
    path = tmp_path / "watchlist.yml"
    path.write_text(HEAD + companies, encoding="utf-8")
    return path


def test_bad_ticker_names_its_line(tmp_path):
    path = _write(
        tmp_path,
        '  - {ticker: NVDA, name: NVIDIA, theme: ai_chips}\n  - {ticker: "X\'); DROP", name: Bad, theme: ai_chips}\n',
    )
    with pytest.raises(
        WatchlistError, match=r"line 5: companies\[1\]\.ticker: ticker .*X'\); DROP.* not a valid symbol"
    ):
        load_watchlist(path)


def test_unknown_theme_names_its_line(tmp_path):
    path = _write(tmp_path, "  - {ticker: NVDA, name: NVIDIA, theme: crypto}\n")
    with pytest.raises(WatchlistError, match=r"line 4: companies\[0\]\.theme: NVDA has unknown theme 'crypto'"):
        load_watchlist(path)


def test_duplicate_ticker_is_an_error(tmp_path):
    path = _write(
        tmp_path, "  - {ticker: NVDA, name: A, theme: ai_chips}\n  - {ticker: NVDA, name: B, theme: ai_chips}\n"
    )
    with pytest.raises(WatchlistError, match=r"line 5: companies\[1\]\.ticker: ticker NVDA repeats line 4"):
        load_watchlist(path)


def test_lowercase_ticker_is_rejected_not_guessed(tmp_path):
    path = _write(tmp_path, "  - {ticker: nvda, name: NVIDIA, theme: ai_chips}\n")
    with pytest.raises(WatchlistError, match="line 4"):
        load_watchlist(path)


def test_errors_start_with_the_file_and_line(tmp_path):
    path = _write(tmp_path, "  - {ticker: NVDA, name: NVIDIA, theme: ai_chips, sector: chips}\n")
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(path)
    assert str(caught.value).startswith(f"{path} line 4: companies[0]: unknown field(s) ['sector']")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", r"^watchlist\.yml: "),
        ("themes: {}\ncompanies: []\n", r"'themes' is missing or empty"),
        (HEAD + "  - NVDA\n", r"line 4: companies\[0\]: each company must be a mapping"),
        (HEAD + "  - {ticker: NVDA, name: '', theme: ai_chips}\n", r"line 4: companies\[0\]\.name: NVDA has no name"),
        (
            HEAD + "  - {ticker: NVDA, name: N, theme: ai_chips, benchmark: 'yes'}\n",
            r"line 4: companies\[0\]\.benchmark: ",
        ),
        (
            HEAD + "  - {ticker: NVDA, name: N, theme: ai_chips, aliases: [' ']}\n",
            r"aliases' must be a list of non-empty names",
        ),
        (
            ONE_COMPANY + "actors:\n  - {entity: NVDA, aliases: [x]}\n",
            r"line 6: actors\[0\]\.entity: entity NVDA is defined twice",
        ),
        (
            ONE_COMPANY + "actors:\n  - {entity: Lab, aliases: []}\n",
            r"line 6: actors\[0\]\.aliases: needs at least one alias",
        ),
        (
            ONE_COMPANY + "actors:\n  - {entity: '', aliases: [x]}\n",
            r"line 6: actors\[0\]\.entity: actor has no 'entity' name",
        ),
        (
            HEAD + "  - {ticker: MSFT, name: M, theme: ai_chips, fiscal_year_end: 13}\n",
            r"line 4: companies\[0\]\.fiscal_year_end: .*less than or equal to 12",
        ),
        (
            HEAD + "  - {ticker: MSFT, name: M, theme: ai_chips, capex: maybe}\n",
            r"line 4: companies\[0\]\.capex: .*valid boolean",
        ),
    ],
)
def test_watchlist_rules(text, expected):
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(text, "watchlist.yml")
    assert re.search(expected, str(caught.value)), str(caught.value)


# --------------------------------------------------------------------------- feeds


def feeds(*lines: str) -> str:
    return ONE_COMPANY + "feeds:\n" + "".join(f"  - {line}\n" for line in lines)  # entry i on line 6 + i


def test_feeds_accept_rss_and_google_news():
    watchlist = parse_watchlist(
        feeds(
            "{id: reuters_tech, kind: rss, url: 'https://example.com/feed.xml', publisher: Reuters}",
            "{id: gn_nvidia, kind: google_news, query: ' Nvidia OR DeepSeek '}",
        ),
        "watchlist.yml",
    )
    assert watchlist.feeds == (
        FeedConfig("reuters_tech", "rss", url="https://example.com/feed.xml", publisher="Reuters"),
        FeedConfig("gn_nvidia", "google_news", query="Nvidia OR DeepSeek"),
    )


@pytest.mark.parametrize(
    "entries, expected",
    [
        (
            ["{id: a, kind: rss, url: 'https://x.test/1'}", "{id: a, kind: rss, url: 'https://x.test/2'}"],
            [r"line 7", r"'a'", r"duplicate feed id", r"first at line 6"],
        ),
        (
            ["{id: evil, kind: rss, url: 'javascript:alert(1)'}"],
            [r"line 6", r"'evil'", r"feeds\[0\]\.url", r"only http"],
        ),
        (["{id: local, kind: rss, url: 'file:///etc/passwd'}"], [r"line 6", r"'local'", r"only http"]),
        (["{id: gn, kind: google_news}"], [r"line 6", r"'gn'", r"needs a non-empty 'query'"]),
        (["{id: gn, kind: google_news, query: '   '}"], [r"line 6", r"needs a non-empty 'query'"]),
        (
            ["{id: gn, kind: google_news, query: x, url: 'https://news.google.com/rss'}"],
            [r"line 6", r"takes 'query', not 'url'"],
        ),
        (["{id: r, kind: rss, url: 'https://x.test/', tags: [ai]}"], [r"line 6", r"unknown field\(s\) \['tags'\]"]),
        (["{id: Bad-Id, kind: rss, url: 'https://x.test/'}"], [r"line 6", r"slug"]),
        (["{id: r, kind: atom, url: 'https://x.test/'}"], [r"line 6", r"'kind' must be one of rss, google_news"]),
        (["{id: r, kind: rss}"], [r"line 6", r"needs a 'url'"]),
        (
            ["{id: r, kind: rss, url: 'https://x.test/', publisher: ' '}"],
            [r"line 6", r"'publisher' must be a non-empty"],
        ),
    ],
)
def test_feed_errors_name_the_entry_and_line(entries, expected):
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(feeds(*entries), "watchlist.yml")
    message = str(caught.value)
    assert message.startswith("watchlist.yml line ") and ": feeds[" in message, message
    for pattern in expected:
        assert re.search(pattern, message), (pattern, message)


def test_a_feed_without_an_id_names_its_index():
    with pytest.raises(WatchlistError, match=r"^watchlist\.yml line 7: feeds\[1\]\.id: 'id' is required"):
        parse_watchlist(
            feeds("{id: ok, kind: rss, url: 'https://x.test/'}", "{kind: rss, url: 'ftp://x.test/'}"), "watchlist.yml"
        )


# --------------------------------------------------------------------------- app charts

CONFIG_YAML = """\
app_charts:
  countries: [us, gb, cn, jp, de]
  charts: [top-free, top-paid, top-grossing]
  limit: 100
  v2_base_url: https://rss.applemarketingtools.com
  legacy_base_url: https://itunes.apple.com
  highlight_apps:
    - {app_id: "6737597349", name: DeepSeek}
    - {app_id: "6448311069", name: ChatGPT}
"""
CHART_HEAD = "themes: {ai_chips: chips}\ncompanies: [{ticker: NVDA, name: N, theme: ai_chips}]\n"  # 2 lines


def charts(text: str):
    return parse_watchlist(CHART_HEAD + text, "watchlist.yml")


def test_app_charts_give_every_country_and_chart():
    watchlist = charts(CONFIG_YAML)
    assert len(watchlist.charts) == 15
    assert watchlist.charts[0] == ChartConfig("us", "top-free", 100) and watchlist.charts[-1].key == "de/top-grossing"
    assert watchlist.highlight_apps == (HighlightApp("6737597349", "DeepSeek"), HighlightApp("6448311069", "ChatGPT"))
    assert watchlist.chart_urls == ChartBaseUrls("https://rss.applemarketingtools.com", "https://itunes.apple.com")


def test_the_shipped_block_is_valid_and_highlights_deepseek_and_chatgpt():
    watchlist = load_watchlist(REPO_ROOT / "dagster_project" / "watchlist.yml")
    ids = {app.app_id: app.name for app in watchlist.highlight_apps}
    assert ids["6737597349"] == "DeepSeek" and ids["6448311069"] == "ChatGPT"
    assert {c.chart for c in watchlist.charts} == {"top-free", "top-paid", "top-grossing"}


# The app_charts block is lines 3-11: countries 4 (where its mapping starts), charts 5, limit 6, apps 10-11.
@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("[us, gb,", "[usa, gb,", r"line 4: app_charts\.countries\[0\]: country 'usa' is not"),
        ("top-paid, top-grossing]", "top-paid, top-weird]", r"line 5: app_charts\.charts\[2\]: chart 'top-weird'"),
        ("limit: 100", "limit: 101", r"line 6: app_charts\.limit: limit 101 must be a whole number in 1\.\.100"),
        ("v2_base_url: https://", "v2_base_url: ftp://", r"line 7: app_charts\.v2_base_url: only http\(s\) URLs"),
        (
            '{app_id: "6448311069"',
            '{app_id: "64483x1069"',
            r"line 11: app_charts\.highlight_apps\[1\]\.app_id: app 'ChatGPT' has app_id '64483x1069'",
        ),
        ('"6448311069", name: ChatGPT', '"6737597349", name: ChatGPT', r"line 11: .*6737597349 is listed twice"),
        ("[us, gb,", "[us, us,", r"line 4: app_charts\.countries\[1\]: country 'us' is listed twice"),
        ("limit: 100", "limit: true", r"line 6: app_charts\.limit: limit True must be a whole number"),
        ("limit: 100", "limit: '10'", r"line 6: app_charts\.limit: limit '10' must be a whole number"),
        ("limit: 100", "size: 100", r"line 4: app_charts: unknown field\(s\) \['size'\]"),
        (
            "countries: [us, gb, cn, jp, de]",
            "countries: []",
            r"line 4: app_charts\.countries: must be a non-empty list",
        ),
    ],
)
def test_app_chart_errors_name_the_entry_and_line(old, new, expected):
    assert old in CONFIG_YAML
    with pytest.raises(WatchlistError, match=r"^watchlist\.yml " + expected):
        charts(CONFIG_YAML.replace(old, new))


def test_app_charts_defaults_and_an_unquoted_app_id():
    watchlist = charts(
        "app_charts: {countries: [us], charts: [top-paid], limit: 10, highlight_apps: [{app_id: 12, name: X}]}\n"
    )
    assert watchlist.charts == (ChartConfig("us", "top-paid", 10),)
    assert watchlist.highlight_apps == (HighlightApp("12", "X"),)
    assert watchlist.chart_urls.legacy == "https://itunes.apple.com"
    assert charts("").charts == () and charts("").chart_urls == ChartBaseUrls()


def test_source_config_rejects_bad_values_directly():
    with pytest.raises(ValueError, match="'US' is not an ISO"):
        ChartConfig("US", "top-free", 10)
    with pytest.raises(ValueError, match="limit 0"):
        ChartConfig("us", "top-free", 0)
    with pytest.raises(ValueError, match="only http"):
        FeedConfig("f", "rss", url="file:///etc/passwd")
    with pytest.raises(ValueError, match="numeric app id"):
        HighlightApp("12a", "X")


def test_parsing_leaves_the_garbage_collector_as_it_found_it():
    """parse_watchlist pauses Python's cyclic collector while it builds (a speed-up at 5,000
    companies) and restores it on success and on error alike."""
    import gc

    assert gc.isenabled()
    parse_watchlist("companies:\n  - {ticker: NVDA, name: NVIDIA, theme: chips}\nthemes: {chips: Chips}\n")
    assert gc.isenabled()
    with pytest.raises(WatchlistError):
        parse_watchlist("companies: [{ticker: 1}]\n")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_watchlist("companies:\n  - {ticker: NVDA, name: NVIDIA, theme: chips}\nthemes: {chips: Chips}\n")
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_the_same_file_is_parsed_once_and_an_edited_one_again(tmp_path):
    """A run sets the watchlist up twice (resource and sources): the second load of the same
    text reuses the first's Watchlist; an edit, even in place, is read anew."""
    path = _write(tmp_path, "  - {ticker: NVDA, name: NVIDIA, theme: ai_chips}\n")
    first, second = load_watchlist(path), load_watchlist(path)
    assert second is first and first.tickers == ["NVDA"]
    path.write_text(HEAD + "  - {ticker: AMD, name: AMD, theme: ai_chips}\n", encoding="utf-8")
    assert load_watchlist(path).tickers == ["AMD"]
    path.write_text(HEAD + "  - {ticker: amd, name: AMD, theme: ai_chips}\n", encoding="utf-8")
    for _ in range(2):  # a broken file fails every time, never served from a cache
        with pytest.raises(WatchlistError, match="line 4"):
            load_watchlist(path)
