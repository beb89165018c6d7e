"""watchlist.yml as a typed pydantic model: what the pipeline tracks.

Every rule is a validator on the model it belongs to; `load_watchlist` turns a broken rule
into one ConfigError naming the file and line (`watchlist.yml line 12: feeds[3].url: ...`).
The source adapters never see this module: assets hand them the validated values.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError, field_validator, model_validator

from dagster_project.config.errors import At, ConfigError, load_yaml
from dagster_project.config.source_config import ChartBaseUrls, ChartConfig, FeedConfig, HighlightApp
from dagster_project.config.watchlist_entries import (
    TICKER_PATTERN,
    Actor,
    AppCharts,
    Company,
    EntityAlias,
    _Mapping,
)

__all__ = ["TICKER_PATTERN", "Actor", "AppCharts", "Company", "EntityAlias", "Watchlist", "WatchlistError"]

WatchlistError = ConfigError  # the name callers catch; one error type for every config file


class Watchlist(_Mapping):
    _what = "watchlist (a mapping with 'themes' and 'companies')"
    themes: dict[str, str]
    companies: tuple[Company, ...]
    actors: tuple[Actor, ...] = ()
    feeds: tuple[FeedConfig, ...] = ()
    app_charts: AppCharts | None = None

    @field_validator("themes", "companies", mode="before")
    @classmethod
    def _present(cls, value: object, info) -> object:
        if not value:
            raise ValueError(f"'{info.field_name}' is missing or empty")
        if info.field_name == "themes" and isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value

    @field_validator("actors", "feeds", mode="before")
    @classmethod
    def _optional_list(cls, value: object, info) -> object:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ValueError(f"'{info.field_name}' must be a list of mappings, got {type(value).__name__}")
        return value

    @model_validator(mode="after")
    def _references(self) -> Watchlist:
        first: dict[str, int] = {}
        for index, company in enumerate(self.companies):
            if company.ticker in first:
                raise At(
                    ("companies", index, "ticker"),
                    f"ticker {company.ticker} repeats {{0}}",
                    refs=(("companies", first[company.ticker]),),
                )
            first[company.ticker] = index
            if company.theme not in self.themes:
                raise At(
                    ("companies", index, "theme"),
                    f"{company.ticker} has unknown theme {company.theme!r}; known: {', '.join(sorted(self.themes))}",
                )
        names = set(first)
        for index, actor in enumerate(self.actors):
            if actor.entity in names:
                raise At(("actors", index, "entity"), f"entity {actor.entity} is defined twice")
            names.add(actor.entity)
        feed_ids: dict[str, int] = {}
        for index, feed in enumerate(self.feeds):
            if feed.id in feed_ids:
                raise At(
                    ("feeds", index, "id"),
                    f"duplicate feed id {feed.id!r} (first at {{0}})",
                    refs=(("feeds", feed_ids[feed.id]),),
                )
            feed_ids[feed.id] = index
        return self

    @property
    def tickers(self) -> list[str]:
        return [c.ticker for c in self.companies]

    @property
    def capex_fiscal_year_ends(self) -> dict[str, int]:
        """{ticker: fiscal year-end month} of the companies the capex family fetches."""
        return {c.ticker: c.fiscal_year_end for c in self.companies if c.tracks_capex}

    @property
    def charts(self) -> tuple[ChartConfig, ...]:
        return self.app_charts.configs if self.app_charts else ()

    @property
    def highlight_apps(self) -> tuple[HighlightApp, ...]:
        return self.app_charts.highlight_apps if self.app_charts else ()

    @property
    def chart_urls(self) -> ChartBaseUrls:
        if not self.app_charts:
            return ChartBaseUrls()
        return ChartBaseUrls(self.app_charts.v2_base_url, self.app_charts.legacy_base_url)

    def entity_aliases(self) -> list[EntityAlias]:
        rows = []
        for c in self.companies:
            for alias in dict.fromkeys((c.ticker, *c.aliases)):
                rows.append(EntityAlias(c.ticker, "company", c.ticker, alias, True))
        for a in self.actors:
            for alias in a.aliases:
                rows.append(EntityAlias(a.entity, a.type, None, alias, not a.case_insensitive))
        return rows


def parse_watchlist(text: str, source: str = "watchlist") -> Watchlist:
    """YAML text -> a validated Watchlist, or a ConfigError naming `source` and the line."""
    with _no_cyclic_gc():
        data, root = load_yaml(text, source)
        try:
            return Watchlist.model_validate(data)
        except ValidationError as exc:
            raise ConfigError.from_validation(exc, source, root) from None


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cyclic collector paused while the watchlist is built: a 5,000-company file makes
    ~100k objects, none of them garbage, and in a run's process (~350k live objects: Dagster's
    definitions) the collections they trigger cost 0.18 s of 0.28 s (bench/daily_run.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_watchlist(path: Path | str) -> Watchlist:
    """The file, parsed; the same text a second time gives the same (frozen) Watchlist without
    parsing it again: a run sets the watchlist resource up twice (on its own and inside the
    sources resource), which cost 0.55 s each at 5,000 companies."""
    return _parse_once(Path(path).read_text(encoding="utf-8"), str(path))


# keyed on the file's whole text, so an edited file is always parsed anew; an error is not kept
_parse_once = functools.lru_cache(maxsize=4)(parse_watchlist)
