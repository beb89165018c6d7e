import pytest

from dagster_project.settings import REPO_ROOT
from dagster_project.watchlist import WatchlistError, load_watchlist


def test_default_watchlist_has_the_seventeen_tickers():
    watchlist = load_watchlist(REPO_ROOT / "dagster_project" / "watchlist.yml")
    assert len(watchlist.tickers) == 17
    assert {c.ticker for c in watchlist.companies if c.is_benchmark} == {"SPY", "QQQ"}
    nvda = next(c for c in watchlist.companies if c.ticker == "NVDA")
    assert (nvda.name, nvda.theme) == ("NVIDIA Corporation", "ai_chips")


def _write(tmp_path, companies: str):
    path = tmp_path / "watchlist.yml"
    path.write_text("themes:\n  ai_chips: chips\ncompanies:\n" + companies, encoding="utf-8")
    return path


def test_bad_ticker_names_its_line(tmp_path):
    path = _write(tmp_path, "  - {ticker: NVDA, name: NVIDIA, theme: ai_chips}\n  - {ticker: \"X'); DROP\", name: Bad, theme: ai_chips}\n")
    with pytest.raises(WatchlistError, match=r"line 5: ticker .*X'\); DROP.* not a valid symbol"):
        load_watchlist(path)


def test_unknown_theme_names_its_line(tmp_path):
    path = _write(tmp_path, "  - {ticker: NVDA, name: NVIDIA, theme: crypto}\n")
    with pytest.raises(WatchlistError, match=r"line 4: NVDA has unknown theme 'crypto'"):
        load_watchlist(path)


def test_duplicate_ticker_is_an_error(tmp_path):
    path = _write(tmp_path, "  - {ticker: NVDA, name: A, theme: ai_chips}\n  - {ticker: NVDA, name: B, theme: ai_chips}\n")
    with pytest.raises(WatchlistError, match=r"line 5: ticker NVDA repeats line 4"):
        load_watchlist(path)


def test_lowercase_ticker_is_rejected_not_guessed(tmp_path):
    path = _write(tmp_path, "  - {ticker: nvda, name: NVIDIA, theme: ai_chips}\n")
    with pytest.raises(WatchlistError, match="line 4"):
        load_watchlist(path)
