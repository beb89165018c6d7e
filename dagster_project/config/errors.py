"""One error format for every configuration file: `<file> line <n>: <path>: <what is wrong>`.

pydantic reports where a value failed as a path (`('feeds', 3, 'url')`); the YAML node tree
knows the line of every value. `ConfigError.from_validation` joins the two, so a rule is
written once, in the model, and its message still names the file and line.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[str | int, ...]


class ConfigError(ValueError):
    """A configuration file is invalid; the message names the file, line and entry."""

    @classmethod
    def from_validation(cls, exc: ValidationError, source: str, root: yaml.Node | None) -> ConfigError:
        # The first error only: later ones are often consequences of it.
        error = exc.errors(include_url=False)[0]
        loc: Loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, At):
            loc, message = loc + cause.loc, cause.render(loc, root)
        elif error["type"] == "missing":
            message = f"{loc[-1]!r} is required"
        elif error["type"] == "value_error":
            message = str(cause) if cause is not None else error["msg"]
        else:
            message = f"{error['msg'].lower()}, got {error['input']!r}" if "input" in error else error["msg"]
        return cls(f"{where(source, loc, root)}: {message}")


class At(ValueError):
    """A rule broken by one entry of a list or one field, raised from a validator whose own
    location is its parent: `loc` is relative to it. `refs` are other entries the message
    names (relative too); `{0}`, `{1}`... in the message become their line (or path)."""

    def __init__(self, loc: Loc, message: str, refs: tuple[Loc, ...] = ()):
        super().__init__(message.format(*(path_text(r) for r in refs)))
        self.loc, self.template, self.refs = loc, message, refs

    def render(self, base: Loc, root: yaml.Node | None) -> str:
        names = []
        for ref in self.refs:
            line = line_of(root, base + ref)
            names.append(f"line {line}" if line else path_text(base + ref))
        return self.template.format(*names)


def path_text(loc: Loc) -> str:
    """('feeds', 3, 'url') -> 'feeds[3].url'"""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest YAML node on `loc` (None without a node tree)."""
    node, line = root, None
    if node is not None:
        line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _entry_id(root: yaml.Node | None, loc: Loc) -> str | None:
    """The `id` of the list entry on `loc` (feeds have one): named beside the path."""
    node, found = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            if isinstance(node, yaml.MappingNode):
                found = next(
                    (v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)), found
                )
        else:
            break
    return found


def where(source: str, loc: Loc, root: yaml.Node | None) -> str:
    line = line_of(root, loc) if loc else None
    head = f"{source} line {line}" if line else source
    if not loc:
        return head
    entry = _entry_id(root, loc)
    return f"{head}: {path_text(loc)}" + (f" (id {entry!r})" if entry else "")


# libyaml's loader where PyYAML was built with it: the pure-Python one took ~1.6 s a run for
# a 5,000-company watchlist (bench/daily_run.py), libyaml a tenth of that; same nodes and marks.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """Plain data (safe types only) and the node tree it came from, for line numbers: parsed
    once, the data constructed from the tree."""
    loader = _SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def check_mapping(data: Any, what: str, allowed: set[str]) -> Any:
    """The checks every config mapping shares: it is a mapping and has no unknown keys."""
    if not isinstance(data, dict):
        raise ValueError(f"each {what} must be a mapping, got {data!r}")
    unknown = sorted(str(k) for k in set(data) - allowed)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    return data
