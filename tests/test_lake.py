import pandas as pd
import pyarrow as pa
import pytest

from dagster_project import lake

SCHEMA = pa.schema([("ticker", pa.string()), ("close", pa.float64())])


def test_rewrite_replaces_the_partition(tmp_path):
    path = lake.partition_path(tmp_path, "prices", "trade_date", "2025-01-27")
    lake.write_parquet_atomic(pd.DataFrame({"ticker": ["NVDA"], "close": [1.0]}), path, SCHEMA)
    lake.write_parquet_atomic(pd.DataFrame({"ticker": ["NVDA", "AMD"], "close": [118.42, 115.0]}), path, SCHEMA)
    frame = lake.read_parquet(path)
    assert frame.to_dict("records") == [{"ticker": "NVDA", "close": 118.42}, {"ticker": "AMD", "close": 115.0}]
    assert [p.name for p in path.parent.iterdir()] == ["data.parquet"]


def test_crash_during_write_keeps_previous_file(tmp_path, monkeypatch):
    path = lake.dataset_path(tmp_path, "shares_outstanding")
    lake.write_parquet_atomic(pd.DataFrame({"ticker": ["NVDA"], "close": [142.62]}), path, SCHEMA)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(lake.pq, "write_table", explode)
    with pytest.raises(OSError, match="disk full"):
        lake.write_parquet_atomic(pd.DataFrame({"ticker": ["X"], "close": [0.0]}), path, SCHEMA)
    assert lake.read_parquet(path)["close"].tolist() == [142.62]
    assert [p.name for p in path.parent.iterdir()] == ["data.parquet"]  # no temp file left behind


def test_schema_mismatch_is_an_error_not_a_silent_cast(tmp_path):
    path = lake.dataset_path(tmp_path, "x")
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, ValueError)):
        lake.write_parquet_atomic(pd.DataFrame({"ticker": ["NVDA"], "close": ["not a number"]}), path, SCHEMA)
    assert not path.exists()


def test_tables_written_at_once_each_land_whole_where_asked(tmp_path):
    days = [f"2025-01-{d:02d}" for d in range(1, 29)]
    tables = [
        pa.Table.from_pandas(pd.DataFrame({"ticker": ["NVDA", "AMD"], "close": [float(n), n + 0.5]}), SCHEMA)
        for n in range(len(days))
    ]
    paths = [lake.partition_path(tmp_path, "prices", "trade_date", day) for day in days]
    assert lake.write_tables_atomic(zip(tables, paths)) == paths
    for n, path in enumerate(paths):
        assert lake.read_parquet(path)["close"].tolist() == [float(n), n + 0.5]
        assert [p.name for p in path.parent.iterdir()] == ["data.parquet"]


def test_one_failing_write_among_many_raises_and_leaves_every_file_whole(tmp_path, monkeypatch):
    """Files already there keep their previous content unless their own write succeeded."""
    paths = [lake.partition_path(tmp_path, "prices", "trade_date", f"2025-01-{d:02d}") for d in range(1, 13)]
    for path in paths:
        lake.write_parquet_atomic(pd.DataFrame({"ticker": ["NVDA"], "close": [-1.0]}), path, SCHEMA)
    real_write = lake.pq.write_table

    def fail_the_seventh(table, handle, **kwargs):
        if table.column("close")[0].as_py() == 7.0:
            raise OSError("disk full")
        real_write(table, handle, **kwargs)

    monkeypatch.setattr(lake.pq, "write_table", fail_the_seventh)
    tables = [pa.Table.from_pandas(pd.DataFrame({"ticker": ["NVDA"], "close": [float(n)]}), SCHEMA) for n in range(12)]
    with pytest.raises(OSError, match="disk full"):
        lake.write_tables_atomic(zip(tables, paths))
    closes = [lake.read_parquet(path)["close"].tolist() for path in paths]
    assert closes[7] == [-1.0]  # the failed one: its previous file
    assert all(close in ([float(n)], [-1.0]) for n, close in enumerate(closes))
    assert all([p.name for p in path.parent.iterdir()] == ["data.parquet"] for path in paths)  # no temp file


def test_several_partitions_read_as_one_frame_in_the_order_given(tmp_path):
    """The folders' `trade_date=` names add no column (the files' own columns only), and the rows
    come back file by file in the order asked, the same frame as reading them one by one."""
    days = ["2025-01-28", "2025-01-24", "2025-01-27"]
    paths = []
    for n, day in enumerate(days):
        path = lake.partition_path(tmp_path, "prices", "trade_date", day)
        table = pa.Table.from_pandas(pd.DataFrame({"ticker": ["NVDA", "AMD"], "close": [float(n), n + 0.5]}), SCHEMA)
        paths.append(lake.write_table_atomic(table, path))
    together = lake.read_parquet_files(paths)
    assert list(together.columns) == ["ticker", "close"]
    assert together["close"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    pd.testing.assert_frame_equal(together, pd.concat([lake.read_parquet(p) for p in paths], ignore_index=True))
