"""One way to declare and report a raw asset's checks.

A rule module (quality.py, share_quality.py, the news and chart checks) returns
`CheckOutcome`s; `check_specs` declares them on the asset and `check_results` turns them into
Dagster results with one severity rule (blocking -> ERROR, else WARN), one description
format and the failing rows named in `sample`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, MetadataValue


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    description: str
    failing_rows: int
    sample: list[str]
    blocking: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # more JSON metadata (e.g. failures by source)


def check_specs(asset: str, blocking_by_name: dict[str, bool]) -> list[AssetCheckSpec]:
    return [AssetCheckSpec(name, asset=asset, blocking=blocking) for name, blocking in blocking_by_name.items()]


def check_results(
    outcomes: Iterable[CheckOutcome], warn: Callable[[str], None] | None = None
) -> list[AssetCheckResult]:
    """Dagster results for the outcomes; each failure is also logged through `warn`."""
    results = []
    for o in outcomes:
        description = o.description if o.passed else f"{o.description}: {o.failing_rows} failing row(s)"
        if not o.passed and warn is not None:
            warn(f"check {o.name} failed: {description} {o.sample}")
        results.append(
            AssetCheckResult(
                check_name=o.name,
                passed=o.passed,
                severity=AssetCheckSeverity.ERROR if o.blocking else AssetCheckSeverity.WARN,
                description=description,
                metadata={
                    "failing_rows": o.failing_rows,
                    "sample": MetadataValue.json(o.sample),
                    **{key: MetadataValue.json(value) for key, value in o.extra.items()},
                },
            )
        )
    return results
