"""Shared helpers of the reliability suites: warehouse fingerprints, lake snapshots, and a
pipeline run in a child process that can be killed (with its whole process group)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]

# The grain of every mart (its unique key, as the dbt tests in dbt/models/marts/_marts.yml state it).
MART_KEYS = {
    "dim_company": ["ticker"],
    "fct_daily_market_cap": ["ticker", "trade_date"],
    "fct_market_moves": ["ticker", "trade_date"],
    "fct_news_mentions": ["item_id", "entity"],
    "fct_news_daily": ["entity", "news_date"],
    "dim_app": ["app_id"],
    "fct_app_rank_daily": ["snapshot_date", "country", "chart", "app_id"],
    "fct_app_rank_milestones": ["milestone_id"],
    "fct_event_timeline": ["event_id"],
    "fct_theme_daily": ["theme", "trade_date"],
}
# The marts every published warehouse must hold (ARCHITECTURE.md's contracts and README's table).
REQUIRED_MARTS = {
    "dim_company",
    "fct_daily_market_cap",
    "fct_market_moves",
    "fct_news_mentions",
    "fct_news_daily",
    "dim_app",
    "fct_app_rank_daily",
    "fct_app_rank_milestones",
    "fct_event_timeline",
}
# Stamped with the wall clock at fetch time: the only columns allowed to differ between two runs.
RUN_TIME_COLUMNS = {"fetched_at"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation_fingerprints(con, schema: str = "marts", exclude: set[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """table -> (row count, md5 over the sorted rows): equal fingerprints = the same rows.

    Each row is rendered as DuckDB's struct text ({'col': value, ...}); `exclude` drops columns
    (e.g. fetched_at) before hashing."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()
    ]
    out = {}
    for table in tables:
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            if r[0] not in exclude
        ]
        select = ", ".join(_q(c) for c in cols)
        count, digest = con.execute(
            f"select count(*), md5(coalesce(string_agg(cast(r as varchar), chr(10) order by cast(r as varchar)), '')) "
            f"from (select {select} from {_q(schema)}.{_q(table)}) as r"
        ).fetchone()
        out[table] = (count, digest)
    return out


def warehouse_fingerprints(
    db: Path, schema: str = "marts", exclude: set[str] = frozenset()
) -> dict[str, tuple[int, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return relation_fingerprints(con, schema, exclude)


def duplicated_keys(db: Path) -> dict[str, int]:
    """mart -> number of key values that occur more than once (only marts with duplicates).
    A mart without a registered key is checked for duplicated whole rows instead."""
    found = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        for table in tables:
            key = MART_KEYS.get(table)
            cols = ", ".join(_q(c) for c in key) if key else "*"
            n = con.execute(
                f"select count(*) from (select {cols} from marts.{_q(table)} group by all having count(*) > 1)"
            ).fetchone()[0]
            if n:
                found[table] = n
    return found


def lake_snapshot(lake_dir: Path, exclude: set[str] = RUN_TIME_COLUMNS) -> dict[str, list[tuple]]:
    """relative path of every data file -> its rows (sorted, without run-time columns).
    Raises if any file is not readable Parquet: a torn file in the lake is a failure."""
    snap = {}
    for path in sorted(lake_dir.rglob("*.parquet")):
        table = pq.read_table(path)
        cols = [c for c in table.column_names if c not in exclude]
        rows = sorted(tuple(map(repr, r.values())) for r in table.select(cols).to_pylist())
        snap[str(path.relative_to(lake_dir))] = rows
    return snap


def temp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or ".tmp." in p.name))


def write_watchlist(path: Path, base_url: str, tickers=None) -> Path:
    """The shipped watchlist (cut to `tickers`), with its feeds and chart hosts on a local server:
    an rss feed `wire` at {base_url}/feeds/wire.xml, a Google News search `gn_deepseek`, and the
    us top-free and top-paid charts (top 3) under {base_url}/v2."""
    shipped = yaml.safe_load((REPO_ROOT / "dagster_project" / "watchlist.yml").read_text())
    watchlist = {
        "themes": shipped["themes"],
        "companies": [c for c in shipped["companies"] if tickers is None or c["ticker"] in tickers],
        "actors": shipped["actors"],
        "feeds": [
            {"id": "wire", "kind": "rss", "url": f"{base_url}/feeds/wire.xml", "publisher": "Example Wire"},
            {"id": "gn_deepseek", "kind": "google_news", "query": "DeepSeek"},
        ],
        "app_charts": {
            "countries": ["us"],
            "charts": ["top-free", "top-paid"],
            "limit": 3,
            "v2_base_url": f"{base_url}/v2",
            "legacy_base_url": f"{base_url}/itunes",
            "highlight_apps": [{"app_id": "6737597349", "name": "DeepSeek"}],
        },
    }
    path.write_text(yaml.safe_dump(watchlist, sort_keys=False))
    return path


# --------------------------------------------------------------------------- runs in a child process


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOCKWATCH_") and k != "DAGSTER_HOME"}
    env.update(
        {
            "SHOCKWATCH_DATA_DIR": str(data_dir),
            "SHOCKWATCH_SOURCE_MODE": "replay",
            "DO_NOT_TRACK": "1",
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class Child:
    """A pipeline run in its own session (process group): killing the group also kills dbt."""

    proc: subprocess.Popen
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill_group()
            raise AssertionError(
                f"child {self.pid} still running after {timeout} s; log tail:\n{self.log()[-3000:]}"
            ) from exc


def start_child(
    data_dir: Path,
    runs: list[tuple[str, str, str]],
    fault: dict | None = None,
    log_path: Path | None = None,
    **env: str,
) -> Child:
    log_path = log_path or data_dir.parent / f"child-{time.monotonic_ns()}.log"
    spec = json.dumps({"runs": runs, "fault": fault})
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_child", spec],
            cwd=REPO_ROOT,
            env=child_env(data_dir, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Child(proc, log_path)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry))
    return members


def dbt_build_in_group(pgid: int) -> bool:
    """True when a `dbt ... build` process runs in the group."""
    for pid in group_members(pgid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if any(Path(w).name == "dbt" for w in words) and "build" in words:
            return True
    return False


def poll_until(predicate, child: Child, timeout: float, interval: float = 0.005) -> bool:
    """Poll `predicate()` until it is true (-> True) or the child exited / timed out (-> False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if child.proc.poll() is not None:
            return bool(predicate())
        time.sleep(interval)
    return False
