"""SVG snapshots of the rating, agreement, plan and sensitivity screens at 80x24 and 120x40 (the tornado at
200x60 too), on pinned data (two raters' files, efforts set, a typed rater name, seeded rank odds). Regenerate with `--snapshot-update` and look at
the changed SVGs (as PNGs) before committing them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import FIXTURES, rate_file, snapshot_of_one_run, wait_for

from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import load, save

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


async def _rating(pilot: Any) -> None:
    from fsdl_tui.tui.screens.modals import TextModal
    from fsdl_tui.tui.screens.rating import RatingScreen

    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, (TextModal, RatingScreen)))
    if isinstance(pilot.app.screen, TextModal):
        await pilot.press(*"Zoe Quinn", "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RatingScreen))
    await pilot.press("4", "2", "5", "3", "down", "v")  # grasp-pose rated; grasp-success revealed


async def _agreement(pilot: Any) -> None:
    await pilot.press("A")
    await wait_for(pilot, lambda: pilot.app.workspace.decisions is not None and not pilot.app.decisions_pending)


async def _plan(pilot: Any) -> None:
    await pilot.press("P", "9", "enter")
    await wait_for(pilot, lambda: pilot.app.workspace.last_plan is not None)


async def _table_marked(pilot: Any) -> None:
    await _plan(pilot)
    await pilot.press("escape")


SCENARIOS: dict[str, Callable[[Any], Any]] = {
    "rating": _rating,
    "agreement": _agreement,
    "plan": _plan,
    "table_marked": _table_marked,
}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # relative paths: the title shows "team.toml", the same on every machine
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")  # HOME is in tmp_path: no git user name, the name is asked
    path = tmp_path / "team.toml"
    shutil.copy(FIXTURES / "small.toml", path)
    doc = load(path)
    portfolio = doc.portfolio
    for pid, weeks in {"grasp-pose": 6, "label-tool": 3, "grasp-success": 4}.items():
        project = portfolio.get(pid)
        assert project is not None
        portfolio = portfolio.with_project(set_field(project, "effort.weeks", weeks))
    save(doc, portfolio)
    rate_file(
        Path("team.toml"),
        "Ana Ruiz",
        {
            "grasp-pose": {"impact": 5, "data_availability": 1, "accuracy_requirement": 5, "problem_difficulty": 4},
            "label-tool": {"impact": 4, "data_availability": 4, "accuracy_requirement": 2, "problem_difficulty": 2},
            "grasp-success": {"impact": 2, "data_availability": 5, "accuracy_requirement": 3, "problem_difficulty": 1},
        },
    )
    rate_file(
        Path("team.toml"),
        "Bo Berg",
        {
            "grasp-pose": {"impact": 2, "data_availability": 2, "accuracy_requirement": 4, "problem_difficulty": 4},
            "label-tool": {"impact": 4, "data_availability": 3, "accuracy_requirement": 2, "problem_difficulty": 3},
            "grasp-success": {"impact": 3, "data_availability": 4, "accuracy_requirement": 1, "problem_difficulty": 2},
        },
    )
    return tmp_path


# SVGs of one run per scenario, taken at each size in turn (tui_helpers.snapshot_of_one_run); the rating screen
# keeps the title column's width it opened with when the terminal grows (titles stay cut): one run per size.
_SHOTS: dict[tuple[str, str], str] = {}
FRESH_PER_SIZE = {"rating"}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_snapshot(scenario: str, size: str, snap_compare, make_app, in_tmp: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Any) -> None:
        # the spread and dispute markers are computed after the first frame: wait for them
        await wait_for(pilot, lambda: pilot.app.workspace.decisions is not None)
        await SCENARIOS[scenario](pilot)
        await pilot.pause()

    if scenario not in FRESH_PER_SIZE:
        snapshot_of_one_run(_SHOTS, scenario, size, SIZES, lambda: make_app("team.toml"), monkeypatch, (), run_before)
    assert snap_compare(make_app("team.toml"), terminal_size=SIZES[size], run_before=run_before)


async def _sensitivity(pilot: Any) -> None:
    await pilot.press("S")
    await wait_for(pilot, lambda: pilot.app.sensitivity_result is not None and not pilot.app.sensitivity_pending)


TORNADO_SIZES = {**SIZES, "200x60": (200, 60)}


@pytest.mark.parametrize("size", TORNADO_SIZES)
def test_snapshot_sensitivity(size: str, snap_compare, make_app, in_tmp: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The stable share and the tornado (seeded) at three sizes: the bars widen with the screen."""

    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: pilot.app.workspace.decisions is not None)
        await _sensitivity(pilot)
        await pilot.pause()

    snapshot_of_one_run(
        _SHOTS, "sensitivity", size, TORNADO_SIZES, lambda: make_app("team.toml"), monkeypatch, (), run_before
    )
    assert snap_compare(make_app("team.toml"), terminal_size=TORNADO_SIZES[size], run_before=run_before)
