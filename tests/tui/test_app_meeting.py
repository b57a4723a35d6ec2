"""The app in a planning meeting: columns that fit every width, the footer at 80x24, keys as people write
them, screenshots, and the summary line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import Footer
from tui_helpers import wait_for

from fsdl_tui.tui.keymap import key_label, keys_label
from fsdl_tui.tui.screens.columns import ColumnsModal
from fsdl_tui.tui.view import COLUMN_PRIORITY, REQUIRED_COLUMNS, TITLE_MIN, fit_columns
from fsdl_tui.tui.widgets.table import PortfolioTable


@pytest.mark.parametrize("width", [30, 50, 72, 80, 119, 160, 250])
def test_fit_columns_always_has_the_ranking_and_fills_the_width(width: int) -> None:
    cols = fit_columns(width)
    keys = [k for k, _, _ in cols]
    assert set(keys) >= REQUIRED_COLUMNS
    used = 1 + sum(w + 1 for _, _, w in cols)
    assert used == max(width, used)  # the title takes what is left; never less than its minimum
    assert dict((k, w) for k, _, w in cols)["title"] >= TITLE_MIN
    # the optional columns shown are the most wanted ones that fit
    shown = [k for k in COLUMN_PRIORITY if k in keys]
    assert shown == [k for k in COLUMN_PRIORITY if k in shown]


def test_fit_columns_narrow_drops_optional_wide_adds_id() -> None:
    assert {k for k, _, _ in fit_columns(40)} == REQUIRED_COLUMNS
    wide = [k for k, _, _ in fit_columns(200)]
    assert wide[:3] == ["rank", "id", "title"] and set(COLUMN_PRIORITY) <= set(wide)
    unwanted = [k for k, _, _ in fit_columns(200, frozenset({"owner"}))]
    assert set(unwanted) == REQUIRED_COLUMNS | {"owner"}


def _header(app) -> str:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(PortfolioTable)
    return "".join(seg.text for seg in table.render_line(0))


async def test_score_and_quadrant_visible_without_scrolling(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    """At 80x24, 120x40 and 200x60, in one run (the terminal resized: the table fits its columns to the new
    width as it does when it starts at that size, which the table's snapshots show)."""
    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        for size in [(80, 24), (120, 40), (200, 60)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            table = app.screen.query_one(PortfolioTable)
            header = _header(app)
            assert "Score" in header and "Quadrant" in header and "Title" in header, size
            assert table.virtual_size.width <= table.scrollable_content_region.width, size  # nothing to scroll to
            row = "".join(seg.text for seg in table.render_line(1))
            assert "High priority" in row or "Quick win" in row or "Moonshot" in row or "Avoid" in row, size
            if size[0] >= 200:
                assert "Id" in header and "label-tool" in row, size


async def test_column_chooser_is_remembered(make_app, portfolio_file: Path, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        await pilot.press("C")
        assert isinstance(app.screen, ColumnsModal)
        prompts = [str(app.screen.query_one("#columns-list").get_option_at_index(i).prompt) for i in range(6)]
        assert prompts[0] == "[x] Impact"
        await pilot.press("down", "down", "down", "space")  # owner: untick
        assert str(app.screen.query_one("#columns-list").get_option_at_index(3).prompt) == "[ ] Owner"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ColumnsModal)
        assert "Owner" not in _header(app) and "Archetype" in _header(app)
    saved = tomllib.loads((Path(env["XDG_CONFIG_HOME"]) / "fsdl-tui" / "app.toml").read_text())
    assert "owner" not in saved["columns"] and "archetype" in saved["columns"]
    again = make_app(portfolio_file)
    async with again.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        assert "Owner" not in _header(again) and "Archetype" in _header(again)


async def test_footer_at_80x24_shows_the_main_actions(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        footer = app.screen.query_one(Footer)
        wanted = {"Edit", "Add", "Filter", "Save", "Board", "2x2"}

        def shown() -> list[tuple[str, int]]:
            return [(k.description, k.region.right) for k in footer.query("FooterKey")]

        def visible() -> set[str]:
            return {d for d, right in shown() if 0 < right <= 80}

        await wait_for(pilot, lambda: wanted <= visible())  # the footer lays its keys out after the first refresh
        assert wanted <= visible(), shown()


def test_keys_as_people_write_them() -> None:
    assert key_label("right_square_bracket") == "]"
    assert key_label("left_square_bracket") == "["
    assert key_label("question_mark") == "?"
    assert key_label("slash") == "/"
    assert key_label("delete") == "Del"
    assert key_label("f1") == "F1"
    assert key_label("ctrl+s") == "ctrl+s"
    assert keys_label("f1,question_mark") == "F1, ?"


async def test_help_and_palette_show_keys_as_written(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.tui.screens.help import HelpScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = {desc: key for key, desc, _, _ in app.screen.bindings for desc in [desc]}
        assert keys["Stage →"] == "], >" and keys["Filter"] == "/" and keys["Help"] == "F1, ?"
        assert keys["Delete"] == "Del, D" and keys["Duplicate"] == "c"
        text = " ".join(key for key, _, _, _ in app.screen.bindings)
        assert "square" not in text and "question_mark" not in text and "slash" not in text


async def test_long_dialog_heading_wraps(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Label

    from fsdl_tui.tui.screens.modals import ConfirmModal

    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        question = "Replace " + "/very/long/folder/name" * 6 + "/export.csv with a new export of the portfolio?"
        app.push_screen(ConfirmModal(question))
        await pilot.pause()
        title = app.screen.query_one(".dialog-title", Label)
        assert title.region.height >= 2 and title.region.width <= 80


async def test_screenshot_goes_to_a_folder_that_exists(make_app, portfolio_file: Path, user_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tui_helpers import notices

    from fsdl_tui.tui.config import screenshot_folder

    assert screenshot_folder(cwd=tmp_path) == tmp_path  # no ~/Downloads in the test's HOME: the current folder
    shots = tmp_path / "shots" / "meeting"
    user_config("app.toml", f'screenshots = "{shots}"\n')
    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        saved = app.deliver_screenshot("x.svg")
        await pilot.pause()
        assert saved == str(shots / "x.svg") and (shots / "x.svg").read_text().startswith("<svg")
        assert any(str(shots / "x.svg") in n for n in notices(app))
        (shots / "x.svg").unlink()
        (shots / "x.svg").mkdir()  # cannot be written: the reason, not a bare failure
        assert app.deliver_screenshot("x.svg") is None
        await pilot.pause()
        assert any("cannot save the screenshot" in n and "Errno" not in n for n in notices(app))


async def test_export_no_to_replace_keeps_the_dialog(make_app, portfolio_file: Path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input, Label

    from fsdl_tui.tui.screens.modals import ConfirmModal, ExportModal

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        from fsdl_tui.plugins.manager import load_plugins

        app.plugins_loaded(load_plugins(env=app.env))
        await pilot.pause()
        existing = tmp_path / "out.csv"
        existing.write_text("keep")
        await pilot.press("x")
        assert isinstance(app.screen, ExportModal)
        app.screen.query_one("#path", Input).value = str(tmp_path / "missing" / "out.csv")
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ExportModal)
        error = str(app.screen.query_one("#error", Label).render())
        assert "there is no folder" in error and "Errno" not in error
        app.screen.query_one("#path", Input).value = str(existing)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert isinstance(app.screen, ExportModal) and existing.read_text() == "keep"


async def test_summary_line_counts_what_is_shown(make_app, portfolio_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input

    from fsdl_tui.tui.screens.portfolio import PortfolioScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        ranked = app.workspace.ranked
        assert screen.summary_line(ranked, ranked).startswith("5 projects · scorer fsdl · planning 2")
        assert screen.summary_line(ranked[:1], ranked[:1]).startswith("1 project · ")
        empty = screen.summary_line([], [])
        assert empty == "0 projects · scorer fsdl" and "·  ·" not in empty
        screen.query_one("#filter-text", Input).value = "grasp"
        await pilot.pause()
        line = str(screen.query_one("#summary").render())
        assert line.startswith("2 of 5 projects") and "planning" not in line  # only the projects shown
        await pilot.press("escape", "7")
        assert "sorted by Score ▲" in str(screen.query_one("#summary").render())


async def test_quick_scoring_in_the_table(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.domain.fields import get_field
    from fsdl_tui.storage import load

    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        assert table.current_id == "label-tool"
        hint = str(app.screen.query_one("#quick").render())
        assert "[Impact 4]" in hint and "+/-" in hint
        before = app.workspace.ranked_by_id["label-tool"]
        await pilot.press("minus", "minus")  # impact 4 -> 2: the score and quadrant follow at once
        after = app.workspace.ranked_by_id["label-tool"]
        assert get_field(app.session.portfolio.get("label-tool"), "impact.overall") == 2
        assert after.score.value is not None and before.score.value is not None
        assert after.score.value < before.score.value and after.quadrant != before.quadrant
        assert "[Impact 2]" in str(app.screen.query_one("#quick").render())
        await pilot.press("f", "f", "plus")  # accuracy requirement 2 -> 3
        assert get_field(app.session.portfolio.get("label-tool"), "cost.accuracy_requirement") == 3
        assert "[Accuracy 3]" in str(app.screen.query_one("#quick").render())
        for _ in range(5):
            await pilot.press("plus")
        assert get_field(app.session.portfolio.get("label-tool"), "cost.accuracy_requirement") == 5  # kept in 1..5
        await pilot.press("ctrl+z")  # every change is one undo step
        assert get_field(app.session.portfolio.get("label-tool"), "cost.accuracy_requirement") == 4
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = load(portfolio_file).portfolio.get("label-tool")
    assert get_field(saved, "impact.overall") == 2 and get_field(saved, "cost.accuracy_requirement") == 4


async def test_board_cards_keep_held_projects_in_their_stage(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import OptionList

    from fsdl_tui.tui.screens.board import BoardScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        assert isinstance(app.screen, BoardScreen)
        data = app.screen.query_one("#col-data", OptionList)
        assert data.option_count == 1  # bin-segmentation is on hold, in its data stage
        card = str(data.get_option_at_index(0).prompt)
        assert card.replace("\n", " ").startswith("#4 ‖ Instance segmentation in bins")  # word boundaries
        assert card.splitlines()[-1] == "score 1.82 · dara"
        planning = app.screen.query_one("#col-planning", OptionList)
        first = str(planning.get_option_at_index(0).prompt)
        assert first.startswith("#1 ") and first.splitlines()[-1] == "score 4.11 · bo"
        await pilot.press("f")  # active only: the held project leaves the board
        assert app.screen.show == "active" and data.option_count == 0
        await pilot.press("f")  # on hold or killed only
        assert data.option_count == 1 and planning.option_count == 0
        await pilot.press("f")
        assert app.screen.show == "all" and planning.option_count == 2


async def test_matrix_arrows_go_by_direction_and_threshold_points_sit_in_their_quadrant(
    make_app, portfolio_file: Path
) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from fsdl_tui.tui.widgets.matrix import Matrix

    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        matrix = app.screen.query_one(Matrix)
        pos = {p.project_id: (p.x, p.y) for p in matrix._points}
        assert app.selected_id == "label-tool"
        await pilot.press("up")  # label-tool is the highest point on its side: 6D pose is above, to the left
        assert app.selected_id == "grasp-pose" and pos["grasp-pose"][1] < pos["label-tool"][1]
        await pilot.press("down")  # straight below grasp-pose: the segmentation point, not the next by rank
        assert app.selected_id == "bin-segmentation"
        await pilot.press("right")
        assert app.selected_id == "grasp-success" and pos["grasp-success"][0] > pos["bin-segmentation"][0]
        await pilot.press("right")  # nothing further right: stays
        assert app.selected_id == "grasp-success"
        await pilot.press("k")  # by rank
        assert app.selected_id == "label-tool"
        labels = {p.project_id: p.label for p in matrix._points}
        assert labels["grasp-success"] == "2 Grasp success prediction"
        assert "2 Grasp success prediction" in str(matrix.render())  # the whole label: there is room
        # a project exactly on both thresholds is drawn in the high-priority quadrant, off the lines
        r = app.workspace.ranked_by_id["grasp-pose"]
        on_line = dataclasses.replace(r, impact=3.0, feasibility=3.0)
        matrix.show([on_line], (3.0, 3.0))
        matrix.render()
        (pt,) = matrix._points
        left, top, pw, ph = matrix._layout(matrix.size.width, matrix.size.height)
        vx, hy = left + matrix._pos(3.0, pw), top + (ph - 1 - matrix._pos(3.0, ph))
        assert pt.x > vx and pt.y < hy
        assert "impact 3" in matrix.legend() and "feasibility 3" in matrix.legend()


async def test_settings_screen_edits_the_portfolio_with_a_minimal_diff(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    import difflib

    from textual.widgets import Input, Select

    from fsdl_tui.plugins.manager import load_plugins
    from fsdl_tui.storage import load
    from fsdl_tui.tui.screens.settings import SettingsScreen

    before = portfolio_file.read_text()
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.plugins_loaded(load_plugins(env=app.env))  # the built-in weighted scorer comes with them
        await pilot.pause()
        await pilot.press("comma")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        name = screen.query_one("#s-name", Input)
        assert name.value == "Test robotics"
        name.value = "Robotics team"
        impact = screen.query_one("#s-impact", Input)
        impact.value = "9"  # refused as typed: a message, the old value stays
        await pilot.pause()
        assert "from 1 to 5" in str(screen.query_one("#err-s-impact").render())
        screen.query_one("#s-feasibility", Input).value = "4"
        screen.query_one("#w-flags", Input).value = "abc"
        await pilot.pause()
        assert "a number" in str(screen.query_one("#err-w-flags").render())
        screen.query_one("#w-impact", Input).value = "2"
        screen.query_one("#s-scorer", Select).value = "weighted"
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen)
        p = app.session.portfolio
        assert p.name == "Robotics team" and app.title == "● Robotics team"
        assert p.settings.impact_threshold == 3.0 and p.settings.feasibility_threshold == 4.0
        assert p.settings.default_scorer == "weighted" and app.scorer.name == "weighted"
        assert p.scoring["weighted"]["impact"] == 2
        await pilot.press("ctrl+z")  # one undo step
        assert app.session.portfolio.name == "Test robotics"
        await pilot.press("ctrl+y", "ctrl+s")
        await pilot.pause()
    after = portfolio_file.read_text()
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    removed = [line for line in changed if line.startswith("-")]
    assert removed == ['-name = "Test robotics"', '-default_scorer = "fsdl"', "-feasibility_threshold = 3.0"], changed
    assert '+name = "Robotics team"' in changed
    saved = load(portfolio_file).portfolio
    assert saved.settings.default_scorer == "weighted" and saved.scoring["weighted"]["impact"] == 2
    assert saved.description == "Five projects, one per situation the app shows."


async def test_settings_in_the_palette(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from tui_helpers import palette_search

    from fsdl_tui.tui.screens.settings import SettingsScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await palette_search(pilot, "portfolio settings")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("ctrl+r")
        assert not app.session.dirty


async def test_form_preview_jump_and_plain_errors(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Checkbox, Input, TextArea

    from fsdl_tui.tui.screens.edit import EditScreen, readable_error, widget_id
    from fsdl_tui.tui.screens.modals import PickModal

    assert readable_error("cost.accuracy_requirement: must be 1-5") == "Accuracy requirement: must be 1-5"
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("e")  # label-tool
        screen = app.screen
        assert isinstance(screen, EditScreen)
        preview = str(screen.query_one("#preview").render())
        assert "score 4.11" in preview and "High priority" in preview
        screen.query_one(f"#{widget_id('impact.overall')}", Input).value = "1"
        await pilot.pause()
        preview = str(screen.query_one("#preview").render())
        assert "score 4.11" not in preview and "impact 1.0" in preview and "Quick win" in preview
        screen.query_one(f"#{widget_id('cost.accuracy_requirement')}", Input).value = "9"
        await pilot.pause()
        error = str(screen.query_one(f"#err-{widget_id('cost.accuracy_requirement')}").render())
        assert error and "cost." not in error
        rationale = screen.query_one(f"#{widget_id('impact.rationale')}", TextArea)
        rationale.text = "   \n  "
        await pilot.pause()
        assert screen.working.impact.rationale == ""
        box = next(iter(screen.query(Checkbox)))
        assert str(box.label).startswith("· ") or str(box.label).startswith("✓ ")
        was = box.value
        box.value = not was
        await pilot.pause()
        assert str(box.label).startswith("✓ " if not was else "· ")
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, PickModal)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#form").scroll_y > 0
        await pilot.press("escape")
    assert app.session.portfolio.get("label-tool").impact.overall == 1


async def test_an_escape_in_a_title_never_reaches_the_terminal_from_the_form(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.domain.fields import set_field
    from fsdl_tui.storage import load, save
    from fsdl_tui.tui.screens.edit import EditScreen, widget_id
    from fsdl_tui.tui.screens.settings import SettingsScreen

    doc = load(portfolio_file)
    p = set_field(doc.portfolio.get("label-tool"), "title", "\x1b[31mred")
    save(doc, doc.portfolio.with_project(p).replace(name="team \x1b[2J"))
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        title = app.screen.query_one(f"#{widget_id('title')}")
        painted = "".join(seg.text for y in range(title.size.height) for seg in title.render_line(y))
        assert "\x1b" not in painted and "␛[31mred" in painted
        assert title.value == "\x1b[31mred"  # the value is kept as it is
        await pilot.press("escape")
        assert not app.session.dirty  # nothing changed by showing it
        await pilot.press("comma")
        assert isinstance(app.screen, SettingsScreen)
        name = app.screen.query_one("#s-name")
        painted = "".join(seg.text for y in range(name.size.height) for seg in name.render_line(y))
        assert "\x1b" not in painted and "␛[2J" in painted
        await pilot.press("escape")
        assert not app.session.dirty


async def test_kill_and_revive_are_recorded_and_shown_on_the_timeline(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.tui.screens.board import BoardScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("K", *"no data", "enter")
        p = app.session.portfolio.get("label-tool")
        assert p.status == "killed" and p.lifecycle.history[-1].status == "killed"
        assert p.lifecycle.history[-1].note == "no data" and p.lifecycle.history[-1].date.isoformat() == "2026-11-02"
        await pilot.press("K")  # revive
        p = app.session.portfolio.get("label-tool")
        assert p.status == "active" and p.lifecycle.history[-1].status == "active"
        await pilot.press("b")
        assert isinstance(app.screen, BoardScreen)
        await wait_for(pilot, lambda: "✗ killed" in str(app.screen.query_one("#timeline").render()))
        timeline = str(app.screen.query_one("#timeline").render())
        assert "✗ killed (in planning)" in timeline and "no data" in timeline and "active (in planning)" in timeline
