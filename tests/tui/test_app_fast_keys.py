"""Keys typed faster than the app settles (a terminal delivers a fast typist's keys in one read) act on what
the screen shows by then, never on a project the user has moved away from."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TextArea
from tui_helpers import open_form, type_fast

from fsdl_tui.tui.screens.edit import EditScreen, widget_id
from fsdl_tui.tui.screens.modals import TextModal
from fsdl_tui.tui.widgets.table import PortfolioTable


async def test_an_edit_typed_right_after_arrows_opens_the_project_they_reached(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        first = table.current_id
        await type_fast(pilot, "down", "down", "e")
        assert isinstance(app.screen, EditScreen)
        assert app.screen.original.id == "grasp-pose" != first  # the third row, where the arrows went
        await pilot.press("escape")
        await type_fast(pilot, "up", "e")
        assert isinstance(app.screen, EditScreen)
        assert app.screen.original.id == "grasp-success"


async def test_editing_keys_typed_fast_apply_in_the_order_typed(make_app, portfolio_file: Path) -> None:
    """A binding of a text field (backspace, left, home) typed in one burst with characters acts where it was
    typed: in a form field, a multi-line field, the filter and a dialog, the result is the one slow typing gives."""
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_fast(pilot, *"visoin", "backspace", "backspace", "backspace", *"ion")
        assert app.screen.query_one("#filter-text", Input).value == "vision"
        await type_fast(pilot, "home", "ctrl+k", "escape")
        form = await open_form(pilot, "grasp-pose")
        overall = form.query_one(f"#{widget_id('impact.overall')}", Input)
        overall.focus()
        await pilot.pause()
        await type_fast(pilot, "end", "backspace", "3", "backspace", "4")
        assert overall.value == "4" and not form.errors
        owner = form.query_one(f"#{widget_id('owner')}", Input)
        owner.focus()
        await pilot.pause()
        await type_fast(pilot, "end", *"ab", "left", "X", "home", "Y")
        assert owner.value.startswith("Y") and owner.value.endswith("aXb")
        summary = form.query_one(f"#{widget_id('summary')}", TextArea)
        summary.focus()
        await pilot.pause()
        await type_fast(pilot, "ctrl+a", "Z", "backspace", "W")
        assert summary.text.startswith("W") and not summary.text.startswith("WZ")
        await pilot.press("escape")
        project = app.session.portfolio.get("grasp-pose")
        assert project.impact.overall == 4 and project.owner == owner.value
        await pilot.press("o")  # on hold: the dialog asks for a reason
        assert isinstance(app.screen, TextModal)
        await type_fast(pilot, *"waitt", "backspace", *"ing")
        assert app.screen.query_one(Input).value == "waiting"
