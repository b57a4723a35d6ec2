"""The app builds the project form once and reuses it: opened on another project it shows that project's
values in every kind of field, as a fresh form would, with nothing left from the project shown before. Built
ahead, hidden (the form, the board and the 2x2), they open on the selected project and show what changed
while they were hidden, look as ones built on the spot, and the keys typed meanwhile work."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Label, OptionList, Select, SelectionList, TextArea
from tui_helpers import open_form, wait_for

from fsdl_tui.tui.screens import reused
from fsdl_tui.tui.screens.board import BoardScreen
from fsdl_tui.tui.screens.edit import EditScreen, widget_id
from fsdl_tui.tui.screens.matrix import MatrixScreen
from fsdl_tui.tui.widgets.table import PortfolioTable

APP_STEP_PAUSE = reused.STEP_PAUSE  # the app's pause between two steps of a build ahead


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


async def test_a_field_s_error_shows_under_it_and_is_gone_when_the_form_opens_on_the_next(
    make_app: Any, portfolio_file: Path
) -> None:
    """A field's error line is made when it first shows an error, as the last line of the field's box, and shown
    again by the same line; a form reused on the next project shows none of it, at the top, focus on the title."""
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = await open_form(pilot, "grasp-pose")
        assert not form.query(".field-error")  # none until a field shows an error
        path = "impact.overall"
        field = form.query_one(f"#{widget_id(path)}", Input)
        form.query_one("#form").scroll_to_widget(field, animate=False, immediate=True)
        field.focus()
        field.value = "9"  # out of the 1-5 range: refused
        await pilot.pause()
        error = form.query_one(f"#err-{widget_id(path)}", Label)
        box = form.query_one(f"#box-{widget_id(path)}")
        assert error.parent is box and box.children[-1] is error  # the field's last line, as it always was
        assert error.display and "from 1 to 5" in str(error.render()) and error.region.y > field.region.y
        assert form.errors and error.display and field.has_class("-invalid")
        assert form.query_one("#form").scroll_y > 0
        field.value = "4"
        await pilot.pause()
        assert not error.display and not form.errors
        field.value = "0"
        await pilot.pause()
        assert list(form.query(".field-error")) == [error] and error.display  # the same line shows it again
        await close(pilot)
        assert app.session.portfolio.get("grasp-pose").impact.overall == 4  # the refused values were not applied

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


async def test_the_form_reused_shows_new_values_without_a_layout_and_another_project_as_a_fresh_form(
    make_app: Any, portfolio_file: Path, monkeypatch: Any
) -> None:
    """Reopened on the same project with other values: values of fixed-size fields move nothing, so loading them
    repaints the fields and lays nothing out (a layout of the form's hundreds of widgets was most of the time a
    reused form took to open). Opened on another project: every field shows its value as a fresh form would,
    nothing left from the project shown before."""
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        other = app.session.portfolio.get("label-tool")  # an unsaved change first: the app's title, in each
        app.replace_project(dataclasses.replace(other, owner="someone"), "edit")  # screen's header, stays
        form = await open_form(pilot, "grasp-pose")
        await pilot.pause()
        before = form_state(form)
        await close(pilot)
        p = app.session.portfolio.get("grasp-pose")
        edited = dataclasses.replace(
            p, title="Renamed", owner="", tags=("a-much-longer-tag",), impact=dataclasses.replace(p.impact, overall=2)
        )
        app.replace_project(edited, "edit")
        layouts: list[bool] = []  # each layout of the form: whether it was a whole one (else of a scroll)
        lay_out = form._refresh_layout
        with monkeypatch.context() as patch:
            patch.setattr(
                form, "_refresh_layout", lambda *a, **k: (layouts.append(not k.get("scroll")), lay_out(*a, **k))[1]
            )
            again = await open_form(pilot, "grasp-pose")
            await pilot.pause()
        assert again is form and True not in layouts  # at most the scroll to the top, of what shows
        after = form_state(again)
        changed = {wid for wid, shown in after.items() if shown != before[wid]}
        assert changed == {widget_id(f) for f in ("title", "owner", "tags", "impact.overall")}
        assert after[widget_id("title")] == ("input", "Renamed") and after[widget_id("owner")] == ("input", "")
        assert again.working == app.session.portfolio.get("grasp-pose") == edited
        shown_a = after
        await close(pilot)

        reused = await open_form(pilot, "label-tool")
        assert reused is form  # the same widgets, not a second form
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


@pytest.mark.parametrize("cards", [100, 1], ids=["all-cards", "one-card-a-column"])
async def test_the_board_and_2x2_reused_on_another_selection_look_as_drawn_for_it(
    make_app: Any, portfolio_file: Path, monkeypatch: Any, cards: int
) -> None:
    # Reused after the selection alone changed, the board moves its highlight instead of drawing its cards
    # again (with one card a column, a selected card past it is drawn as an extra, and goes with the selection).
    from fsdl_tui.tui.screens import board as board_module

    monkeypatch.setattr(board_module, "CARDS_PER_COLUMN", cards)

    async def shot(app: Any, pilot: Any, key: str, screen: type[Any]) -> str:
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, screen))
        await pilot.pause()
        await pilot.pause()
        return str(app.export_screenshot())

    app = make_app(portfolio_file)
    seen: list[tuple[str, str, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ids = [p.id for p in app.session.portfolio.projects]
        for pid in [*ids, ids[0]]:
            app.select(pid)
            await pilot.pause()
            board = await shot(app, pilot, "b", BoardScreen)
            matrix = await shot(app, pilot, "m", MatrixScreen)
            assert app.selected_id == pid
            seen.append((pid, board, matrix))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, MatrixScreen))
    for pid, board, matrix in seen[:-1]:
        fresh = make_app(portfolio_file)
        async with fresh.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            fresh.select(pid)
            await pilot.pause()
            assert await shot(fresh, pilot, "b", BoardScreen) == board, pid
            assert await shot(fresh, pilot, "m", MatrixScreen) == matrix, pid
    assert seen[-1][1:] == seen[0][1:]  # back on the first project: as the first time


# --- screens built ahead ---------------------------------------------------------------------------------


def ahead_app(make_app: Any, path: Path, monkeypatch: Any, **kwargs: Any) -> Any:
    """An app that builds the form, the board and the 2x2 ahead, hidden, as `launch` does (at once)."""
    from fsdl_tui.tui.flows import projects

    monkeypatch.setattr(projects, "AHEAD_AFTER", 0.01)
    if reused.STEP_PAUSE == APP_STEP_PAUSE:  # a test that sets its own keeps it; else hardly a pause (the
        monkeypatch.setattr(reused, "STEP_PAUSE", 0.001)  # steps still run one per timer tick, keys between)
    app = make_app(path, **kwargs)
    app.build_ahead = True
    return app


async def built_ahead(pilot: Any) -> None:
    await wait_for(pilot, lambda: pilot.app.built_ahead, tries=1500)


def held_up_timers(monkeypatch: Any, prefix: str = "fsdl-") -> None:
    """Textual's timers as a loaded machine runs them: each of the app's timers (by its name) is held up between
    its first two reads of the clock, for longer than its delay, as if another process had run there."""
    import sys

    from textual import _time
    from textual import timer as textual_timer

    reads: dict[int, int] = {}

    class Clock:
        @staticmethod
        def get_time() -> float:
            now = _time.get_time()
            timer = sys._getframe(1).f_locals.get("self")  # Timer._run, the caller
            if isinstance(timer, textual_timer.Timer) and timer.name.startswith(prefix):
                reads[id(timer)] = reads.get(id(timer), 0) + 1
                if reads[id(timer)] == 2:
                    return now + 0.05  # past each delay of the build ahead in these tests
            return now

    monkeypatch.setattr(textual_timer, "_time", Clock)


async def test_the_screens_are_built_ahead_even_when_the_timers_are_held_up(
    make_app: Any, portfolio_file: Path, monkeypatch: Any
) -> None:
    # A one-shot Textual timer held up like this counts its tick as skipped and never calls back: a build ahead of
    # such timers stopped for good at the first late one (under load, in the suite, once in a few runs).
    held_up_timers(monkeypatch)
    app = ahead_app(make_app, portfolio_file, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await built_ahead(pilot)
        form = app._edit_form
        assert form is not None and form.complete
        assert app.get_screen("board").query_one("#col-planning", OptionList).option_count


async def test_screens_built_ahead_open_as_reused_on_the_selected_project_with_a_change_made_meanwhile(
    make_app: Any, portfolio_file: Path, monkeypatch: Any
) -> None:
    app = ahead_app(make_app, portfolio_file, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await built_ahead(pilot)
        form = app._edit_form
        assert form is not None and form.complete and form not in app.screen_stack  # built, never shown
        board, matrix = app.get_screen("board"), app.get_screen("matrix")
        assert isinstance(board, BoardScreen) and isinstance(matrix, MatrixScreen)
        assert board.query_one("#col-planning").option_count  # its cards are there before it shows
        target = next(p.id for p in app.session.portfolio.projects if p.id != form.original.id)
        p = app.session.portfolio.get(target)  # a change while they are hidden
        app.replace_project(dataclasses.replace(p, title="Hidden rename"), "rename")
        app.select(target)
        await pilot.pause()

        opened = await open_form(pilot, target)  # another project than the one it was built on
        assert opened is form and form is app._edit_form
        await pilot.pause()
        shown = form_state(opened)
        assert opened.working == app.session.portfolio.get(target)
        assert form.query_one(f"#{widget_id('title')}", Input).value == "Hidden rename"
        assert app.focused is opened.query_one(f"#{widget_id('title')}", Input)
        await close(pilot)

        fresh = EditScreen(app.session.portfolio.get(target), app.workspace.plugin_fields())
        app.push_screen(fresh)
        await wait_for(pilot, lambda: app.screen is fresh)
        await pilot.pause()
        assert shown == form_state(fresh)  # every field as a fresh form on the project shows it
        assert opened.sections == fresh.sections
        assert [w.id for w in opened.query("*")] == [w.id for w in fresh.query("*")]  # the same widgets, in order
        await close(pilot)

        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        assert app.screen is board
        await pilot.pause()
        column = board.query_one(f"#col-{p.stage}", OptionList)
        prompts = [str(column.get_option_at_index(i).prompt) for i in range(column.option_count)]
        assert any("Hidden rename" in x for x in prompts)
        assert column.highlighted is not None and column.get_option_at_index(column.highlighted).id == target
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        assert app.screen is matrix
        await pilot.pause()
        assert "Hidden rename" in str(matrix.query_one("#matrix-status").render())


async def test_a_screen_built_ahead_looks_as_one_built_when_opened(
    make_app: Any, portfolio_file: Path, monkeypatch: Any
) -> None:
    async def shots(app: Any, ahead: bool) -> list[str]:
        out = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            if ahead:
                await built_ahead(pilot)
            for key in ("e", "escape", "b", "m"):
                await pilot.press(key)
                await pilot.pause()
                await pilot.pause()
                if key != "escape":
                    out.append(app.export_screenshot())
        return out

    on_open = await shots(make_app(portfolio_file), ahead=False)
    ahead = await shots(ahead_app(make_app, portfolio_file, monkeypatch), ahead=True)
    assert ahead == on_open  # the form, the board and the 2x2, character for character


async def test_keys_typed_while_the_screens_are_built_ahead_work(
    make_app: Any, portfolio_file: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(reused, "STEP_PAUSE", 0.05)  # a build of some seconds: the keys come in the middle
    app = ahead_app(make_app, portfolio_file, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await wait_for(pilot, lambda: app.is_screen_installed("matrix"))  # the build has begun
        table = app.screen.query_one(PortfolioTable)
        first = table.current_id
        await pilot.press("j")
        second = table.current_id
        assert second != first and app.selected_id == second  # the table answers
        await pilot.press("e")  # the form is not built yet (or only in part): the app builds a whole one
        assert not app.built_ahead
        form = app.screen
        assert isinstance(form, EditScreen) and form.complete and form.original.id == second
        title = form.query_one(f"#{widget_id('title')}", Input)
        assert app.focused is title
        await pilot.press("end", *" (typed)")
        await close(pilot)
        assert app.session.portfolio.get(second).title.endswith(" (typed)")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        await pilot.press("escape")
        await built_ahead(pilot)  # the build goes on to its end, and keeps the form that was opened
        assert app._edit_form is form
        reopened = await open_form(pilot, first)
        assert reopened is form and reopened.working == app.session.portfolio.get(first)
