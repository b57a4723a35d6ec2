"""A field added to the schema appears in the app's form and detail pane, and an edit there is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from fsdl_tui.domain import schema as sc
from fsdl_tui.storage import load
from fsdl_tui.tui.screens.edit import EditScreen, widget_id
from fsdl_tui.tui.screens.portfolio import PortfolioScreen
from fsdl_tui.tui.widgets.detail import ProjectDetail
from fsdl_tui.tui.widgets.table import PortfolioTable

TEAM = sc.Field("team", "text", "Team", "Which team builds it?", default="", prunes=True, section="Ownership")


async def test_an_added_field_is_in_the_form_and_the_detail(
    make_app, portfolio_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sc, "PROJECT_FIELDS", sc.extended(sc.PROJECT_FIELDS, TEAM, after="depends_on"))
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.screen.query_one(PortfolioTable).select_id("grasp-pose")
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        sections = [str(label.render()) for label in app.screen.query(".section")]
        assert sections.index("Ownership") == sections.index("Project") + 1
        field = app.screen.query_one(f"#{widget_id('team')}", Input)
        field.value = "perception [bold]"
        await pilot.pause()
        assert sc.value_of(app.screen.working, TEAM) == "perception [bold]"
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)
        detail = app.screen.query_one(ProjectDetail).text.plain
        assert "More fields" in detail and "Which team builds it?" in detail and "perception [bold]" in detail
        await pilot.press("ctrl+s")
    p = load(portfolio_file).portfolio.get("grasp-pose")
    assert p is not None and p.extra["team"] == "perception [bold]"
    assert 'team = "perception [bold]"' in portfolio_file.read_text()
