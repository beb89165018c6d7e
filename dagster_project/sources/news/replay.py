"""The case-study news replay: the bundled items, served through the NewsSource interface."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path

import pandas as pd

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.news.schema import NewsFetchResult, news_frame


class CaseStudyNewsSource:
    """The bundled case-study items (case_study/news_items.csv), filtered to [start, end] by
    the UTC date of published_at. The configured feeds are not consulted: the bundle is its
    own feed (feed_id `case_study_reports`)."""

    name = "case_study"
    CSV_COLUMNS = ["feed_id", "item_id", "url", "title", "publisher", "published_at", "summary"]

    def __init__(self, case_study_dir: Path):
        self.path = Path(case_study_dir) / "news_items.csv"

    @cached_property
    def _items(self) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(f"case-study news items not found at {self.path}")
        frame = pd.read_csv(self.path, dtype=str, keep_default_na=False)
        missing = [c for c in self.CSV_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.path}: missing column(s) {missing}")
        frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True, format="ISO8601")
        return frame

    def fetch(self, feeds: list[FeedConfig], start: dt.date, end: dt.date) -> NewsFetchResult:
        items = self._items
        day = items["published_at"].dt.date
        chosen = items[(day >= start) & (day <= end)]
        fetched = pd.Timestamp.now(tz="UTC").to_pydatetime()
        rows = [
            {
                "feed_id": r.feed_id,
                "item_id": r.item_id,
                "url": r.url or None,
                "title": r.title,
                "publisher": r.publisher or None,
                "published_at": r.published_at.to_pydatetime(),
                "summary": r.summary or None,
                "fetched_at": fetched,
            }
            for r in chosen.itertuples(index=False)
        ]
        return NewsFetchResult(items=news_frame(rows))
