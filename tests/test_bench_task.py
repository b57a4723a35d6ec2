"""The taskwarrior benchmark's parts that decide what it measures (never its timings)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import helpers_storage  # noqa: F401  (puts the checkout's `benchmarks/` on the path)
import pytest

from benchmarks import bench_task


def test_the_tasks_are_deterministic_and_carry_every_field() -> None:
    tasks = bench_task.task_json(20, seed=3)
    assert tasks == bench_task.task_json(20, seed=3) and tasks != bench_task.task_json(20, seed=4)
    assert len({t["uuid"] for t in tasks}) == 20
    for t in tasks:
        assert {"description", "project", "tags", "priority", "due", "annotations"} <= t.keys()
        assert t["priority"] in ("H", "M", "L") and 1 <= len(t["annotations"]) <= 2  # type: ignore[arg-type]


@pytest.mark.skipif(shutil.which("task") is None, reason="taskwarrior is not installed")
def test_taskwarrior_holds_as_many_tasks_and_modify_writes(tmp_path: Path) -> None:
    env = bench_task.task_env(tmp_path / "task", 7)
    before = (tmp_path / "task" / "taskdata" / "pending.data").read_text(encoding="utf-8")
    subprocess.run(["task", "4", "modify", "priority:H"], env=env, check=True, capture_output=True)
    subprocess.run(["task", "4", "modify", "priority:L"], env=env, check=True, capture_output=True)
    assert (tmp_path / "task" / "taskdata" / "pending.data").read_text(encoding="utf-8") != before
    assert not (tmp_path / "task" / "hooks").exists()


def test_without_taskwarrior_it_says_so_and_measures_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "performance.md"
    assert bench_task.main(["--sizes", "10", "--output", str(out)]) == 0
    assert "not found" in capsys.readouterr().err and not out.exists()


def test_the_verdict_is_on_set_at_10000_only() -> None:
    row: dict[str, object] = {"set": (1.0, 0.2, 5.0)}
    assert bench_task.verdicts([{"n": 1000, **row}]) == []
    [verdict] = bench_task.verdicts([{"n": 10000, **row}, {"n": 1000, "set": (0.1, 0.1, 1.0)}])
    assert verdict.startswith("MISSED") and "5.00x" in verdict
    assert bench_task.verdicts([{"n": 10000, "set": (0.5, 0.2, 2.5)}])[0].startswith("met")


def test_the_in_process_save_has_its_own_verdict_against_tomllib() -> None:
    row: dict[str, object] = {"n": 10000, "set": (0.5, 0.2, 2.5), "in_process": (0.2, 10.0, 0.02)}
    assert [v.split(":")[0] for v in bench_task.verdicts([row])] == ["met", "met"]
    [_, missed] = bench_task.verdicts([row | {"in_process": (4.0, 10.0, 0.4)}])
    assert missed.startswith("MISSED") and "0.40x `tomllib.loads`" in missed
