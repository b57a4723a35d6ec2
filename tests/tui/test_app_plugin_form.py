"""The form takes the fields plugins declare (RICE from the app, end to end), the settings screen their
settings; hold and resume are history; keys typed right after Tab land in the next field; the app's export
carries the CLI's context."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TODAY
from textual.widgets import Input
from tui_helpers import hold_or_resume, open_form, type_fast, wait_for

from fsdl_tui.plugins.manager import load_plugins
from fsdl_tui.storage import load
from fsdl_tui.tui.screens.edit import widget_id
from fsdl_tui.tui.screens.modals import TextModal
from fsdl_tui.tui.screens.portfolio import PortfolioScreen
from fsdl_tui.tui.screens.settings import SettingsScreen
from fsdl_tui.tui.widgets.detail import ProjectDetail
from fsdl_tui.tui.widgets.table import PortfolioTable

RICE = {"reach": "400", "impact": "2", "confidence": "0.8", "effort": "3"}


def with_rice(app):  # type: ignore[no-untyped-def]
    """Load the plugins as the app does, with the RICE plugin allowed (skips when it is not installed)."""
    pytest.importorskip("fsdl_tui_rice")
    app.plugins_loaded(load_plugins(env={**app.env, "FSDL_TUI_LOAD_PLUGINS": "rice"}))


async def choose_scorer(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("s")
    names = list(app.workspace.scorers)
    await pilot.press(*["down"] * names.index(name), "enter")
    await wait_for(pilot, lambda: app.scorer.name == name and not app.ranking)


async def type_into(pilot, path: str, text: str, fast: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Focus the form's field at `path` and type `text` into it, key by key (`fast`: the keys sent at once, as
    a fast typist's arrive, then handled in turn: half the time of pressing them one by one)."""
    field = pilot.app.screen.query_one(f"#{widget_id(path)}", Input)
    pilot.app.screen.query_one("#form").scroll_to_widget(field, animate=False, immediate=True)
    field.focus()
    field.value = ""
    if fast:
        await type_fast(pilot, *text)
        return
    await pilot.pause()
    await pilot.press(*text)


@pytest.mark.slow
async def test_rice_chosen_in_the_app_its_fields_entered_in_the_form_rank_every_project(
    make_app, portfolio_file: Path
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        with_rice(app)
        await choose_scorer(pilot, "rice")
        ids = [r.project.id for r in app.workspace.ranked]
        assert ids and all(r.rank is None for r in app.workspace.ranked)  # nothing to rank with yet
        for n, pid in enumerate(ids):
            form = await open_form(pilot, pid)
            assert "Plugin: rice" in form.sections
            for key, value in RICE.items():
                await type_into(
                    pilot, f"plugins.rice.{key}", str(int(value) + n) if key == "reach" else value, fast=True
                )
            assert not form.errors
            await pilot.press("escape")
            assert isinstance(app.screen, PortfolioScreen)
        await wait_for(pilot, lambda: not app.ranking)
        ranks = sorted(r.rank for r in app.workspace.ranked if r.rank is not None)
        assert ranks == list(range(1, len(ids) + 1))  # every project has a rank
        top = app.workspace.ranked[0]
        assert top.project.id == ids[-1]  # the largest reach ranks first
        detail = app.screen.query_one(ProjectDetail).text.plain
        assert "Reach" in detail and "People or events per quarter" in detail
        await pilot.press("ctrl+s")
    saved = load(portfolio_file).portfolio
    assert all(
        dict(p.plugins["rice"]) == {**{k: float(v) if "." in v else int(v) for k, v in RICE.items()}, "reach": 400 + i}
        for i, p in enumerate(saved.get(pid) for pid in ids)
    )


async def test_a_plugin_field_is_checked_as_typed_and_undone_as_one_step(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        with_rice(app)
        await pilot.pause()
        form = await open_form(pilot, "grasp-pose")
        help_texts = [str(s.render()) for s in form.query(".field-help")]
        assert any(t.startswith("number, at least 0.") and "Person-months" in t for t in help_texts)
        await type_into(pilot, "plugins.rice.effort", "-2")
        assert form.errors and "Effort" in form.errors["plugins.rice.effort"]
        assert "plugins.rice" not in form.errors["plugins.rice.effort"]  # named by its label
        assert "rice" not in form.working.plugins  # refused: not applied
        await type_into(pilot, "plugins.rice.effort", "3")
        await type_into(pilot, "plugins.rice.reach", "many")
        assert "not a number" in form.errors["plugins.rice.reach"]
        await type_into(pilot, "plugins.rice.reach", "50")
        assert not form.errors and dict(form.working.plugins["rice"]) == {"effort": 3, "reach": 50}
        await pilot.press("escape")
        assert dict(app.session.portfolio.get("grasp-pose").plugins["rice"]) == {"effort": 3, "reach": 50}
        await pilot.press("u")  # one undo step for the whole form
        assert "rice" not in app.session.portfolio.get("grasp-pose").plugins
        assert not app.session.dirty


async def test_plugin_settings_are_edited_in_the_settings_screen(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        with_rice(app)
        await pilot.pause()
        await pilot.press("comma")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        field = screen.query_one("#" + screen.plugin_widget("plugins.rice.default_confidence"), Input)
        field.value = "170"
        await pilot.pause()
        assert screen.errors  # out of range: 0 to 100
        field.value = "0.7"
        await pilot.pause()
        assert not screen.errors
        await pilot.press("escape")
        assert dict(app.session.portfolio.plugins["rice"]) == {"default_confidence": 0.7}
        await pilot.press("ctrl+s")
    assert "[plugins.rice]\ndefault_confidence = 0.7" in portfolio_file.read_text()


async def test_hold_and_resume_are_history_with_date_and_reason(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one(PortfolioTable).select_id("grasp-pose")
        await pilot.pause()
        await pilot.press("o")
        assert isinstance(app.screen, TextModal)  # why? (optional)
        await pilot.press(*"waiting for the gripper", "enter")
        p = app.session.portfolio.get("grasp-pose")
        assert p.status == "on-hold" and p.lifecycle.status_reason == "waiting for the gripper"
        last = p.lifecycle.history[-1]
        assert (last.status, last.date, last.note) == ("on-hold", TODAY, "waiting for the gripper")
        await pilot.press("o")  # resume: no question
        p = app.session.portfolio.get("grasp-pose")
        assert p.status == "active" and p.lifecycle.history[-1].status == "active"
        await pilot.press("o", "enter")  # no reason: Enter accepts it empty
        p = app.session.portfolio.get("grasp-pose")
        assert p.status == "on-hold" and p.lifecycle.history[-1].note == ""
        await pilot.press("o")  # resume
        await pilot.press("o", "escape")  # asked why, and cancelled: nothing changes
        assert app.session.portfolio.get("grasp-pose").status == "active"
        await hold_or_resume(pilot)
        assert [m.status for m in app.session.portfolio.get("grasp-pose").lifecycle.status_changes] == [
            "on-hold",
            "active",
            "on-hold",
            "active",
            "on-hold",
        ]
        await pilot.press("ctrl+s")
    text = portfolio_file.read_text()
    assert '{ status = "on-hold", date = 2026-11-02, note = "waiting for the gripper" }' in text


async def test_keys_typed_right_after_tab_land_in_the_next_field(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        form = await open_form(pilot, "grasp-pose")
        first = form.query_one(f"#{widget_id('owner')}", Input)
        first.focus()
        await pilot.pause()
        nxt = form.focus_chain[form.focus_chain.index(first) + 1]
        assert isinstance(nxt, Input)
        await type_fast(pilot, "tab", "4", "2")  # as a terminal delivers a fast typist's keys: all at once
        assert first.value == "ana"  # before the fix: "42", typed into the field Tab had left
        assert app.focused is nxt and nxt.value == "42"  # focusing a field selects its text: typing replaces it
        assert form.working.tags == ("42",)


async def test_the_apps_export_is_the_clis(make_app, portfolio_file: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.tui.screens.modals import ExportModal

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.plugins_loaded(load_plugins(env=app.env))
        await pilot.pause()
        await hold_or_resume(pilot)  # an inactive project, which the export marks
        await pilot.press("ctrl+s")
        out = tmp_path / "app.md"
        await pilot.press("x")
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#format").value = "markdown"
        await pilot.pause()
        modal.query_one("#path", Input).value = str(out)
        modal.query_one("#path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, out.exists)
    cli_out = tmp_path / "cli.md"
    code, _, err = run_cli("export", portfolio_file, "--format", "markdown", "--date", TODAY.isoformat(), "-o", cli_out)
    assert code == 0, err
    assert out.read_text() == cli_out.read_text()
    assert "Ranked by" in out.read_text() and TODAY.isoformat() in out.read_text()
