"""Progressive loading in the app: rows before the file is read, progress, keys, refusals, late errors."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import FIXTURES, LoadGate, notices, wait_for

from fsdl_tui.storage import load, stream
from fsdl_tui.tui.app import FsdlApp
from fsdl_tui.tui.screens.board import BoardScreen
from fsdl_tui.tui.screens.edit import EditScreen
from fsdl_tui.tui.screens.portfolio import PortfolioScreen
from fsdl_tui.tui.screens.problems import ProblemsScreen
from fsdl_tui.tui.widgets.table import PortfolioTable

TODAY = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def one_project_a_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut the file at every `[[projects]]` line: piece 0 is the header, piece N the N-th project."""
    monkeypatch.setattr(stream, "PIECE_BYTES", 1)
    monkeypatch.setattr(stream, "FIRST_PIECE_BYTES", 1)


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    shutil.copy(FIXTURES / "small.toml", path)
    return path


def loading_app(path: Path | str, gate: LoadGate | None, env: dict[str, str], **kwargs: Any) -> FsdlApp:
    kwargs.setdefault("load_plugins", False)
    return FsdlApp(
        None, load_path=Path(path), load_gate=gate, env=env, today=lambda: TODAY, watch_interval=None, **kwargs
    )


def summary(app: FsdlApp) -> str:
    return str(app.screen.query_one("#summary").render())


async def test_rows_come_before_the_file_is_read_and_the_ranking_ends_as_a_full_load(
    team: Path, env: dict[str, str], make_app: Any
) -> None:
    gate = LoadGate(hold_from=3)  # the header and two projects, then it waits
    app = loading_app(team, gate, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.workspace.ranked) == 2)
        assert app.workspace.loading
        assert isinstance(app.screen, PortfolioScreen)
        top = app.workspace.ranked[0].project.id  # the highlight follows the best ranked until the user moves
        assert app.screen.query_one(PortfolioTable).current_id == top == app.selected_id
        assert "loading team.toml: 2 of 5 projects (40%)" in summary(app)
        assert "loading team.toml" in app.sub_title
        gate.release()
        await wait_for(pilot, lambda: not app.workspace.loading)
        await pilot.pause()
        assert "loading" not in summary(app) and "loading" not in app.sub_title
        assert summary(app).startswith("5 projects")
        progressive = [(r.rank, r.project, r.score) for r in app.workspace.ranked]
        assert app.session is not None and app.session.doc.portfolio == load(team).portfolio
    full = make_app(team)
    async with full.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert progressive == [(r.rank, r.project, r.score) for r in full.workspace.ranked]


async def test_the_load_reads_on_once_the_first_rows_are_painted(
    team: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first rows are painted before the next piece is read (the parse would take turns with the paint)."""
    import threading

    from fsdl_tui.tui import base

    monkeypatch.setattr(base, "FIRST_PAINT_WAIT", 60.0)  # only the paint lets the load go on, however slow
    painted = threading.Event()
    render_line = PortfolioTable.render_line

    def recording(self: PortfolioTable, y: int) -> Any:
        if y > 0 and self.current_id is not None:
            painted.set()
        return render_line(self, y)

    monkeypatch.setattr(PortfolioTable, "render_line", recording)
    when_asked: dict[int, bool] = {}  # piece -> whether a row had been painted when it was asked for
    app = loading_app(team, lambda n: when_asked.setdefault(n, painted.is_set()), env)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: not app.workspace.loading)
    # piece 0 is the header, piece 1 the first project: its row is painted before piece 2 is read
    assert when_asked[0] is False and when_asked[1] is False
    assert all(when_asked[n] for n in range(2, 6))


async def test_keys_work_while_loading_and_changes_wait(team: Path, env: dict[str, str]) -> None:
    before = team.read_bytes()
    gate = LoadGate(hold_from=5)  # rows are handed over at 1, 2, 4, ... projects read
    app = loading_app(team, gate, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.workspace.ranked) == 4)
        table = app.screen.query_one(PortfolioTable)
        first = table.current_id
        await pilot.press("down")
        assert table.current_id != first and app.selected_id == table.current_id
        await pilot.press("b")
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)
        for key in ("e", "enter", "plus", "ctrl+s", "f2", "a", "right_square_bracket"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, PortfolioScreen), key  # no form, no dialog
        refused = [n for n in notices(app) if "still loading the file" in n]
        assert len(refused) == 7
        assert any("saving waits" in n for n in refused)
        assert app.session is not None and not app.session.dirty
        assert team.read_bytes() == before
        gate.release()
        await wait_for(pilot, lambda: not app.workspace.loading)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditScreen))


async def test_the_detail_says_the_file_is_being_read_until_its_first_project_comes(
    team: Path, env: dict[str, str]
) -> None:
    from fsdl_tui.tui.widgets.detail import ProjectDetail

    gate = LoadGate(hold_from=1)  # the header is read, no project yet
    app = loading_app(team, gate, env)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: 1 in gate.asked)
            await pilot.pause()
            detail = app.screen.query_one(ProjectDetail)
            assert "Reading the file" in detail.text.plain
            assert "No project here" not in detail.text.plain
            gate.release()
            await wait_for(pilot, lambda: not app.workspace.loading)
            await pilot.pause()
            first = app.workspace.ranked[0].project
            assert first.title in detail.text.plain
            assert "Reading the file" not in detail.text.plain
    finally:
        gate.release()


async def test_quit_works_while_loading(team: Path, env: dict[str, str]) -> None:
    gate = LoadGate(hold_from=2)
    app = loading_app(team, gate, env)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: len(app.workspace.ranked) == 1)
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running or app._exit_renderables is not None or app.return_code == 0
    finally:
        gate.release()
    assert app.return_code == 0


async def test_a_late_error_goes_to_the_problems_screen(team: Path, env: dict[str, str]) -> None:
    team.write_text(team.read_text() + '\n[[projects]]\nid = "late"\ntitle = "Late"\n[projects.impact]\noverall = 9\n')
    with pytest.raises(Exception) as expected:
        load(team)
    gate = LoadGate(hold_from=3)
    app = loading_app(team, gate, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.workspace.ranked) == 2)  # rows first
        gate.release()
        await wait_for(pilot, lambda: isinstance(app.screen, ProblemsScreen))
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)  # the rows' screen is gone
        await pilot.pause()
        assert app.session is None and not app.workspace.loading
        assert app.problems is not None
        assert [str(p) for p in app.problems[1]] == [str(p) for p in expected.value.problems]  # type: ignore[attr-defined]
        assert str(app.problems[1][0]).startswith(f"{team}:")
        assert "cannot be opened" in str(app.screen.title)


def test_snapshot_while_loading(
    snap_compare: Any, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative path: the same title on every machine
    shutil.copy(FIXTURES / "small.toml", tmp_path / "team.toml")
    gate = LoadGate(hold_from=5)

    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: len(pilot.app.workspace.ranked) == 4)
        await pilot.pause()

    try:
        app = gate.release_on_exit(loading_app("team.toml", gate, env))
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        gate.release()


def test_the_screens_main_actions_work_from_are_named_as_they_are() -> None:
    """`check_action` (asked by the footer from the first frame on) names the screens instead of importing
    them: each name is a screen class of its module."""
    import importlib

    from textual.screen import Screen

    from fsdl_tui.tui.app import DECIDE_SCREENS, MAIN_SCREENS, screen_is

    for module, name in MAIN_SCREENS + DECIDE_SCREENS:
        kind = getattr(importlib.import_module(f"fsdl_tui.tui.screens.{module}"), name)
        assert isinstance(kind, type) and issubclass(kind, Screen)
    assert not screen_is(object(), MAIN_SCREENS + DECIDE_SCREENS)


async def test_a_file_whose_text_is_kept_out_of_memory_journals_saves_and_merges(
    team: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file counts as large: the loaded document keeps its bytes in a temporary file, and the journal,
    the save (the same minimal diff) and a merge after a change on disk all work from that copy."""
    from fsdl_tui.domain.fields import set_field
    from fsdl_tui.storage import document, render_text
    from fsdl_tui.storage.journal import read_journal

    monkeypatch.setattr(document, "KEEP_IN_MEMORY_CHARS", 0)
    held = load(team)
    app = loading_app(team, None, env)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: not app.workspace.loading)
        s = app.session
        assert s is not None and not s.doc.text_in_memory
        p = s.portfolio.projects[1]
        edited = set_field(p, "cost.accuracy_requirement", 1 + (p.cost.accuracy_requirement or 0) % 5)
        app.replace_project(edited, "edit")
        journal = read_journal(app.state_dir, team.resolve())
        assert journal is not None and journal.base_text == held.text
        assert journal.text == render_text(held, s.portfolio)
        assert app.save()
        assert team.read_text(encoding="utf-8") == render_text(held, held.portfolio.with_project(edited))
        assert s.doc.digest is not None and not s.dirty
        # Someone else's edit on disk, then one of ours: merged field by field from the text as read.
        theirs = team.read_text(encoding="utf-8").replace(f'title = "{p.title}"', 'title = "Theirs"', 1)
        team.write_text(theirs, encoding="utf-8")
        q = s.portfolio.projects[2]
        app.replace_project(set_field(q, "impact.overall", 1 + (q.impact.overall or 0) % 5), "edit")
        assert not app.save()  # refused: changed on disk
        assert team.read_text(encoding="utf-8") == theirs
        app.merge(load(team))
        assert s.portfolio.get(p.id).title == "Theirs"  # type: ignore[union-attr]
        assert s.portfolio.get(q.id).impact.overall == 1 + (q.impact.overall or 0) % 5  # type: ignore[union-attr]
