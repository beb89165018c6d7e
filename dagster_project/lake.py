"""The raw lake: one Parquet file per dataset partition, written atomically.

Layout: <data>/lake/<dataset>/<partition_column>=<key>/data.parquet, or
<data>/lake/<dataset>/data.parquet for unpartitioned datasets. A write goes to a hidden
temp file in the same folder and is os.replace()d into place, so a re-run replaces the
partition and a crash leaves the previous file intact. dbt globs only `*.parquet`,
so a stray temp file is never read; one a killed process left behind is deleted by a later
write of the same file once it is an hour old (`remove_stale_temp_files`).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATA_FILE = "data.parquet"


def partition_path(lake_dir: Path, dataset: str, column: str, key: str) -> Path:
    return lake_dir / dataset / f"{column}={key}" / DATA_FILE


def dataset_path(lake_dir: Path, dataset: str) -> Path:
    return lake_dir / dataset / DATA_FILE


# A temp file this old has no live writer left (a write takes seconds): it was left by a kill.
STALE_TEMP_AGE_S = 3600.0


def remove_stale_temp_files(path: Path, max_age_s: float = STALE_TEMP_AGE_S) -> list[Path]:
    """Delete the temp files (`.<name>.<hex>.tmp`, and a DuckDB `.tmp.wal` beside one) that
    writes of `path` left behind when their process was killed, once older than `max_age_s`."""
    removed, cutoff = [], time.time() - max_age_s
    for stale in path.parent.glob(f".{path.name}.*.tmp*"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
                removed.append(stale)
        except FileNotFoundError:  # another writer cleaned it up first
            pass
    return removed


def write_parquet_atomic(frame: pd.DataFrame, path: Path, schema: pa.Schema) -> Path:
    """Write `frame` with an explicit schema (no type drift between partitions)."""
    return write_table_atomic(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), path)


def write_table_atomic(table: pa.Table, path: Path) -> Path:
    """Write an Arrow table (e.g. one session's slice of a range converted once) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# Files written at once by write_tables_atomic: Parquet encoding, compression and fsync release
# the GIL, so a few threads overlap them (374 session files of the case study: 0.8 s -> 0.4 s
# on 2 cores); more than that only queue on the disk.
WRITE_THREADS = 4


def write_tables_atomic(tables: Iterable[tuple[pa.Table, Path]]) -> list[Path]:
    """write_table_atomic for each (table, path), a few at a time. Each file is atomic on its
    own, as in a loop: if one write fails, the error is raised once the others have ended,
    and the files already replaced stay replaced."""
    with ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="lake-write") as pool:
        return list(pool.map(lambda item: write_table_atomic(*item), tables))


def read_parquet(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def read_parquet_files(paths: list[Path]) -> pd.DataFrame:
    """Several files of one schema as one frame, in the order given: one multi-threaded read
    and one conversion (374 session files: 0.2 s, where a read and a conversion each took 0.77 s).
    The files' own columns only: no partition column is derived from their folders' names."""
    return pq.read_table([str(p) for p in paths], partitioning=None).to_pandas()
