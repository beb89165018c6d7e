"""The raw lake: one Parquet file per dataset partition, written atomically.

Layout: <data>/lake/<dataset>/<partition_column>=<key>/data.parquet, or
<data>/lake/<dataset>/data.parquet for unpartitioned datasets. A write goes to a hidden
temp file in the same folder and is os.replace()d into place, so a re-run replaces the
partition and a crash leaves the previous file intact. dbt globs only `*.parquet`,
so a stray temp file is never read.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATA_FILE = "data.parquet"


def partition_path(lake_dir: Path, dataset: str, column: str, key: str) -> Path:
    return lake_dir / dataset / f"{column}={key}" / DATA_FILE


def dataset_path(lake_dir: Path, dataset: str) -> Path:
    return lake_dir / dataset / DATA_FILE


def write_parquet_atomic(frame: pd.DataFrame, path: Path, schema: pa.Schema) -> Path:
    """Write `frame` with an explicit schema (no type drift between partitions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
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


def read_parquet(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()
