"""The entries of watchlist.yml as typed pydantic models: companies, actors, the app-chart block.

Split from watchlist.py (which validates the file as a whole) so each stays short; every rule
is a validator on the model it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dagster_project.config.errors import At, check_mapping
from dagster_project.config.source_config import (
    CHARTS,
    MAX_LIMIT,
    ChartBaseUrls,
    ChartConfig,
    HighlightApp,
    chart_problem,
    check_url,
)

# Yahoo symbols: letters/digits, optionally a class or exchange suffix (BRK-B, ASML.AS, ^GSPC).
TICKER_PATTERN = re.compile(r"^\^?[A-Z0-9]{1,10}([.\-=][A-Z0-9]{1,6})?$")


class _Mapping(BaseModel):
    """A YAML mapping: unknown keys are errors (a typo never silently means 'default')."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)
    _what = "entry"

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: object) -> object:
        allowed = {f.alias or name for name, f in cls.model_fields.items()}
        return check_mapping(data, cls._what.default, allowed)


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ValueError("'aliases' must be a list of non-empty names")
    return tuple(a.strip() for a in value)


class Company(_Mapping):
    _what = "company"
    ticker: str
    name: str
    theme: str
    is_benchmark: bool = Field(False, alias="benchmark", strict=True)
    aliases: tuple[str, ...] = ()
    # The month the fiscal year ends in (MSFT 6, AAPL 9); capex quarters are mapped to calendar
    # quarters by it (dagster_project/lib/fiscal_calendar.py).
    fiscal_year_end: int = Field(12, ge=1, le=12, strict=True)
    # Whether the capex family fetches the company: every non-benchmark company unless set.
    reports_capex: bool | None = Field(None, alias="capex", strict=True)

    @property
    def tracks_capex(self) -> bool:
        return (not self.is_benchmark) if self.reports_capex is None else self.reports_capex

    @field_validator("ticker", mode="before")
    @classmethod
    def _symbol(cls, value: object) -> str:
        ticker = str(value if value is not None else "").strip()
        if not TICKER_PATTERN.match(ticker):
            raise ValueError(
                f"ticker {ticker!r} is not a valid symbol (upper-case letters/digits, optional .X or -X suffix)"
            )
        return ticker

    @field_validator("name", "theme", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return str(value if value is not None else "").strip()

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: object) -> tuple[str, ...]:
        return _names(value)

    @model_validator(mode="after")
    def _named(self) -> Company:
        if not self.name:
            raise At(("name",), f"{self.ticker} has no name")
        return self


class Actor(_Mapping):
    """A non-listed entity news is tagged with: an AI lab, an app, a project."""

    _what = "actor"
    entity: str
    type: str = "other"
    aliases: tuple[str, ...]
    case_insensitive: bool = False

    @field_validator("entity", mode="before")
    @classmethod
    def _named(cls, value: object) -> str:
        name = str(value if value is not None else "").strip()
        if not name:
            raise ValueError("actor has no 'entity' name")
        return name

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: object) -> tuple[str, ...]:
        aliases = _names(value)
        if not aliases:
            raise ValueError("needs at least one alias")
        return aliases


def _no_repeats(values: list, what: str) -> None:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise At((index,), f"{what} {value!r} is listed twice")


class AppCharts(_Mapping):
    """The `app_charts` block: every country x chart is captured, top `limit` each."""

    _what = "app_charts block"
    countries: list[str] = Field(min_length=1)
    charts: list[str] = Field(min_length=1)
    limit: int = MAX_LIMIT
    v2_base_url: str = ChartBaseUrls().v2
    legacy_base_url: str = ChartBaseUrls().legacy
    highlight_apps: tuple[HighlightApp, ...] = ()

    @field_validator("countries", "charts", mode="before")
    @classmethod
    def _each(cls, values: object, info) -> object:
        if not isinstance(values, list) or not values:
            raise ValueError("must be a non-empty list")
        for index, value in enumerate(values):
            probe = (value, CHARTS[0]) if info.field_name == "countries" else ("us", value)
            problem = chart_problem(*probe, MAX_LIMIT)
            if problem:
                raise At((index,), problem)
        _no_repeats(values, "country" if info.field_name == "countries" else "chart")
        return values

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: object) -> object:
        problem = chart_problem("us", CHARTS[0], value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("v2_base_url", "legacy_base_url", mode="before")
    @classmethod
    def _url(cls, value: object, info) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return check_url(value.strip()).rstrip("/")

    @field_validator("highlight_apps", mode="before")
    @classmethod
    def _apps_list(cls, value: object) -> object:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ValueError("must be a list")
        return value

    @model_validator(mode="after")
    def _apps_once(self) -> AppCharts:
        seen: dict[str, str] = {}
        for index, app in enumerate(self.highlight_apps):
            if app.app_id in seen:
                raise At(
                    ("highlight_apps", index),
                    f"app_id {app.app_id} is listed twice ({seen[app.app_id]!r} and {app.name!r})",
                )
            seen[app.app_id] = app.name
        return self

    @property
    def configs(self) -> tuple[ChartConfig, ...]:
        return tuple(ChartConfig(c, chart, self.limit) for c, chart in product(self.countries, self.charts))


@dataclass(frozen=True)
class EntityAlias:
    entity: str  # the ticker for companies, the name for actors
    entity_type: str
    ticker: str | None
    alias: str
    case_sensitive: bool
