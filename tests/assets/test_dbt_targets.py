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


def test_a_folder_another_process_pruned_meanwhile_is_skipped(tmp_path, monkeypatch):
    """Two pruning processes (two runs' dbt steps, parallel test workers) list the same folders;
    one deleting a folder before the other reads its age must not fail the other's run."""
    for name in ("warehouse_models-a", "warehouse_models-b", "warehouse_models-c"):
        (tmp_path / name).mkdir()
    listed = list(tmp_path.glob("warehouse_models-*")) + [tmp_path / "warehouse_models-gone"]
    monkeypatch.setattr(type(tmp_path), "glob", lambda self, pattern: iter(listed))

    removed = prune_invocation_targets(tmp_path, keep=2)

    assert len(removed) == 1 and removed[0].name != "warehouse_models-gone"
    assert len(list(p for p in listed if p.exists())) == 2
