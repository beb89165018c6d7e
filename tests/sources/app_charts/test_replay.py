"""The case-study chart replay: the documented App Store positions, filtered by chart, limit and date."""

from __future__ import annotations

import datetime as dt

import pytest

from dagster_project.config.source_config import ChartConfig
from dagster_project.sources.app_charts import APP_RANK_COLUMNS
from dagster_project.sources.app_charts.replay import CaseStudyAppChartSource
from tests.conftest import CASE_STUDY
from tests.sources.app_charts.payloads import FACTS_REFERENCE


def test_case_study_has_deepseek_at_one_on_2025_01_26():
    source = CaseStudyAppChartSource(CASE_STUDY)
    result = source.fetch([ChartConfig("us", "top-free", 100)], dt.date(2025, 1, 26))
    assert result.failures == {}
    rows = result.rows
    assert list(rows.columns) == APP_RANK_COLUMNS
    assert rows[["rank", "app_id", "app_name", "snapshot_kind"]].values.tolist() == [
        [1, "6737597349", "DeepSeek", "partial"]
    ]
    assert rows["developer"].iloc[0] == "Hangzhou DeepSeek Artificial Intelligence Co., Ltd."
    assert rows["captured_at"].iloc[0].date() == dt.date(2025, 1, 26)


def test_case_study_filters_by_chart_and_limit():
    source = CaseStudyAppChartSource(CASE_STUDY)
    day = dt.date(2025, 1, 27)
    assert source.fetch([ChartConfig("us", "top-free", 100)], day).rows["rank"].tolist() == [1, 2, 14]
    assert source.fetch([ChartConfig("us", "top-free", 10)], day).rows["app_name"].tolist() == ["DeepSeek", "ChatGPT"]
    assert source.fetch([ChartConfig("us", "top-paid", 100)], day).rows.empty
    assert source.fetch([ChartConfig("gb", "top-free", 100)], day).rows.empty
    assert source.fetch([ChartConfig("us", "top-free", 100)], dt.date(2025, 1, 25)).rows.empty


@pytest.mark.reference
def test_case_study_rows_are_exactly_the_documented_app_store_positions():
    if not FACTS_REFERENCE.exists():
        pytest.skip("shared/reference not present")
    import pandas as pd

    facts = pd.read_csv(FACTS_REFERENCE, dtype=str)
    facts = facts[facts["store"] == "app_store"]
    expected = sorted(
        zip(
            facts["observed_date"],
            facts["country"],
            facts["chart"],
            facts["app"],
            facts["rank"].astype(int),
            facts["source_url"],
        )
    )
    bundle = pd.read_csv(CASE_STUDY / "app_rank_snapshots.csv", dtype=str, keep_default_na=False)
    got = sorted(
        zip(
            bundle["captured_at"].str[:10],
            bundle["country"],
            bundle["chart"],
            bundle["app_name"],
            bundle["rank"].astype(int),
            bundle["source"],
        )
    )
    assert got == expected
    assert set(bundle["snapshot_kind"]) == {"partial"}
