"""The app builds the project form once and reuses it: opened on another project it shows that project's
values in every kind of field, as a fresh form would, with nothing left from the project shown before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, Input, Label, Select, SelectionList, TextArea
from tui_helpers import open_form, wait_for

from fsdl_tui.tui.screens.edit import EditScreen, widget_id


def form_state(form: EditScreen) -> dict[str, Any]:
    """What each field of the form shows, by widget id, with its kind."""
    state: dict[str, Any] = {}
    for w in form.query("Input, TextArea, Select, Checkbox, SelectionList"):
        if not w.id:
            continue
        if isinstance(w, SelectionList):
            state[w.id] = ("list", sorted(w.selected))
        elif isinstance(w, TextArea):
            state[w.id] = ("longtext", w.text)
        elif isinstance(w, Select):
            state[w.id] = ("choice", w.value)
        elif isinstance(w, Checkbox):
            state[w.id] = ("bool", w.value, str(w.label))
        elif isinstance(w, Input):
            state[w.id] = ("input", w.value)
    return state


async def close(pilot: Any) -> None:
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, EditScreen))


async def test_the_form_reused_on_another_project_shows_its_values_as_a_fresh_form(
    make_app: Any, portfolio_file: Path
) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = await open_form(pilot, "grasp-pose")
        shown_a = form_state(first)
        await close(pilot)
        reused = await open_form(pilot, "label-tool")
        assert reused is first  # the same widgets, not a second form
        await pilot.pause()
        shown_b = form_state(reused)
        await close(pilot)

        fresh = EditScreen(app.session.portfolio.get("label-tool"), app.workspace.plugin_fields())
        app.push_screen(fresh)
        await wait_for(pilot, lambda: app.screen is fresh)
        await pilot.pause()
        expected_b = form_state(fresh)
        assert shown_b == expected_b  # every field as a fresh form on B shows it
        assert {v[0] for v in shown_b.values()} == {"list", "longtext", "choice", "bool", "input"}
        differing = [k for k in shown_a if shown_a[k] != expected_b[k]]
        assert len(differing) > 10  # the two projects differ in many fields: none of A's values stayed
        hint = fresh.query_one("#form-hint")
        assert "label-tool" in str(hint.render()) and "label-tool" in str(reused.query_one("#form-hint").render())


async def test_an_error_shown_for_one_project_is_gone_when_the_form_opens_on_the_next(
    make_app: Any, portfolio_file: Path
) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = await open_form(pilot, "grasp-pose")
        path = "impact.overall"
        field = form.query_one(f"#{widget_id(path)}", Input)
        form.query_one("#form").scroll_to_widget(field, animate=False, immediate=True)
        field.focus()
        field.value = "9"  # out of the 1-5 range: refused
        await pilot.pause()
        error = form.query_one(f"#err-{widget_id(path)}", Label)
        assert form.errors and error.display and field.has_class("-invalid")
        assert form.query_one("#form").scroll_y > 0
        await close(pilot)
        assert app.session.portfolio.get("grasp-pose").impact.overall != 9  # the refused value was not applied

        again = await open_form(pilot, "label-tool")
        assert again is form
        await pilot.pause()
        assert not again.errors
        assert not error.display and str(error.render()) == ""
        assert not again.query_one(f"#{widget_id(path)}", Input).has_class("-invalid")
        assert again.query_one("#form").scroll_y == 0  # at the top, as a fresh form
        assert app.focused is again.query_one(f"#{widget_id('title')}", Input)
        assert again.working == app.session.portfolio.get("label-tool")
        await close(pilot)
        assert app.session.portfolio.get("label-tool") == again.original  # nothing changed: nothing applied


async def test_the_reused_board_and_2x2_show_a_change_made_while_they_were_hidden(
    make_app: Any, portfolio_file: Path
) -> None:
    import dataclasses

    from textual.widgets import OptionList

    from fsdl_tui.tui.screens.board import BoardScreen
    from fsdl_tui.tui.screens.matrix import MatrixScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        board = app.screen
        await pilot.pause()
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        matrix = app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MatrixScreen))

        p = app.session.portfolio.get("label-tool")
        app.replace_project(dataclasses.replace(p, title="Renamed"), "rename")
        app.select("label-tool")
        await pilot.pause()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        assert app.screen is board  # reused
        await pilot.pause()
        column = board.query_one(f"#col-{p.stage}", OptionList)
        prompts = [str(column.get_option_at_index(i).prompt) for i in range(column.option_count)]
        assert any("Renamed" in x for x in prompts)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        assert app.screen is matrix
        await pilot.pause()
        assert "Renamed" in str(matrix.query_one("#matrix-status").render())
