"""The one Jinja2 environment of the reports: templates in reporting/templates/, autoescaped.

Every value from the warehouse is third-party text (feed titles, publisher names, URLs), so
autoescape is on for every template, whatever its name, and only markup the code made itself
(the charts' SVG) is passed as `Markup`. Links go through one filter, `http_url`: a feed may
carry `javascript:` or `data:` URLs, and only http(s) ones become links.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from dagster_project.lib.formatting import signed_billions, signed_pct


def http_url(url: object) -> str | None:
    """The URL if it is http(s), else None (the template then shows the text unlinked)."""
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


# fct_shocks.dossier_path: relative to the data dir; the pages live in <data dir>/reports
DOSSIER_PATH = re.compile(r"reports/(shocks/\d{4}-\d{2}-\d{2}-[A-Z0-9][A-Z0-9.\-]*\.html)")


def dossier_href(path: object) -> str | None:
    """A dossier's link from a page in the reports folder ('shocks/<date>-<ticker>.html'), or
    None for anything that is not a dossier path (nothing else becomes a relative link)."""
    match = DOSSIER_PATH.fullmatch(path) if isinstance(path, str) else None
    return match.group(1) if match else None


def _billions(value: float | None) -> str:
    return "n/a" if value is None else signed_billions(value)


def _pct(value: float | None, places: int = 2) -> str:
    return "n/a" if value is None else signed_pct(value, places)


def _number(value: float | None, places: int = 2) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.{places}f}".replace("-", "−")


def _day(value: date | None, fmt: str = "%Y-%m-%d") -> str:
    return "" if value is None else value.strftime(fmt)


def _sign_class(value: float | None) -> str:
    return "" if value is None or value == 0 else ("neg" if value < 0 else "pos")


ENV = Environment(
    loader=PackageLoader("dagster_project.reporting", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
    undefined=StrictUndefined,  # a misspelt field fails the render, not an analyst's reading
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENV.filters.update(
    http_url=http_url,
    dossier_href=dossier_href,
    billions=_billions,
    pct=_pct,
    number=_number,
    day=_day,
    sign_class=_sign_class,
)


def render(template: str, **context) -> str:
    return ENV.get_template(template).render(**context)


def svg_markup(svg: str) -> Markup:
    """An SVG the charts module drew (its text is escaped by matplotlib): safe to inline."""
    return Markup(svg)


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then os.replace: a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
