"""Load and validate watchlist.yml. Every error names the file and line it comes from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from dagster_project.sources.app_charts import ChartBaseUrls, ChartConfig, HighlightApp, parse_app_charts
from dagster_project.sources.news import FeedConfig, parse_feeds

# Yahoo symbols: letters/digits, optionally a class or exchange suffix (BRK-B, ASML.AS, ^GSPC).
TICKER_PATTERN = re.compile(r"^\^?[A-Z0-9]{1,10}([.\-=][A-Z0-9]{1,6})?$")


class WatchlistError(ValueError):
    """The watchlist file is invalid; the message names the line."""


@dataclass(frozen=True)
class Company:
    ticker: str
    name: str
    theme: str
    is_benchmark: bool
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actor:
    """A non-listed entity news is tagged with: an AI lab, an app, a project."""

    entity: str
    type: str
    aliases: tuple[str, ...]
    case_insensitive: bool = False


@dataclass(frozen=True)
class EntityAlias:
    entity: str  # the ticker for companies, the name for actors
    entity_type: str
    ticker: str | None
    alias: str
    case_sensitive: bool


@dataclass(frozen=True)
class Watchlist:
    themes: dict[str, str]
    companies: tuple[Company, ...]
    actors: tuple[Actor, ...] = ()
    feeds: tuple[FeedConfig, ...] = ()
    charts: tuple[ChartConfig, ...] = ()
    highlight_apps: tuple[HighlightApp, ...] = ()
    chart_urls: ChartBaseUrls = ChartBaseUrls()

    @property
    def tickers(self) -> list[str]:
        return [c.ticker for c in self.companies]

    def entity_aliases(self) -> list[EntityAlias]:
        rows = []
        for c in self.companies:
            for alias in dict.fromkeys((c.ticker, *c.aliases)):
                rows.append(EntityAlias(c.ticker, "company", c.ticker, alias, True))
        for a in self.actors:
            for alias in a.aliases:
                rows.append(EntityAlias(a.entity, a.type, None, alias, not a.case_insensitive))
        return rows


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line each mapping starts on."""


def _construct_mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_with_line
)


def load_watchlist(path: Path) -> Watchlist:
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise WatchlistError(f"{path}: not valid YAML: {exc}") from exc
    return parse_watchlist(raw, source=str(path))


def parse_watchlist(raw: object, source: str = "watchlist") -> Watchlist:
    if not isinstance(raw, dict):
        raise WatchlistError(f"{source}: expected a mapping with 'themes' and 'companies'")
    themes = {k: str(v) for k, v in (raw.get("themes") or {}).items() if k != "__line__"}
    if not themes:
        raise WatchlistError(f"{source}: 'themes' is missing or empty")
    entries = raw.get("companies")
    if not isinstance(entries, list) or not entries:
        raise WatchlistError(f"{source}: 'companies' is missing or empty")

    companies: list[Company] = []
    seen: dict[str, int] = {}
    for entry in entries:
        line = entry.get("__line__", "?") if isinstance(entry, dict) else "?"
        where = f"{source}, line {line}"
        if not isinstance(entry, dict):
            raise WatchlistError(f"{where}: each company must be a mapping, got {entry!r}")
        unknown = set(entry) - {"ticker", "name", "theme", "benchmark", "aliases", "__line__"}
        if unknown:
            raise WatchlistError(f"{where}: unknown field(s) {sorted(unknown)}")
        ticker = str(entry.get("ticker", "")).strip()
        if not TICKER_PATTERN.match(ticker):
            raise WatchlistError(
                f"{where}: ticker {ticker!r} is not a valid symbol "
                "(upper-case letters/digits, optional .X or -X suffix)"
            )
        if ticker in seen:
            raise WatchlistError(f"{where}: ticker {ticker} repeats line {seen[ticker]}")
        seen[ticker] = line
        name = str(entry.get("name", "")).strip()
        if not name:
            raise WatchlistError(f"{where}: {ticker} has no name")
        theme = str(entry.get("theme", "")).strip()
        if theme not in themes:
            raise WatchlistError(
                f"{where}: {ticker} has unknown theme {theme!r}; known: {', '.join(sorted(themes))}"
            )
        benchmark = entry.get("benchmark", False)
        if not isinstance(benchmark, bool):
            raise WatchlistError(f"{where}: 'benchmark' must be true or false")
        companies.append(Company(ticker, name, theme, benchmark, _aliases(entry, where)))
    try:
        feeds = parse_feeds(raw.get("feeds") or [], source)
        charts, apps, urls = (
            parse_app_charts(raw["app_charts"], source) if raw.get("app_charts") else ([], [], ChartBaseUrls())
        )
    except ValueError as exc:  # the parsers name the entry and line already
        raise WatchlistError(str(exc)) from exc
    return Watchlist(
        themes=themes, companies=tuple(companies), actors=_parse_actors(raw, source, seen),
        feeds=tuple(feeds), charts=tuple(charts), highlight_apps=tuple(apps), chart_urls=urls,
    )


def _aliases(entry: dict, where: str) -> tuple[str, ...]:
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise WatchlistError(f"{where}: 'aliases' must be a list of non-empty names")
    return tuple(a.strip() for a in aliases)


def _parse_actors(raw: dict, source: str, tickers: dict[str, int]) -> tuple[Actor, ...]:
    actors, seen = [], {}
    for entry in raw.get("actors") or []:
        line = entry.get("__line__", "?") if isinstance(entry, dict) else "?"
        where = f"{source}, line {line}"
        if not isinstance(entry, dict):
            raise WatchlistError(f"{where}: each actor must be a mapping")
        unknown = set(entry) - {"entity", "type", "aliases", "case_insensitive", "__line__"}
        if unknown:
            raise WatchlistError(f"{where}: unknown field(s) {sorted(unknown)}")
        name = str(entry.get("entity", "")).strip()
        if not name:
            raise WatchlistError(f"{where}: actor has no 'entity' name")
        if name in seen or name in tickers:
            raise WatchlistError(f"{where}: entity {name} is defined twice")
        seen[name] = line
        aliases = _aliases(entry, where)
        if not aliases:
            raise WatchlistError(f"{where}: {name} needs at least one alias")
        actors.append(Actor(name, str(entry.get("type", "other")), aliases, bool(entry.get("case_insensitive", False))))
    return tuple(actors)
