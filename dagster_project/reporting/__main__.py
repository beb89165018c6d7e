"""`python -m dagster_project.reporting [--start --end --out-dir]` (what `make report` runs):
the window report and the dossiers of the window's shocks, from the published warehouse.

The report goes to <out-dir>/<start>_<end>.html and the dossiers to <out-dir>/shocks/, where
the report's links point (out-dir defaults to <data dir>/reports, the dossier asset's folder).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dagster_project.reporting.data import DEFAULT_END, DEFAULT_START
from dagster_project.reporting.dossier import write_dossiers
from dagster_project.reporting.report import write_report


def main(argv: list[str] | None = None) -> int:
    from dagster_project.config.settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m dagster_project.reporting", description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="last day (YYYY-MM-DD)")
    parser.add_argument("--out-dir", type=Path, default=settings.data_path / "reports", help="where to write the HTML")
    args = parser.parse_args(argv)
    try:
        path, data = write_report(settings, args.start, args.end, args.out_dir)
        dossiers = write_dossiers(settings, args.out_dir, args.start, args.end)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Report ({len(data.events)} events, {len(data.shocks)} shocks): {path}")
    print(f"Open it: file://{path.resolve()}")
    for dossier in dossiers:
        print(f"  dossier: {dossier}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
