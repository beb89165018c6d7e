"""Source adapters: one small interface per source, a live and a replay implementation each.

`build_sources` is the only place the mode is chosen; live code never falls back to replay
data on its own. It takes plain, already validated values (the Dagster resource in
dagster_project/resources.py passes them from the settings and the watchlist), so nothing
here reads configuration files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dagster_project.config.source_config import DEFAULT_GOOGLE_NEWS_BASE, ChartBaseUrls
from dagster_project.sources.app_charts import AppChartSource
from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.app_charts.replay import CaseStudyAppChartSource
from dagster_project.sources.capex import CapexSource
from dagster_project.sources.capex.live import YFinanceCapexSource
from dagster_project.sources.capex.replay import CaseStudyCapexSource
from dagster_project.sources.http import HttpClient
from dagster_project.sources.news import NewsSource
from dagster_project.sources.news.feed_state import FeedStateStore
from dagster_project.sources.news.live import LiveNewsSource
from dagster_project.sources.news.replay import CaseStudyNewsSource
from dagster_project.sources.prices import PriceSource
from dagster_project.sources.prices.live import YFinancePriceSource
from dagster_project.sources.prices.replay import CaseStudyPriceSource
from dagster_project.sources.shares import SharesSource
from dagster_project.sources.shares.live import YFinanceSharesSource
from dagster_project.sources.shares.replay import CaseStudySharesSource


@dataclass(frozen=True)
class Sources:
    prices: PriceSource
    shares: SharesSource
    news: NewsSource
    app_charts: AppChartSource
    capex: CapexSource
    mode: str


def build_sources(
    mode: str,
    *,
    case_study_dir: Path,
    data_dir: Path,
    http_timeout_s: float = 20.0,
    google_news_base: str = DEFAULT_GOOGLE_NEWS_BASE,
    chart_urls: ChartBaseUrls | None = None,
) -> Sources:
    if mode == "replay":
        return Sources(
            prices=CaseStudyPriceSource(case_study_dir),
            shares=CaseStudySharesSource(case_study_dir),
            news=CaseStudyNewsSource(case_study_dir),
            app_charts=CaseStudyAppChartSource(case_study_dir),
            mode="replay",
            capex=CaseStudyCapexSource(case_study_dir),
        )
    if mode != "live":
        raise ValueError(f"source mode {mode!r} is not one of live, replay")
    http = HttpClient(read_timeout_s=http_timeout_s)
    chart_urls = chart_urls or ChartBaseUrls()
    return Sources(
        prices=YFinancePriceSource(timeout_s=http_timeout_s),
        shares=YFinanceSharesSource(timeout_s=http_timeout_s),
        news=LiveNewsSource(
            http,
            FeedStateStore(Path(data_dir) / "state" / "feed_validators.json"),
            google_news_base=google_news_base,
        ),
        app_charts=LiveAppChartSource(http, v2_base=chart_urls.v2, legacy_base=chart_urls.legacy),
        mode="live",
        capex=YFinanceCapexSource(),
    )
