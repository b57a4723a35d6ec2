"""SVG snapshots of every screen and dialog, at 80x24, 120x40 and 200x60. Regenerate with `--snapshot-update`
and look at the changed SVGs before committing them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import FIXTURES, hold_or_resume, palette_search, snapshot_of_one_run

from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import load, save

SIZES = {"80x24": (80, 24), "120x40": (120, 40), "200x60": (200, 60)}


async def _select(pilot: Any, project_id: str) -> None:
    pilot.app.screen.query_one("#table").select_id(project_id)
    await pilot.pause()


def _select_then(project_id: str) -> Callable[[Any], Any]:
    async def run(pilot: Any) -> None:
        await _select(pilot, project_id)

    return run


async def _rice(pilot: Any) -> None:
    from fsdl_tui.plugins.manager import load_plugins

    pilot.app.plugins_loaded(load_plugins(env={**pilot.app.env, "FSDL_TUI_LOAD_PLUGINS": "rice"}))
    await pilot.pause()


async def _rice_settings(pilot: Any) -> None:
    """The RICE plugin loaded, the settings open at its default confidence (typed next: out of range)."""
    await _rice(pilot)
    await pilot.press("comma")
    screen = pilot.app.screen
    field = screen.query_one("#" + screen.plugin_widget("plugins.rice.default_confidence"))
    field.focus(scroll_visible=False)
    screen.query_one("#form").scroll_to_widget(field, animate=False, immediate=True)
    await pilot.pause()


async def _rice_form(pilot: Any) -> None:
    """The RICE plugin loaded, 6D pose's form open at the plugin's section (its first field focused)."""
    await _rice(pilot)
    await _select(pilot, "grasp-pose")
    await pilot.press("e")
    form = pilot.app.screen
    form._jump_to(f"sec-{form.sections.index('Plugin: rice')}")  # as ctrl+g would, without the dialog
    await pilot.pause()


async def _rice_settings_again(pilot: Any) -> None:
    """After a resize, the settings scrolled from the top to the focused field again, as `_rice_settings` does."""
    form = pilot.app.screen.query_one("#form")
    form.scroll_home(animate=False, immediate=True)
    await pilot.pause()
    form.scroll_to_widget(pilot.app.focused, animate=False, immediate=True)
    await pilot.pause()


async def _plugins(pilot: Any) -> None:
    from fsdl_tui.plugins.manager import load_plugins

    pilot.app.plugins_loaded(load_plugins(env=pilot.app.env))
    await pilot.pause()


async def _edit_with_error(pilot: Any) -> None:
    await _select(pilot, "grasp-pose")
    await pilot.press("e")
    from fsdl_tui.tui.screens.edit import widget_id

    field = pilot.app.screen.query_one(f"#{widget_id('cost.accuracy_requirement')}")
    field.value = "7"
    field.focus(scroll_visible=False)  # no scroll animation: the scroll below is immediate
    await pilot.pause()
    pilot.app.screen.query_one("#form").scroll_to_widget(field, animate=False, top=True, immediate=True)
    await pilot.pause()


async def _edit_with_error_again(pilot: Any) -> None:
    """After a resize, the refused field scrolled to the top again, as `_edit_with_error` does."""
    pilot.app.screen.query_one("#form").scroll_to_widget(pilot.app.focused, animate=False, top=True, immediate=True)
    await pilot.pause()


async def _external_change(pilot: Any) -> None:
    await hold_or_resume(pilot)
    doc = load("team.toml")
    save(doc, doc.portfolio.with_project(set_field(doc.portfolio.get("grasp-pose"), "owner", "zed")))
    pilot.app.check_disk()
    await pilot.pause()


async def _save_failed(pilot: Any) -> None:
    import errno
    import os

    await hold_or_resume(pilot)
    pilot.app.save_failed(Path("team.toml"), OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "team.toml"))
    await pilot.pause()


async def _palette(pilot: Any) -> None:
    await palette_search(pilot, "board")


# name -> (keys to press, what to run before them)
SCENARIOS: dict[str, tuple[list[str], Callable[[Any], Any] | None]] = {
    "table": ([], None),
    "table_sorted_filtered": (["2", "2", "slash", *"vision", "enter"], None),
    "board": (["b"], _select_then("grasp-pose")),
    "matrix": (["m"], None),
    "matrix_by_stage": (["m", "right", "v"], None),
    "edit": (["e"], _select_then("grasp-pose")),
    "edit_refused_value": ([], _edit_with_error),
    "help": (["f1"], None),
    "confirm_delete": (["D"], None),
    "reason": (["left_square_bracket"], _select_then("grasp-pose")),
    "gate_confirm": (["right_square_bracket"], None),
    "kill_reason": (["K"], None),
    "quit_guard": (["o", "enter", "q"], None),  # on hold (no reason), then quit
    "new_project": (["a", *"Grasp Pose"], None),
    "save_as": (["f3"], None),
    "plugins": (["p"], _plugins),
    "scorer": (["s"], _plugins),
    "export": (["x"], _plugins),
    "external_change": ([], _external_change),
    "palette": ([], _palette),
    "save_failed": ([], _save_failed),
    "columns": (["C"], None),
    "settings": (["comma"], None),
    "quick_score": (["f", "plus", "plus"], None),
    "edit_jump": (["e", "ctrl+g"], _select_then("grasp-pose")),
    "board_held_or_killed": (["b", "f", "f"], None),
    "edit_plugin_section": ([*"400", "tab", *"-1"], _rice_form),
    "settings_plugin_section": ([*"170"], _rice_settings),
}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # relative paths: the title shows "team.toml", the same on every machine
    shutil.copy(FIXTURES / "small.toml", tmp_path / "team.toml")
    return tmp_path


# SVGs of one run per scenario, taken at each size in turn (tui_helpers.snapshot_of_one_run).
_SHOTS: dict[tuple[str, str], str] = {}
# A screen that depends on the size it started at (a form scrolled to a field): what makes it again after each
# resize, so that one run takes every size.
AFTER_RESIZE: dict[str, Callable[[Any], Any]] = {
    "edit_refused_value": _edit_with_error_again,
    "settings_plugin_section": _rice_settings_again,
}
# One run per size: a screen that shows a notification (it times out, so what a later screenshot shows would
# depend on the clock), and the form at the plugin's section: the last section, scrolled as far as the form went
# before the typed value's error line made it one line longer, which a scroll after a resize cannot tell.
FRESH_PER_SIZE = {"save_failed", "edit_plugin_section"}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_snapshot(scenario: str, size: str, snap_compare, make_app, in_tmp: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    press, before = SCENARIOS[scenario]

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        if before is not None:
            await before(pilot)

    if scenario not in FRESH_PER_SIZE:  # snap_compare compares (or, with --snapshot-update, writes) the SVG taken
        snapshot_of_one_run(
            _SHOTS,
            scenario,
            size,
            SIZES,
            lambda: make_app("team.toml"),
            monkeypatch,
            press,
            run_before,
            AFTER_RESIZE.get(scenario),
        )
    assert snap_compare(make_app("team.toml"), press=press, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_broken_file(size: str, snap_compare, make_app, in_tmp: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = (in_tmp / "team.toml").read_text()
    (in_tmp / "team.toml").write_text(text.replace("overall = 5", "overall = 9").replace('owner = "bo"', "owner = 3"))
    snapshot_of_one_run(_SHOTS, "broken_file", size, SIZES, lambda: make_app("team.toml"), monkeypatch)
    assert snap_compare(make_app("team.toml"), terminal_size=SIZES[size])


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_recovery_offer(
    size: str, snap_compare, make_app, env: dict[str, str], in_tmp: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.paths import state_dir
    from fsdl_tui.storage import render_text
    from fsdl_tui.storage.journal import Journal, write_journal

    doc = load("team.toml")
    edited = doc.portfolio.with_project(set_field(doc.portfolio.get("grasp-pose"), "owner", "zed"))
    edited = edited.without_project("task-language")
    journal = Journal(str((in_tmp / "team.toml").resolve()), doc.digest, doc.text, render_text(doc, edited))
    path = write_journal(state_dir(env), journal)
    app = make_app("team.toml")

    async def hide_tmp(pilot: Any) -> None:  # the journal's folder differs on every run: show it relative
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one(".dialog-detail").update(screen.detail.replace(str(path), "STATE/journals/KEY.json"))
        await pilot.pause()

    snapshot_of_one_run(_SHOTS, "recovery_offer", size, SIZES, lambda: app, monkeypatch, run_before=hide_tmp)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=hide_tmp)
