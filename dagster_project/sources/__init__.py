"""Source adapters: one small interface per source, a live and a replay implementation each.

`build_sources(settings, watchlist)` is the only place the mode is chosen; live code never
falls back to replay data on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster_project.settings import Settings
from dagster_project.sources.app_charts import AppChartSource, CaseStudyAppChartSource, LiveAppChartSource
from dagster_project.sources.http import HttpClient
from dagster_project.sources.news import CaseStudyNewsSource, FeedStateStore, LiveNewsSource, NewsSource
from dagster_project.sources.prices import PriceSource, YFinancePriceSource
from dagster_project.sources.replay import CaseStudyPriceSource, CaseStudySharesSource
from dagster_project.sources.shares import SharesSource, YFinanceSharesSource


@dataclass(frozen=True)
class Sources:
    prices: PriceSource
    shares: SharesSource
    news: NewsSource
    app_charts: AppChartSource
    mode: str


def build_sources(settings: Settings, chart_urls=None) -> Sources:
    if settings.source_mode == "replay":
        case = settings.case_study_dir
        return Sources(
            prices=CaseStudyPriceSource(case),
            shares=CaseStudySharesSource(case),
            news=CaseStudyNewsSource(case),
            app_charts=CaseStudyAppChartSource(case),
            mode="replay",
        )
    http = HttpClient(read_timeout_s=settings.http_timeout_s)
    app_kwargs = {"v2_base": chart_urls.v2, "legacy_base": chart_urls.legacy} if chart_urls else {}
    return Sources(
        prices=YFinancePriceSource(timeout_s=settings.http_timeout_s),
        shares=YFinanceSharesSource(timeout_s=settings.http_timeout_s),
        news=LiveNewsSource(
            http, FeedStateStore(settings.data_dir / "state" / "feed_validators.json"),
            google_news_base=settings.google_news_base,
        ),
        app_charts=LiveAppChartSource(http, **app_kwargs),
        mode="live",
    )
