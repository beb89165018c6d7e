"""The Dagster resources assets take: settings, the watchlist and the source adapters.

All three appear in the UI's resource view. `watchlist` and `sources` are built from the
settings they nest when a run starts (not when the code location loads). Tests inject fakes by passing a plain
`Sources` (or `Watchlist`) value as the resource: assets only use the attributes both have.
"""

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.config.source_config import ChartBaseUrls
from dagster_project.config.watchlist import Watchlist, load_watchlist
from dagster_project.run_workers import record_worker
from dagster_project.sources import Sources, build_sources


def sources_for(settings: ShockWatchSettings, chart_urls: ChartBaseUrls | None = None) -> Sources:
    """The live or replay adapters the settings ask for."""
    return build_sources(
        settings.mode,
        case_study_dir=settings.case_study_path,
        data_dir=settings.data_path,
        http_timeout_s=settings.timeout_s,
        google_news_base=settings.google_news_base,
        chart_urls=chart_urls,
    )


class WatchlistResource(ConfigurableResource):
    """The watchlist at `settings.watchlist_path`, validated when a run starts (a bad file
    fails the run naming its line, before any source is asked for anything)."""

    settings: ShockWatchSettings
    _value: Watchlist | None = PrivateAttr(None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._value = load_watchlist(self.settings.watchlist_file)

    @property
    def value(self) -> Watchlist:
        if self._value is None:  # used outside a run (a direct call in a test)
            self._value = load_watchlist(self.settings.watchlist_file)
        return self._value

    # What assets read: the Watchlist's own API, so a plain Watchlist can stand in.
    themes = property(lambda self: self.value.themes)
    companies = property(lambda self: self.value.companies)
    actors = property(lambda self: self.value.actors)
    feeds = property(lambda self: self.value.feeds)
    charts = property(lambda self: self.value.charts)
    highlight_apps = property(lambda self: self.value.highlight_apps)
    tickers = property(lambda self: self.value.tickers)
    capex_fiscal_year_ends = property(lambda self: self.value.capex_fiscal_year_ends)
    chart_urls = property(lambda self: self.value.chart_urls)

    def entity_aliases(self):
        return self.value.entity_aliases()


class SourcesResource(ConfigurableResource):
    """Live adapters (HTTP, yfinance) or the case-study replay, as `settings.source_mode`
    says; the App Store hosts come from the watchlist."""

    settings: ShockWatchSettings
    watchlist: WatchlistResource
    _adapters: Sources | None = PrivateAttr(None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._adapters = sources_for(self.settings, self.watchlist.chart_urls)

    @property
    def adapters(self) -> Sources:
        if self._adapters is None:
            self._adapters = sources_for(self.settings, self.watchlist.chart_urls)
        return self._adapters

    # The Sources bundle's API, so a plain Sources (fakes) can stand in.
    prices = property(lambda self: self.adapters.prices)
    shares = property(lambda self: self.adapters.shares)
    news = property(lambda self: self.adapters.news)
    app_charts = property(lambda self: self.adapters.app_charts)
    capex = property(lambda self: self.adapters.capex)
    mode = property(lambda self: self.adapters.mode)


class PoolSlotRecorder(ConfigurableResource):
    """Writes on the run which process holds its `warehouse` pool slot (run_workers.py).

    The steps that take the pool (dbt build, publish) require this resource, so Dagster records
    the worker as it sets the step up: the assets carry no platform plumbing, and a run killed
    mid-step can have its slot freed by `reclaim_slots_of_dead_runs`.
    """

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if context.instance is not None and context.run_id:
            record_worker(context.instance, context.run_id)


def build_resources(
    settings: ShockWatchSettings, sources: Sources | None = None, watchlist: Watchlist | None = None
) -> dict:
    """settings, watchlist and sources: resources built from `settings`, or given values."""
    watchlist_resource = WatchlistResource(settings=settings)
    return {
        "settings": settings,
        "watchlist": watchlist or watchlist_resource,
        "sources": sources or SourcesResource(settings=settings, watchlist=watchlist_resource),
        "pool_slot": PoolSlotRecorder(),
    }
