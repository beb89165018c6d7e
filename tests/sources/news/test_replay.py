"""The case-study news replay: filtered by UTC date, the DeepSeek week, rows match the reference."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

from dagster_project.sources.news.replay import CaseStudyNewsSource
from tests.conftest import CASE_STUDY
from tests.sources.news.payloads import JAN27, JAN28, assert_news_schema, reference_file


@pytest.fixture(scope="module")
def bundle() -> pd.DataFrame:
    return CaseStudyNewsSource(CASE_STUDY).fetch([], dt.date(2025, 1, 20), dt.date(2025, 2, 7)).items


def test_case_study_filters_by_utc_date(bundle):
    source = CaseStudyNewsSource(CASE_STUDY)
    monday = source.fetch([], JAN27, JAN27).items
    assert len(monday) >= 2
    assert set(monday["published_at"].dt.date) == {JAN27}
    assert source.fetch([], dt.date(2025, 3, 1), dt.date(2025, 3, 31)).items.empty
    assert (
        len(bundle) == 13
        and bundle["published_at"].dt.date.between(JAN27 - dt.timedelta(days=3), dt.date(2025, 1, 31)).all()
    )
    assert_news_schema(bundle)
    assert bundle["item_id"].is_unique and (bundle["item_id"] == bundle["url"]).all()


def test_case_study_tells_the_deepseek_week(bundle):
    by_day = {d: list(g["title"]) for d, g in bundle.groupby(bundle["published_at"].dt.date)}
    assert any("Nvidia" in t for t in by_day[JAN27])
    assert any("Nvidia" in t for t in by_day[JAN28])
    assert any("DeepSeek" in t and "No. 1" in t and "ChatGPT" in t for t in by_day[JAN27])
    assert any("Janus-Pro" in t for t in by_day[JAN28])
    assert any("Meta" in t for t in by_day[dt.date(2025, 1, 24)])


@pytest.mark.reference
def test_case_study_rows_match_the_reference_and_titles_are_our_own(bundle):
    path = reference_file("headlines_deepseek_nvidia_2025-01.csv")
    with path.open(encoding="utf-8") as handle:
        reference = {row["url"]: row for row in csv.DictReader(handle)}
    for row in bundle.itertuples():
        ref = reference[row.url]  # every item is a real, referenced page
        assert row.published_at.date().isoformat() == ref["published_at"]
        assert row.published_at.time() == dt.time(12, 0)
        if ref["title"]:
            assert row.title.casefold() != ref["title"].casefold()
