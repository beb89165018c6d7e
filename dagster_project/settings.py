"""Environment variables -> typed settings. The one place configuration is read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_MODES = ("live", "replay")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    source_mode: str
    case_study_dir: Path
    watchlist_path: Path
    http_timeout_s: float
    google_news_base: str = "https://news.google.com"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def build_db(self) -> Path:
        return self.warehouse_dir / "build.duckdb"

    @property
    def analytics_db(self) -> Path:
        return self.warehouse_dir / "analytics.duckdb"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (or a given mapping, for tests)."""
    env = os.environ if env is None else env
    mode = env.get("SHOCKWATCH_SOURCE_MODE", "live").strip().lower()
    if mode not in SOURCE_MODES:
        raise ValueError(
            f"SHOCKWATCH_SOURCE_MODE={mode!r} is not one of {', '.join(SOURCE_MODES)}"
        )
    return Settings(
        data_dir=Path(env.get("SHOCKWATCH_DATA_DIR", REPO_ROOT / "data")).resolve(),
        source_mode=mode,
        case_study_dir=Path(env.get("SHOCKWATCH_CASE_STUDY_DIR", REPO_ROOT / "case_study")).resolve(),
        watchlist_path=Path(
            env.get("SHOCKWATCH_WATCHLIST", REPO_ROOT / "dagster_project" / "watchlist.yml")
        ).resolve(),
        http_timeout_s=float(env.get("SHOCKWATCH_HTTP_TIMEOUT_S", "20")),
        google_news_base=env.get("SHOCKWATCH_GOOGLE_NEWS_BASE", "https://news.google.com"),
    )
