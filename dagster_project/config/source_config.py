"""What the source adapters are told to fetch: feeds, App Store charts, highlight apps, hosts.

Validated value types (pydantic dataclasses: positional like a dataclass, checked like a
model). The watchlist (config/watchlist.py) is made of them and sources/ imports them from
here, so the rules live once and config never imports the adapters.
"""

from __future__ import annotations

import re
from dataclasses import fields
from urllib.parse import urlsplit

from pydantic import ConfigDict, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

from dagster_project.config.errors import At, check_mapping

FEED_KINDS = ("rss", "google_news")
FEED_ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
DEFAULT_GOOGLE_NEWS_BASE = "https://news.google.com"

CHARTS = ("top-free", "top-paid", "top-grossing")
MAX_LIMIT = 100
DEFAULT_V2_BASE_URL = "https://rss.applemarketingtools.com"
DEFAULT_LEGACY_BASE_URL = "https://itunes.apple.com"
COUNTRY_PATTERN = re.compile(r"^[a-z]{2}$")
APP_ID_PATTERN = re.compile(r"^[0-9]{1,20}$")

# Frozen values; pydantic's lax mode never turns an int into a str, and the one int field
# (limit) is checked before coercion, so `limit: "10"` or `limit: true` stay errors.
_FROZEN = ConfigDict(frozen=True)


def check_url(url: str) -> str:
    """Only absolute http(s) URLs: never file:, javascript:, data: or a relative path."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"only http(s) URLs are allowed, got {url!r}")
    return url


def chart_problem(country: object, chart: object, limit: object) -> str | None:
    if not isinstance(country, str) or not COUNTRY_PATTERN.match(country):
        return f"country {country!r} is not an ISO 3166 two-letter code in lower case (like 'us')"
    if chart not in CHARTS:
        return f"chart {chart!r} is not one of {', '.join(CHARTS)}"
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        return f"limit {limit!r} must be a whole number in 1..{MAX_LIMIT}"
    return None


def _mapping(cls: type, data: object, what: str) -> object:
    """From YAML a value arrives as a mapping: check it like every config mapping. Built in
    Python (FeedConfig("id", "rss", url=...)) it arrives as ArgsKwargs: the signature checks it."""
    if isinstance(data, ArgsKwargs):
        return data
    return check_mapping(data, what, {f.name for f in fields(cls)})


@dataclass(config=_FROZEN)
class FeedConfig:
    """One news feed: a publisher's RSS/Atom URL, or a Google News search query."""

    id: str
    kind: str  # 'rss' | 'google_news'
    url: str | None = None  # rss only
    query: str | None = None  # google_news only
    publisher: str | None = None  # display name used when an item names no outlet

    @model_validator(mode="before")
    @classmethod
    def _is_mapping(cls, data: object) -> object:
        return _mapping(cls, data, "feed")

    @field_validator("id", mode="before")
    @classmethod
    def _slug(cls, value: object) -> object:
        if not isinstance(value, str) or not FEED_ID_PATTERN.match(value):
            raise ValueError(f"'id' must be a slug of [a-z0-9_], got {value!r}")
        return value

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        if value not in FEED_KINDS:
            raise ValueError(f"'kind' must be one of {', '.join(FEED_KINDS)}, got {value!r}")
        return value

    @field_validator("url", "query", "publisher", mode="before")
    @classmethod
    def _text(cls, value: object, info) -> object:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            if info.field_name == "query":
                raise ValueError("a google_news feed needs a non-empty 'query'")
            raise ValueError(f"{info.field_name!r} must be a non-empty string, got {value!r}")
        return value.strip() if value is not None else None

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return check_url(value) if value is not None else None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> FeedConfig:
        if self.kind == "rss":
            if self.query is not None:
                raise At(("query",), "an rss feed takes 'url', not 'query'")
            if self.url is None:
                raise At(("url",), "an rss feed needs a 'url'")
        else:
            if self.url is not None:
                raise At(
                    ("url",),
                    "a google_news feed takes 'query', not 'url' (the URL is built from the query and the date window)",
                )
            if self.query is None:
                raise At(("query",), "a google_news feed needs a non-empty 'query'")
        return self


@dataclass(config=_FROZEN)
class ChartConfig:
    """One chart to capture: a country's top-free, top-paid or top-grossing list, top `limit`."""

    country: str
    chart: str
    limit: int = MAX_LIMIT

    @model_validator(mode="before")
    @classmethod
    def _is_mapping(cls, data: object) -> object:
        return _mapping(cls, data, "chart")

    @field_validator("country", "chart", "limit", mode="before")
    @classmethod
    def _check(cls, value: object, info) -> object:
        probe = {"country": "us", "chart": CHARTS[0], "limit": MAX_LIMIT, info.field_name: value}
        problem = chart_problem(probe["country"], probe["chart"], probe["limit"])
        if problem:
            raise ValueError(problem)
        return value

    @property
    def key(self) -> str:
        return f"{self.country}/{self.chart}"


@dataclass(config=_FROZEN)
class HighlightApp:
    """An app the analysts follow across charts (Apple's numeric app id, as a string)."""

    app_id: str
    name: str

    @model_validator(mode="before")
    @classmethod
    def _is_mapping(cls, data: object) -> object:
        return _mapping(cls, data, "highlight app {app_id, name}")

    @field_validator("app_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # an unquoted id in YAML is an int; the value is the same
        return value.strip() if isinstance(value, str) else value

    @field_validator("name", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("the app has no name")
        return value.strip()

    @model_validator(mode="after")
    def _numeric_id(self) -> HighlightApp:
        if not APP_ID_PATTERN.match(self.app_id):
            raise At(
                ("app_id",),
                f"app {self.name!r} has app_id {self.app_id!r}; it must be Apple's numeric "
                "app id (the digits after 'id' in apps.apple.com/.../idNNN)",
            )
        return self


@dataclass(config=_FROZEN)
class ChartBaseUrls:
    """Where Apple's two chart feeds live (overridable to point at a mirror or a test server)."""

    v2: str = DEFAULT_V2_BASE_URL
    legacy: str = DEFAULT_LEGACY_BASE_URL

    @field_validator("v2", "legacy")
    @classmethod
    def _http(cls, value: str) -> str:
        return check_url(value.strip()).rstrip("/")
