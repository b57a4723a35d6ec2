"""The app's UI-free parts: the session (undo, dirty, file watch), view rows, user config."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import hold_or_resume

from fsdl_tui.domain.fields import set_field
from fsdl_tui.scoring.base import FsdlScorer, rank
from fsdl_tui.storage import load, save
from fsdl_tui.tui import open_session
from fsdl_tui.tui.keymap import load_keymap
from fsdl_tui.tui.view import Filter, apply_filter, apply_sort, next_sort
from fsdl_tui.workspace import Session


def test_session_undo_redo_and_dirty(portfolio_file: Path) -> None:
    s = Session(load(portfolio_file))
    assert not s.dirty and s.undo() is None
    p = s.portfolio.get("grasp-pose")
    assert s.apply(s.portfolio.with_project(set_field(p, "owner", "zed")), "owner")
    assert not s.apply(s.portfolio, "nothing")  # no change, no undo step
    assert s.dirty and s.undo() == "owner" and not s.dirty
    assert s.redo() == "owner" and s.dirty
    s.save()
    assert not s.dirty and load(portfolio_file).portfolio.get("grasp-pose").owner == "zed"  # type: ignore[union-attr]


def test_disk_changed_is_cheap_and_exact(portfolio_file: Path) -> None:
    s = Session(load(portfolio_file))
    assert not s.disk_changed()
    doc = load(portfolio_file)
    save(doc, doc.portfolio.without_project("task-language"))
    assert s.disk_changed()
    assert not s.disk_changed()  # reported once per change
    s.reload()
    assert "task-language" not in s.portfolio and s.undo() == "reload"


def test_view_filter_and_sort(portfolio_file: Path) -> None:
    rows = rank(load(portfolio_file).portfolio, FsdlScorer())
    assert [r.project.id for r in apply_filter(rows, Filter(text="#vision grasp"))] == ["grasp-pose"]
    assert [r.project.id for r in apply_filter(rows, Filter(stage="planning"))] == ["label-tool", "task-language"]
    by_owner = apply_sort(rows, "owner", "desc")
    assert [r.project.owner for r in by_owner] == ["dara", "chen", "bo", "ana", ""]  # unset stays last
    assert next_sort(None, None, "owner") == ("owner", "asc")
    assert next_sort("owner", "asc", "owner") == ("owner", "desc")
    assert next_sort("owner", "desc", "owner") == (None, None)
    assert next_sort("owner", "desc", "title") == ("title", "asc")


def test_keymap_file(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert load_keymap(env) == ({}, [])
    (tmp_path / "fsdl-tui").mkdir()
    (tmp_path / "fsdl-tui" / "keymap.toml").write_text('save = "F6, ctrl+s"\nundo = ["ctrl+u", "u"]\nquit = 3\n')
    keymap, problems = load_keymap(env)
    assert keymap == {"save": "f6,ctrl+s", "undo": "ctrl+u,u"}
    assert len(problems) == 1 and "'quit'" in problems[0]
    (tmp_path / "fsdl-tui" / "keymap.toml").write_text("save = [")
    keymap, problems = load_keymap(env)
    assert keymap == {} and "keymap.toml" in problems[0]


def test_open_session_rules(tmp_path: Path, portfolio_file: Path) -> None:
    session, problems = open_session(str(portfolio_file))
    assert problems is None and session.doc.path == portfolio_file
    session, problems = open_session(str(tmp_path / "new-team.toml"))
    assert session.portfolio.name == "New team" and session.doc.path is None and not session.dirty
    session, problems = open_session(str(tmp_path))  # a folder: problems, not a traceback
    assert session is None and "cannot read" in problems[1][0].message


async def test_theme_from_user_config(make_app, portfolio_file: Path, user_config) -> None:  # type: ignore[no-untyped-def]
    user_config("app.toml", 'theme = "gruvbox"\n')
    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "gruvbox"


async def test_external_change_to_a_broken_file_keeps_mine(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.tui.screens.modals import ChoiceModal

    app = make_app(portfolio_file)
    async with app.run_test() as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)
        portfolio_file.write_text("<<<<<<< ours\n")
        app.check_disk()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal) and "does not load" in app.screen.detail
        assert [k for k, _ in app.screen.choices] == ["a", "o", "k"]  # no merge or reload of a broken file
        await pilot.press("k")
        assert app.session.dirty and portfolio_file.read_text() == "<<<<<<< ours\n"


# --- the core: contained plugin calls and the recovery journal -------------------------------------------


def test_rank_projects_contains_exits_and_can_be_cancelled(portfolio_file: Path) -> None:
    from tui_helpers import ExitingScorer

    from fsdl_tui.workspace import DaemonCall, rank_projects

    portfolio = load(portfolio_file).portfolio
    for exc in (None, KeyboardInterrupt("stop"), RuntimeError("boom")):
        ranked = rank_projects(portfolio, ExitingScorer(exc))  # type: ignore[arg-type]
        assert ranked is not None and len(ranked) == len(portfolio.projects)
        assert all(r.score.error and r.rank is None for r in ranked)
    assert ranked[0].score.reason == "RuntimeError: boom"
    assert rank_projects(portfolio, FsdlScorer(), cancelled=lambda: True) is None
    assert [r.project.id for r in rank_projects(portfolio, FsdlScorer()) or []] == [
        r.project.id for r in rank(portfolio, FsdlScorer())
    ]
    call = DaemonCall(lambda: (_ for _ in ()).throw(SystemExit(2)))
    assert call.finished.wait(10) and isinstance(call.error, SystemExit) and call.result is None


def test_journal_round_trip_and_keys(tmp_path: Path) -> None:
    import pytest

    from fsdl_tui.storage.journal import (
        Journal,
        JournalError,
        journal_path,
        read_journal,
        remove_journal,
        write_journal,
    )

    state = tmp_path / "state"
    file = tmp_path / "team.toml"
    assert read_journal(state, file) is None and not remove_journal(state, file)
    j = Journal(str(file), "abc", 'name = "a"\n', 'name = "b [/]"\n')
    path = write_journal(state, j)
    assert path == journal_path(state, file) and path.parent.parent == state
    assert read_journal(state, file) == j
    assert not list(path.parent.glob("*.tmp"))  # written through a temp file, replaced
    assert journal_path(state, tmp_path / "other.toml") != path
    assert remove_journal(state, file) and read_journal(state, file) is None
    path.write_text("{ not json")
    with pytest.raises(JournalError, match="not a recovery journal"):
        read_journal(state, file)
    path.write_text(Journal(str(tmp_path / "elsewhere.toml"), None, "", "").to_json())
    with pytest.raises(JournalError, match="is for"):
        read_journal(state, file)


async def test_broken_journal_is_reported_not_applied(make_app, env, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.paths import state_dir
    from fsdl_tui.storage.journal import journal_path

    path = journal_path(state_dir(env), portfolio_file.resolve())
    path.parent.mkdir(parents=True)
    path.write_text("garbage")
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.session.dirty and path.read_text() == "garbage"
        assert any("not a recovery journal" in n.message for n in app._notifications)


def test_control_characters_are_shown_as_pictures() -> None:
    from fsdl_tui.tui.view import one_line, printable

    assert printable("a\x1b[31mb\x07\x7f\x9b\tc\nd") == "a␛[31mb␇\u2421\ufffd c\nd"
    assert one_line("two\nlines\r\n") == "two lines "
    assert printable("[/] שלום 🚀") == "[/] שלום 🚀"  # markup-like, right-to-left and emoji stay as they are
