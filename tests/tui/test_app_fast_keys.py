"""Keys typed faster than the app settles (a terminal delivers a fast typist's keys in one read) act on what
the screen shows by then, never on a project the user has moved away from."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import type_fast

from fsdl_tui.tui.screens.edit import EditScreen
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
