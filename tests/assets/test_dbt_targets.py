"""dbt/target does not grow with every run: dagster-dbt's per-invocation folders are pruned to
the newest few after each dbt step."""

import os
import time

from dagster_project.assets.dbt import prune_invocation_targets


def test_only_the_newest_invocation_folders_are_kept(tmp_path):
    now = time.time()
    folders = []
    for age in range(13):  # folder i is i minutes old
        folder = tmp_path / f"warehouse_models-run{age:04d}-abc"
        (folder / "compiled").mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (now - 60 * age, now - 60 * age))
        folders.append(folder)
    (tmp_path / "manifest.json").write_text("{}")  # `make`'s own parse output: never touched
    (tmp_path / "compiled").mkdir()

    removed = prune_invocation_targets(tmp_path, keep=10)

    assert sorted(removed) == sorted(folders[10:])
    assert [f.exists() for f in folders] == [True] * 10 + [False] * 3
    assert (tmp_path / "manifest.json").exists() and (tmp_path / "compiled").is_dir()
