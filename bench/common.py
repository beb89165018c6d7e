"""What the benchmarks share: timed subprocesses with their peak RSS, dbt invocations,
run_results.json, and the results table.

Every measured command runs in its own process, so its peak resident set size is its own
(`os.wait4` returns the child's rusage; ru_maxrss is in KiB on Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.dbt_cli import dbt_executable

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = REPO_ROOT / "dbt"
DBT = dbt_executable()  # the dbt a Dagster step runs: its own environment's (.venv-dbt)

# DuckDB settings for everything measured here, dbt and the hand-written floor alike.
# 3GB keeps the peak RSS of a 25M-row build under 4 GB (DuckDB's limit covers its buffer
# manager, not the Python process around it; with the profile's default 4GB the peak is
# ~4.3 GB). Threads: DuckDB's default, one per core, in dbt (profiles.yml sets none) and
# in the floor alike.
MEMORY_LIMIT = os.environ.get("SHOCKWATCH_DUCKDB_MEMORY_LIMIT", "3GB")
THREADS = os.cpu_count() or 2


@dataclass
class Timed:
    seconds: float
    peak_rss_mb: float
    returncode: int
    log: Path | None = None
    extra: dict = field(default_factory=dict)


def run_timed(
    cmd: list[str], env: dict | None = None, cwd: Path | None = None, log: Path | None = None, check: bool = True
) -> Timed:
    """Run `cmd`, return its wall time and peak RSS; stdout+stderr go to `log`."""
    log = log or Path(os.devnull)
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ, DO_NOT_TRACK="1", DAGSTER_DISABLE_TELEMETRY="1", **(env or {}))
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if check and proc.returncode != 0:
        tail = Path(log).read_text(errors="replace")[-4000:] if log.name != os.devnull else ""
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}); log {log}:\n{tail}")
    return Timed(seconds, usage.ru_maxrss / 1024, proc.returncode, log)


def dbt_env(data_dir: Path) -> dict:
    return {"SHOCKWATCH_DATA_DIR": str(data_dir), "SHOCKWATCH_DUCKDB_MEMORY_LIMIT": MEMORY_LIMIT}


def run_dbt(args: list[str], data_dir: Path, target: Path, label: str, project_dir: Path = DBT_DIR) -> Timed:
    """dbt from the project folder (seeds resolve relative to it), into a private target path
    (never the project's dbt/target, which Dagster and the tests use)."""
    (Path(data_dir) / "warehouse").mkdir(parents=True, exist_ok=True)
    results = Path(target) / "run_results.json"
    results.unlink(missing_ok=True)  # never read a previous invocation's numbers
    timed = run_timed(
        [DBT, *args, "--profiles-dir", ".", "--target-path", str(target), "--log-path", str(target)],
        env=dbt_env(data_dir),
        cwd=project_dir,
        log=Path(target) / f"{label}.out",
    )
    timed.extra["run_results"] = node_times(results) if results.exists() else {}  # `dbt parse` writes none
    return timed


def node_times(run_results: Path) -> dict[str, float]:
    """unique_id -> execution_time (s) of one dbt invocation; '_elapsed' is dbt's own total."""
    data = json.loads(run_results.read_text())
    times = {r["unique_id"]: float(r["execution_time"]) for r in data["results"]}
    times["_elapsed"] = float(data["elapsed_time"])
    return times


MARKET_CAP = "model.shockwatch.fct_daily_market_cap"


@dataclass
class Row:
    measure: str
    value: float | None
    target: str
    met: bool | None
    detail: str = ""

    def cells(self) -> list[str]:
        value = "n/a" if self.value is None else f"{self.value:.3f}"
        met = "n/a" if self.met is None else ("yes" if self.met else "NO")
        return [self.measure, value, self.target, met, self.detail]


def print_table(rows: list[Row], title: str) -> str:
    header = ["measure", "value", "target", "met?", "detail"]
    cells = [header] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = [title, ""]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells[1:]:
        lines.append("| " + " | ".join(x.ljust(w) for x, w in zip(c, widths)) + " |")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)
