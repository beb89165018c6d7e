"""Reading typed fields out of Apple's chart JSON, naming the path of whatever is wrong.

Every failure is a ChartShapeError whose message names the field ("feed.results[3].id must
be a digit string, got ..."), so a chart that fails says where.
"""

from __future__ import annotations

from dagster_project.config.source_config import APP_ID_PATTERN
from dagster_project.sources.text import clean_text

TEXT_MAX_CHARS = 500  # an app name or developer; Apple's own limit for a name is 30


class ChartShapeError(ValueError):
    """A chart payload is not the chart we asked for; the message names the field or the entries."""


def missing(path: str) -> ChartShapeError:
    return ChartShapeError(f"{path} missing")


def mistyped(path: str, expected: str, value: object) -> ChartShapeError:
    return ChartShapeError(f"{path} must be {expected}, got {type(value).__name__} {str(value)[:60]!r}")


def get_field(mapping: dict, key: str, path: str, expected: type | tuple = dict, required: bool = True):
    if key not in mapping or mapping[key] is None:
        if required:
            raise missing(path)
        return None
    value = mapping[key]
    if not isinstance(value, expected) or isinstance(value, bool):
        names = {dict: "an object", list: "a list", str: "a string"}
        wanted = " or ".join(
            names.get(t, t.__name__) for t in (expected if isinstance(expected, tuple) else (expected,))
        )
        raise mistyped(path, wanted, value)
    return value


def parse_app_id(value: object, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise mistyped(path, "a digit string", value)
    if not APP_ID_PATTERN.match(value):
        raise ChartShapeError(f"{path} must be a digit string, got {value!r}")
    return value


def parse_text(value: object, path: str, required: bool) -> str:
    """A text field as stored, normalised like news text (sources/text.py: NUL, ESC, newlines
    and invisible characters out); a required one that is empty after that is an error."""
    if value is None:
        if required:
            raise missing(path)
        return ""
    if not isinstance(value, str):
        raise mistyped(path, "a string", value)
    text = clean_text(value, TEXT_MAX_CHARS)
    if required and not text:
        raise ChartShapeError(f"{path} is empty")
    return text


def feed_object(payload: object) -> dict:
    if not isinstance(payload, dict):
        raise mistyped("top level", "an object", payload)
    return get_field(payload, "feed", "feed")
