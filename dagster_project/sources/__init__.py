"""Source adapters: one small interface per source, a live and a replay implementation each.

`build_sources(settings)` is the only place the mode is chosen; live code never falls back
to replay data on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster_project.settings import Settings
from dagster_project.sources.prices import PriceSource, YFinancePriceSource
from dagster_project.sources.replay import CaseStudyPriceSource, CaseStudySharesSource
from dagster_project.sources.shares import SharesSource, YFinanceSharesSource


@dataclass(frozen=True)
class Sources:
    prices: PriceSource
    shares: SharesSource
    mode: str


def build_sources(settings: Settings) -> Sources:
    if settings.source_mode == "replay":
        return Sources(
            prices=CaseStudyPriceSource(settings.case_study_dir),
            shares=CaseStudySharesSource(settings.case_study_dir),
            mode="replay",
        )
    return Sources(
        prices=YFinancePriceSource(timeout_s=settings.http_timeout_s),
        shares=YFinanceSharesSource(timeout_s=settings.http_timeout_s),
        mode="live",
    )
