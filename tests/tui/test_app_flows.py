"""Pilot tests of the app's flows: they drive it by keys and mouse and check the file it writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList
from tui_helpers import hold_or_resume, palette_search, wait_for

from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import load, save
from fsdl_tui.tui.screens.edit import EditScreen, widget_id
from fsdl_tui.tui.screens.modals import ChoiceModal, ConfirmModal, ReasonModal
from fsdl_tui.tui.screens.portfolio import PortfolioScreen
from fsdl_tui.tui.screens.problems import ProblemsScreen
from fsdl_tui.tui.widgets.table import PortfolioTable


def table_ids(app) -> list[str]:  # type: ignore[no-untyped-def]
    return list(app.screen.query_one(PortfolioTable)._shown)


def text_of(widget) -> str:  # type: ignore[no-untyped-def]
    """The plain text a Static shows."""
    import io

    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text().strip()


def diff_lines(before: str, after: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


async def select(pilot, app, project_id: str) -> None:  # type: ignore[no-untyped-def]
    app.screen.query_one(PortfolioTable).select_id(project_id)
    await pilot.pause()
    assert app.selected_id == project_id


async def test_opens_ranked_with_detail(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        assert table_ids(app) == ["label-tool", "grasp-success", "grasp-pose", "bin-segmentation", "task-language"]
        assert app.title == "Test robotics" and "modified" not in app.sub_title
        await pilot.press("down", "down")
        assert app.selected_id == "grasp-pose"
        from fsdl_tui.tui.widgets.detail import ProjectDetail

        detail = app.screen.query_one(ProjectDetail).text.plain
        assert "6D pose for grasping" in detail
        summary = text_of(app.screen.query_one("#summary"))
        assert "5 projects" in summary and "high priority 1" in summary


async def test_sort_by_key_and_header_click(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(200, 30)) as pilot:  # wide enough for every column
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        original = table_ids(app)
        await pilot.press("2")  # title, ascending
        assert table_ids(app)[0] == "grasp-pose" and table.header_label("title") == "Title ▲"
        await pilot.press("2")  # descending
        assert table_ids(app)[0] == "task-language" and table.header_label("title") == "Title ▼"
        await pilot.press("2")  # back to the ranking, no mark
        assert table_ids(app) == original and table.header_label("title") == "Title"
        await pilot.press("7")  # score ascending: unscored stays last
        assert table_ids(app)[0] == "bin-segmentation" and table_ids(app)[-1] == "task-language"
        for key in ("3", "4", "5", "6", "8", "9", "1"):
            await pilot.press(key)
            assert sorted(table_ids(app)) == sorted(original)
        await pilot.press("1")
        await pilot.press("1")
        # clicking the Archetype header: ascending, descending, then the ranking again
        x = next(x for x in range(200) if table.column_at(x) == "archetype")
        await pilot.click(PortfolioTable, offset=(x, 0))
        assert table.sort_state == ("archetype", "asc")
        assert table_ids(app)[:2] == ["grasp-pose", "bin-segmentation"] and table_ids(app)[-1] == "task-language"
        await pilot.click(PortfolioTable, offset=(x, 0))
        assert table.sort_state == ("archetype", "desc")
        await pilot.click(PortfolioTable, offset=(x, 0))
        assert table.sort_state == (None, None) and table_ids(app) == original


async def test_filter_bar(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"vision")
        assert set(table_ids(app)) == {"grasp-pose", "label-tool", "bin-segmentation"}
        await pilot.press("space", "#", *"tooling", "enter")
        assert table_ids(app) == ["label-tool"]
        assert "1 of 5" in text_of(app.screen.query_one("#summary"))
        await pilot.press("escape")
        assert len(table_ids(app)) == 5
        screen = app.screen
        screen.query_one("#filter-stage").value = "on-hold"
        await pilot.pause()
        assert table_ids(app) == ["bin-segmentation"]
        screen.query_one("#filter-stage").clear()
        screen.query_one("#filter-archetype").value = "none"
        await pilot.pause()
        assert table_ids(app) == ["task-language"]
        screen.query_one("#filter-archetype").clear()
        screen.query_one("#filter-quadrant").value = "moonshot"
        await pilot.pause()
        assert table_ids(app) == ["grasp-pose"]


async def test_edit_save_reopen_minimal_diff(make_app, portfolio_file: Path) -> None:
    before = portfolio_file.read_text()
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await select(pilot, app, "grasp-pose")
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        field = app.screen.query_one(f"#{widget_id('cost.accuracy_requirement')}", Input)
        field.focus()
        field.value = ""
        await pilot.press("7")  # out of range: refused with a message, old value kept
        error = app.screen.query_one(f"#err-{widget_id('cost.accuracy_requirement')}")
        assert "accuracy_requirement" in text_of(error) and field.has_class("-invalid")
        assert app.screen.working.cost.accuracy_requirement is None or app.screen.working.cost.accuracy_requirement == 5
        await pilot.press("backspace", "4")
        assert text_of(error) == "" and app.screen.working.cost.accuracy_requirement == 4
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)
        assert app.title.startswith("● ") and "modified" in app.sub_title
        await pilot.press("ctrl+s")
        assert not app.title.startswith("● ")
    after = portfolio_file.read_text()
    assert diff_lines(before, after) == ["-accuracy_requirement = 5", "+accuracy_requirement = 4"]
    assert load(portfolio_file).portfolio.get("grasp-pose").cost.accuracy_requirement == 4  # type: ignore[union-attr]


@pytest.mark.slow
async def test_edit_form_covers_archetype_questions_flags_gate_metrics(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await select(pilot, app, "label-tool")
        await pilot.press("e")
        screen = app.screen
        assert screen.query_one("#questions-human-in-the-loop").display
        assert not screen.query_one("#questions-autonomous").display
        screen.query_one(f"#{widget_id('archetype')}").value = "autonomous"
        await pilot.pause()
        assert screen.query_one("#questions-autonomous").display and screen.working.archetype == "autonomous"
        screen.query_one("#flags").select("complex_output")
        screen.query_one(f"#{widget_id('gate.data.done')}").value = True
        screen.query_one(f"#{widget_id('gate.data.note')}").value = "in S3"
        screen.query_one(f"#{widget_id('feasibility.a_need_ml.done')}").value = True
        screen.query_one(f"#{widget_id('metrics.baselines')}").value = '[{ kind = "human", name = "annotator" }]'
        screen.query_one(f"#{widget_id('metrics.target')}").value = "not a number"
        screen.query_one(f"#{widget_id('questions.failure_rate')}").text = "1 in 100"
        await pilot.pause()
        assert "metrics.target" in screen.errors
        await pilot.press("escape")
        p = app.session.portfolio.get("label-tool")
        assert p.archetype == "autonomous" and p.cost.flags == ("complex_output",)
        assert p.gate["data"].done and p.gate["data"].note == "in S3" and p.feasibility["a_need_ml"].done
        assert p.metrics.baselines[0].name == "annotator" and p.metrics.target is None
        assert p.questions["failure_rate"] == "1 in 100"
        await pilot.press("e", "ctrl+r")  # revert: no change, no undo step
        assert len(app.session.undo_stack) == 1


async def test_move_back_with_reason_saved_in_history(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await select(pilot, app, "grasp-pose")
        await pilot.press("left_square_bracket")
        assert isinstance(app.screen, ReasonModal)
        options = app.screen.query_one(OptionList)
        assert "Need more data" in str(options.get_option_at_index(0).prompt)
        await pilot.press("escape")  # cancel: no move
        assert app.session.portfolio.get("grasp-pose").stage == "training"
        await pilot.press("left_square_bracket")
        await pilot.press("tab", "tab", *"robot cells", "enter")  # free text, to the previous stage
        assert app.session.portfolio.get("grasp-pose").stage == "data"
        await pilot.press("left_square_bracket", "enter")  # the lecture's reason, with its target
        p = app.session.portfolio.get("grasp-pose")
        assert p.stage == "planning" and p.lifecycle.history[-1].note == "Data is too hard to get or to label"
        await pilot.press("f2")
    text = portfolio_file.read_text()
    assert '{ from = "training", to = "data", date = 2026-11-02, note = "robot cells" }' in text
    assert load(portfolio_file).portfolio.get("grasp-pose").stage == "planning"  # type: ignore[union-attr]


async def test_leaving_planning_with_open_gate_asks(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await select(pilot, app, "label-tool")
        await pilot.press("right_square_bracket")
        assert isinstance(app.screen, ConfirmModal) and "open gate items" in app.screen.question
        await pilot.press("n")
        assert app.session.portfolio.get("label-tool").stage == "planning"
        await pilot.press("right_square_bracket", "y")
        p = app.session.portfolio.get("label-tool")
        assert p.stage == "data" and "gate overridden" in p.lifecycle.history[-1].note
        await select(pilot, app, "grasp-pose")
        await pilot.press("right_square_bracket")  # gate passed long ago: no question
        assert app.session.portfolio.get("grasp-pose").stage == "deploying"


async def test_quit_guard(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("q")  # clean: quits at once
    assert app.return_code == 0
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)  # put on hold: a change
        await pilot.press("q")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("c")
        assert isinstance(app.screen, PortfolioScreen) and app.is_running
        await pilot.press("q", "escape")
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("q", "s")  # save and quit
    assert load(portfolio_file).portfolio.get("label-tool").status == "on-hold"  # type: ignore[union-attr]
    before = portfolio_file.read_text()
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)
        await pilot.press("q", "d")  # discard
    assert portfolio_file.read_text() == before


async def test_external_change_while_dirty_merges(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await select(pilot, app, "grasp-pose")
        await hold_or_resume(pilot)  # ours: grasp-pose on hold
        # theirs: another program changes another project
        doc = load(portfolio_file)
        theirs = doc.portfolio.with_project(set_field(doc.portfolio.get("label-tool"), "owner", "zed"))
        save(doc, theirs)
        app.check_disk()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal) and "unsaved changes" in app.screen.detail
        await pilot.press("m")
        assert app.session.portfolio.get("label-tool").owner == "zed"
        assert app.session.portfolio.get("grasp-pose").status == "on-hold"
        await pilot.press("ctrl+s")
    final = load(portfolio_file).portfolio
    assert final.get("label-tool").owner == "zed" and final.get("grasp-pose").status == "on-hold"  # type: ignore[union-attr]


async def test_save_never_overwrites_a_changed_file(make_app, portfolio_file: Path, tmp_path: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await select(pilot, app, "grasp-pose")
        await hold_or_resume(pilot)
        doc = load(portfolio_file)
        killed = set_field(doc.portfolio.get("grasp-pose"), "lifecycle.status_reason", "no budget")
        save(doc, doc.portfolio.with_project(set_field(killed, "lifecycle.status", "killed")))
        theirs = portfolio_file.read_text()
        await pilot.press("ctrl+s")  # both changed grasp-pose: asks, writes nothing
        assert isinstance(app.screen, ChoiceModal)
        assert portfolio_file.read_text() == theirs
        await pilot.press("m")  # a conflict: refused, still nothing written
        assert portfolio_file.read_text() == theirs and app.session.dirty
        await pilot.press("ctrl+s", "a")  # save mine as another file
        app.screen.query_one("#path", Input).value = str(tmp_path / "mine.toml")
        await pilot.press("enter")
        assert portfolio_file.read_text() == theirs
        assert load(tmp_path / "mine.toml").portfolio.get("grasp-pose").status == "on-hold"  # type: ignore[union-attr]


async def test_external_change_while_clean_offers_reload(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.check_disk()  # nothing changed: nothing asked
        assert isinstance(app.screen, PortfolioScreen)
        doc = load(portfolio_file)
        save(doc, doc.portfolio.without_project("task-language"))
        app.check_disk()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("r")
        assert "task-language" not in table_ids(app) and not app.session.dirty


async def test_broken_file_lists_problems_then_reloads(make_app, portfolio_file: Path) -> None:
    good = portfolio_file.read_text()
    portfolio_file.write_text(good.replace("overall = 5", "overall = 9").replace('name = "Test', 'name = = "Test'))
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        body = text_of(app.screen.query_one("#problems-body"))
        assert f"{portfolio_file}:3:" in body
        portfolio_file.write_text(good.replace("overall = 5", "overall = 9"))
        await pilot.press("r")
        assert isinstance(app.screen, ProblemsScreen)
        assert f"{portfolio_file}:" in text_of(app.screen.query_one("#problems-body"))
        await pilot.press("ctrl+s")  # nothing to save, no crash
        portfolio_file.write_text(good)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen) and len(table_ids(app)) == 5
    assert portfolio_file.read_text() == good


async def test_undo_redo(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)
        assert app.session.portfolio.get("label-tool").status == "on-hold"
        await pilot.press("ctrl+z")
        assert app.session.portfolio.get("label-tool").status == "active" and not app.session.dirty
        await pilot.press("ctrl+y")
        assert app.session.portfolio.get("label-tool").status == "on-hold"
        await pilot.press("u")
        await pilot.press("U")
        assert app.session.portfolio.get("label-tool").status == "on-hold"


@pytest.mark.slow
async def test_add_duplicate_delete(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a", *"Grasp Pose")
        modal = app.screen
        assert modal.query_one("#id", Input).value == "grasp-pose-2"  # proposed, unique
        modal.query_one("#id", Input).value = "grasp-pose"
        await pilot.pause()
        assert "taken" in text_of(modal.query_one("#error"))
        modal.query_one("#id", Input).value = "grasp-v2"
        modal.query_one("#title", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, EditScreen)
        await pilot.press("escape")
        p = app.session.portfolio.get("grasp-v2")
        assert p.title == "Grasp Pose" and set(p.gate) == {"product", "data", "people", "need", "rules_first", "ethics"}
        await select(pilot, app, "grasp-pose")
        await pilot.press("c")
        copy = app.session.portfolio.get("grasp-pose-copy")
        assert copy.title == "6D pose for grasping (copy)" and copy.stage == "planning"
        await pilot.press("D")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert "grasp-pose-copy" in app.session.portfolio
        await pilot.press("delete", "y")
        assert "grasp-pose-copy" not in app.session.portfolio


async def test_new_file_first_save_creates_it(make_app, tmp_path: Path) -> None:
    path = tmp_path / "fresh-team.toml"
    app = make_app(path)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "first save creates it" in app.sub_title
        await pilot.press("a", *"First idea", "enter", "escape", "ctrl+s")
    assert load(path).portfolio.get("first-idea") is not None  # type: ignore[union-attr]


async def test_no_path_opens_sample_and_saves_to_portfolio_toml(make_app, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(None)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.session.portfolio.name == "Full Stack Robotics" and not (tmp_path / "portfolio.toml").exists()
        await hold_or_resume(pilot)
        await pilot.press("ctrl+s")
    assert load(tmp_path / "portfolio.toml").portfolio.name == "Full Stack Robotics"
    app = make_app(None)  # now ./portfolio.toml exists and is opened
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.session.doc.path == Path("portfolio.toml")


@pytest.mark.slow
async def test_board_moves_hold_kill(make_app, portfolio_file: Path) -> None:
    from fsdl_tui.tui.screens.board import BoardScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await select(pilot, app, "grasp-success")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        # the board's cards and timeline are drawn once it is laid out, after it opens
        await wait_for(
            pilot, lambda: "History of Grasp success prediction" in text_of(app.screen.query_one("#timeline"))
        )
        await pilot.press("right_square_bracket")
        assert app.session.portfolio.get("grasp-success").stage == "production"
        await pilot.press("right_square_bracket")  # last stage: refused with a message
        assert app.session.portfolio.get("grasp-success").stage == "production"
        await pilot.press("left")
        assert app.selected_id == "grasp-pose"  # the nearest non-empty column to the left
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EditScreen))
        assert app.screen.original.id == "grasp-pose"
        await pilot.press("escape")
        await pilot.press("K", *"no budget", "enter")
        assert app.session.portfolio.get("grasp-pose").status == "killed"
        assert app.session.portfolio.get("grasp-pose").lifecycle.status_reason == "no budget"
        await hold_or_resume(pilot)
        assert app.session.portfolio.get("grasp-pose").status == "on-hold"
        await pilot.press("right", "l", "h")
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)


async def test_matrix_selects_project(make_app, portfolio_file: Path) -> None:
    from fsdl_tui.tui.screens.matrix import MatrixScreen
    from fsdl_tui.tui.widgets.matrix import Matrix

    app = make_app(portfolio_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        assert isinstance(app.screen, MatrixScreen)
        text = str(app.screen.query_one(Matrix).render())
        for label in ("HIGH PRIORITY", "MOONSHOT", "QUICK WIN", "AVOID"):
            assert label in text
        await pilot.press("right")
        assert app.selected_id == "grasp-success"
        await pilot.press("v")
        assert app.screen.query_one(Matrix).mark_by == "stage"
        matrix = app.screen.query_one(Matrix)
        target = next(p for p in matrix._points if p.project_id == "grasp-pose")
        await pilot.click(Matrix, offset=(target.x, target.y))
        assert app.selected_id == "grasp-pose"
        await pilot.press("enter")
        assert isinstance(app.screen, PortfolioScreen)
        assert app.screen.query_one(PortfolioTable).current_id == "grasp-pose"
        await pilot.press("m", "t")
        assert isinstance(app.screen, PortfolioScreen)


@pytest.mark.slow
async def test_scorer_export_plugins_help(make_app, portfolio_file: Path, tmp_path: Path) -> None:
    from fsdl_tui.tui.screens.help import HelpScreen
    from fsdl_tui.tui.screens.plugins import PluginsScreen

    app = make_app(portfolio_file, load_plugins=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: "weighted" in app.workspace.scorers)  # the plugins load in a thread
        await pilot.pause()
        assert {"fsdl", "weighted"} <= set(app.workspace.scorers) and "csv" in app.workspace.exporters
        await pilot.press("s")
        names = list(app.workspace.scorers)
        await pilot.press(*["down"] * names.index("weighted"), "enter")
        assert app.scorer.name == "weighted"
        assert "scorer weighted" in text_of(app.screen.query_one("#summary"))
        out = tmp_path / "ranked.csv"
        await pilot.press("x")
        modal = app.screen
        modal.query_one("#format").value = "csv"
        await pilot.pause()
        modal.query_one("#path", Input).value = str(out)
        modal.query_one("#path", Input).focus()
        await pilot.press("enter")
        assert "label-tool" in out.read_text()
        out.write_text("keep me")
        await pilot.press("x")
        app.screen.query_one("#format").value = "csv"
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(out)
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # not replaced: back in the export dialog, to pick another path
        assert out.read_text() == "keep me"
        assert type(app.screen).__name__ == "ExportModal"
        await pilot.press("escape", "p")
        assert isinstance(app.screen, PluginsScreen)
        await pilot.press("escape", "f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)


async def test_command_palette_reaches_actions(make_app, portfolio_file: Path) -> None:
    from fsdl_tui.tui.screens.board import BoardScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await palette_search(pilot, "lifecycle board")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


async def test_user_keymap_remaps_by_id(make_app, portfolio_file: Path, user_config) -> None:
    user_config("keymap.toml", 'save = "f6"\nundo = "ctrl+u"\nno_such_id = "f7"\n')
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)
        await pilot.press("ctrl+s")  # ctrl+s no longer saves
        assert app.session.dirty
        await pilot.press("f6")
        assert not app.session.dirty
        assert any("no_such_id" in str(n.message) for n in app._notifications)


def test_every_binding_has_id_description_and_tooltip() -> None:
    from fsdl_tui.tui.app import APP_BINDINGS, binding_modules, known_binding_ids

    bindings = list(APP_BINDINGS)
    for module in binding_modules():
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                bindings += vars(obj).get("BINDINGS", [])
    assert len(bindings) > 40
    for b in bindings:
        assert b.id and b.description and b.tooltip, b
    assert len(known_binding_ids()) == len({b.id for b in bindings})


def test_first_screen_imports_nothing_heavy() -> None:
    code = (
        "import sys; import fsdl_tui.tui, fsdl_tui.tui.app, fsdl_tui.tui.screens.portfolio; "
        "print(sorted(m for m in ('pandas', 'numpy', 'fsdl_tui.plugins.manager') if m in sys.modules))"
    )
    out = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
async def test_quit_from_the_form_keeps_its_changes_and_asks(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        app.screen.query_one(f"#{widget_id('owner')}", Input).value = "zed"
        app.screen.query_one(f"#{widget_id('gate.data.done')}").focus()
        await pilot.press("right_square_bracket", "o", "u")  # project actions are off under the form
        assert app.session.portfolio.get("label-tool").stage == "planning" and not app.session.dirty
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ChoiceModal)
        assert app.session.portfolio.get("label-tool").owner == "zed"
        await pilot.press("right_square_bracket")  # nor under a dialog
        assert app.session.portfolio.get("label-tool").stage == "planning"
        await pilot.press("s")
    assert load(portfolio_file).portfolio.get("label-tool").owner == "zed"  # type: ignore[union-attr]


@pytest.mark.slow
async def test_remaining_bindings(make_app, portfolio_file: Path) -> None:
    """The keys the flows above do not press: table navigation, reload, every dialog's escape."""
    from fsdl_tui.tui.screens.modals import ExportModal, NewProjectModal, PathModal, PickModal, TextModal
    from fsdl_tui.tui.widgets.detail import ProjectDetail

    app = make_app(portfolio_file, load_plugins=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("end")
        assert app.selected_id == "task-language"
        await pilot.press("home", "j")
        assert app.selected_id == "grasp-success"
        await pilot.press("k", "pagedown")
        assert app.selected_id == "task-language"
        await pilot.press("pageup", "enter")
        assert isinstance(app.screen, EditScreen) and app.screen.original.id == "label-tool"
        await pilot.press("escape")
        await pilot.press("tab")  # the next pane: the detail, which scrolls
        assert isinstance(app.focused, ProjectDetail)
        await pilot.press("pagedown", "down", "pageup", "up")
        assert app.focused.scroll_y == 0
        for key, modal in (
            ("f3", PathModal),
            ("s", PickModal),
            ("x", ExportModal),
            ("a", NewProjectModal),
            ("K", TextModal),
            ("D", ConfirmModal),
            ("q", None),
        ):
            if modal is None:
                continue
            await pilot.press(key)
            assert isinstance(app.screen, modal), key
            await pilot.press("escape")
            assert isinstance(app.screen, PortfolioScreen), key
        assert not app.session.dirty
        doc = load(portfolio_file)
        save(doc, doc.portfolio.without_project("task-language"))
        await pilot.press("ctrl+r")  # clean: reload at once
        assert "task-language" not in app.session.portfolio and not app.session.dirty
        await hold_or_resume(pilot)
        await pilot.press("ctrl+r")  # dirty: asks first
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("k")
        assert app.session.dirty


async def test_problems_screen_f5_and_quit(make_app, portfolio_file: Path) -> None:
    portfolio_file.write_text("name = 'x'\n[[projects]]\nid = 'Bad Id'\n")
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("f5", "u", "right_square_bracket", "b")  # reload; nothing else applies here
        assert isinstance(app.screen, ProblemsScreen)
        await pilot.press("q")
    assert app.return_code == 0
