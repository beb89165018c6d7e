"""Entity aliases -> whole-word RE2 patterns that dbt matches news against.

Patterns are built here, in one tested place, so the SQL side only evaluates them: a
config value never becomes SQL text.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from dagster_project.config.watchlist import Watchlist

RE2_SPECIAL = set(r"\.^$|?*+()[]{}")
# Letters, digits and underscore on either side mean the alias is part of another word.
WORD_EDGE_BEFORE = r"(^|[^A-Za-z0-9_])"
WORD_EDGE_AFTER = r"($|[^A-Za-z0-9_])"

ENTITIES_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("entity_type", pa.string()),
        ("ticker", pa.string()),
        ("alias", pa.string()),
        ("pattern", pa.string()),
        ("case_sensitive", pa.bool_()),
    ]
)


def alias_pattern(alias: str, case_sensitive: bool) -> str:
    escaped = "".join("\\" + ch if ch in RE2_SPECIAL else ch for ch in alias)
    return ("" if case_sensitive else "(?i)") + WORD_EDGE_BEFORE + escaped + WORD_EDGE_AFTER


def entity_frame(watchlist: Watchlist) -> pd.DataFrame:
    rows = [
        {
            "entity": a.entity,
            "entity_type": a.entity_type,
            "ticker": a.ticker,
            "alias": a.alias,
            "pattern": alias_pattern(a.alias, a.case_sensitive),
            "case_sensitive": a.case_sensitive,
        }
        for a in watchlist.entity_aliases()
    ]
    return pd.DataFrame(rows, columns=ENTITIES_SCHEMA.names)
