"""The app never loses an edit: plugin scorers that hang or exit, saves that fail, crash recovery, and user
text that looks like markup."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import BlockingScorer, ExitingScorer, ReverseScorer, hold_or_resume, notices, wait_for

from fsdl_tui.domain.fields import set_field
from fsdl_tui.paths import state_dir
from fsdl_tui.storage import load, save
from fsdl_tui.storage.atomic import digest
from fsdl_tui.storage.journal import Journal, journal_path, read_journal, write_journal
from fsdl_tui.tui.screens.modals import ChoiceModal, PathModal
from fsdl_tui.tui.screens.portfolio import PortfolioScreen
from fsdl_tui.tui.widgets.table import PortfolioTable


def shown_ids(app: Any) -> list[str]:
    return list(app.screen.query_one(PortfolioTable)._shown)


def add_scorer(app: Any, scorer: Any) -> None:
    app.workspace.scorers[scorer.name] = scorer


# --- plugin scorers off the UI thread ------------------------------------------------------------------


async def test_plugin_scorer_ranks_in_the_background(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        add_scorer(app, ReverseScorer())
        app.set_scorer("reverse")
        await wait_for(pilot, lambda: not app.ranking)
        await pilot.pause()
        assert app.scorer.name == "reverse" and app.ranking_status == ""
        expected = sorted(shown_ids(app), key=lambda pid: sum(map(ord, pid)))
        assert shown_ids(app) == expected


async def test_hanging_scorer_paints_cancels_and_quits(make_app, portfolio_file: Path) -> None:
    app = make_app(portfolio_file, score_budget=0.2)
    slow = BlockingScorer()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            before = shown_ids(app)
            add_scorer(app, slow)
            app.set_scorer("slow")
            await wait_for(pilot, lambda: slow.calls == 1)
            assert app.ranking and "ranking with slow" in app.ranking_status
            # the app still answers keys and paints while the scorer hangs
            await pilot.press("down")
            assert app.selected_id == before[1]
            await wait_for(pilot, lambda: any("'slow'" in n and "more than" in n for n in notices(app)))
            summary = app.screen.query_one("#summary").content
            assert "ranking with slow" in str(summary)
            # escape cancels: ranked with the built-in scorer again
            await pilot.press("escape")
            assert not app.ranking and app.scorer.name == "fsdl" and shown_ids(app) == before
            assert any("cancelled" in n for n in notices(app))
            # hang again with an unsaved edit: quitting still asks, and the question works
            app.set_scorer("slow")
            await wait_for(pilot, lambda: slow.calls == 2)
            await hold_or_resume(pilot)
            pid = app.selected_id
            assert app.session.dirty and app.ranking
            # the edit shows at once, with the last scores, while the scorer still works
            assert app.workspace.ranked_by_id[pid].project is app.session.portfolio.get(pid)
            await pilot.press("q")
            assert isinstance(app.screen, ChoiceModal)
            await pilot.press("d")
            await wait_for(pilot, lambda: app.return_code == 0)
        assert portfolio_file.read_text() == load(portfolio_file).text  # nothing half-written
    finally:
        slow.release.set()


@pytest.mark.parametrize("exc", [None, KeyboardInterrupt()], ids=["sys.exit", "KeyboardInterrupt"])
async def test_scorer_that_exits_is_contained(make_app, portfolio_file: Path, exc: BaseException | None) -> None:
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)  # an unsaved edit
        add_scorer(app, ExitingScorer(exc))
        app.set_scorer("exits")
        await wait_for(pilot, lambda: not app.ranking)
        await pilot.pause()
        assert app.is_running and app.session.dirty
        assert any("scorer 'exits' failed" in n for n in notices(app))
        assert all(r.score.error for r in app.workspace.ranked)
        await pilot.press("u")  # the app goes on: the edit is undone
        assert not app.session.dirty


async def test_exporter_that_exits_is_contained(make_app, portfolio_file: Path) -> None:
    from fsdl_tui.exporters.base import Exporter

    class Exits(Exporter):
        name = "exits"
        label = "Exits"
        extension = "txt"

        def export(self, portfolio: Any, ranked: Any, settings: Any) -> str:
            raise SystemExit(4)

    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)
        app.workspace.exporters["exits"] = Exits()
        out = portfolio_file.parent / "out.txt"
        app._export_to(("exits", out))
        await pilot.pause()
        assert app.is_running and app.session.dirty and not out.exists()
        assert any("export failed" in n and "SystemExit" in n for n in notices(app))


async def test_hanging_plugin_through_the_host_is_named(make_app, portfolio_file: Path) -> None:
    import threading

    from fsdl_tui import hookimpl
    from fsdl_tui.exporters.base import Exporter
    from fsdl_tui.testing import plugin_host

    release = threading.Event()
    slow = BlockingScorer()
    slow.release = release

    class Stuck(Exporter):
        name = "stuck"
        label = "Stuck"
        extension = "txt"

        def export(self, portfolio: Any, ranked: Any, settings: Any) -> str:
            release.wait()
            return "late"

    class HangPlugin:
        @hookimpl
        def register_scorers(self) -> Any:
            return [slow]

        @hookimpl
        def register_exporters(self) -> Any:
            return [Stuck()]

    app = make_app(portfolio_file, score_budget=0.2)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.plugins_loaded(plugin_host(HangPlugin(), name="hangplug"))
            out = portfolio_file.parent / "stuck.txt"
            app._export_to(("stuck", out))
            await wait_for(pilot, lambda: any("'stuck' (plugin hangplug)" in n for n in notices(app)))
            app.set_scorer("slow")
            await wait_for(pilot, lambda: any("'slow' (plugin hangplug)" in n for n in notices(app)))
            await pilot.press("down")
            await hold_or_resume(pilot)  # the app goes on meanwhile
            assert app.session.dirty and not out.exists()
            release.set()
            await wait_for(pilot, lambda: out.exists() and not app.ranking)
            assert out.read_text() == "late" and app.scorer.name == "slow"
    finally:
        release.set()


# --- saves that fail --------------------------------------------------------------------------------------


async def test_failed_save_keeps_the_edit_and_offers_save_as(
    make_app, portfolio_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsdl_tui.workspace as workspace

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(portfolio_file))

    original = portfolio_file.read_bytes()
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await hold_or_resume(pilot)
        await pilot.press("ctrl+s")
        monkeypatch.undo()  # the first save works: the edit is on disk
        assert not app.session.dirty
        await hold_or_resume(pilot)
        monkeypatch.setattr(workspace, "save", disk_full)
        saved = portfolio_file.read_bytes()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ChoiceModal) and app.screen.title_text == "Not saved"
        assert "cannot save: No space left on device" in app.screen.detail
        assert app.session.dirty and portfolio_file.read_bytes() == saved != original
        assert any("not saved" in n for n in notices(app))
        await pilot.press("a")
        assert isinstance(app.screen, PathModal)
        monkeypatch.undo()
        other = portfolio_file.parent / "elsewhere.toml"
        app.screen.query_one("#path").value = str(other)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.session.dirty and load(other).portfolio == app.session.portfolio


# --- the recovery journal ---------------------------------------------------------------------------------


async def test_journal_follows_the_edits(make_app, env: dict[str, str], portfolio_file: Path) -> None:
    state = state_dir(env)
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert read_journal(state, portfolio_file) is None
        await hold_or_resume(pilot)
        journal = read_journal(state, portfolio_file)
        assert journal is not None and journal.base_digest == digest(portfolio_file.read_bytes())
        assert journal.text == app.session.edited_text() != journal.base_text
        await pilot.press("ctrl+s")
        assert read_journal(state, portfolio_file) is None
        await hold_or_resume(pilot)
        assert read_journal(state, portfolio_file) is not None
        await pilot.press("u")  # back to the saved state: nothing to recover
        assert read_journal(state, portfolio_file) is None
        await hold_or_resume(pilot)
        await pilot.press("q")
        assert read_journal(state, portfolio_file) is not None
        await pilot.press("d")  # quit with discard: a clean exit leaves no journal
        await wait_for(pilot, lambda: app.return_code == 0)
    assert read_journal(state, portfolio_file) is None
    assert not journal_path(state, portfolio_file).exists()


def _crash_with_owner(env: dict[str, str], path: Path, owner: str) -> Journal:
    """What a killed session leaves behind: a journal of an edit that never reached the file."""
    doc = load(path)
    edited = doc.portfolio.with_project(set_field(doc.portfolio.get("grasp-pose"), "owner", owner))
    from fsdl_tui.storage import render_text

    journal = Journal(str(path.resolve()), doc.digest, doc.text, render_text(doc, edited))
    write_journal(state_dir(env), journal)
    return journal


async def test_recovery_offered_after_a_crash(make_app, env: dict[str, str], portfolio_file: Path) -> None:
    _crash_with_owner(env, portfolio_file, "zed")
    before = portfolio_file.read_bytes()
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal) and app.screen.title_text == "Recover unsaved changes?"
        assert "grasp-pose" in app.screen.detail and "zed" in app.screen.detail  # the semantic diff
        assert app.session.portfolio.get("grasp-pose").owner == "ana"  # nothing applied yet
        await pilot.press("r")
        assert isinstance(app.screen, PortfolioScreen)
        assert app.session.portfolio.get("grasp-pose").owner == "zed" and app.session.dirty
        assert portfolio_file.read_bytes() == before  # recovered, not saved behind the user's back
        await pilot.press("ctrl+s")
        assert load(portfolio_file).portfolio.get("grasp-pose").owner == "zed"
    assert read_journal(state_dir(env), portfolio_file) is None


async def test_recovery_can_be_discarded(make_app, env: dict[str, str], portfolio_file: Path) -> None:
    _crash_with_owner(env, portfolio_file, "zed")
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        assert app.session.portfolio.get("grasp-pose").owner == "ana" and not app.session.dirty
    assert read_journal(state_dir(env), portfolio_file) is None


async def test_recovery_of_a_file_changed_since_is_a_merge(make_app, env: dict[str, str], portfolio_file: Path) -> None:
    _crash_with_owner(env, portfolio_file, "zed")
    doc = load(portfolio_file)  # meanwhile someone else changes another project on disk
    save(doc, doc.portfolio.with_project(set_field(doc.portfolio.get("label-tool"), "owner", "theirs")))
    app = make_app(portfolio_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal) and "changed on disk since" in app.screen.detail
        assert app.screen.choices[0][0] == "m"
        await pilot.press("m")
        p = app.session.portfolio
        assert p.get("grasp-pose").owner == "zed" and p.get("label-tool").owner == "theirs"
        assert app.session.dirty


# --- user text is plain text ----------------------------------------------------------------------------

NASTY = ["[/]", "[bold]x", "\x1b[31mred\x1b[0m", "שלום עולם", "🚀 rocket [link=x]y[/link]"]


@pytest.mark.slow
async def test_markup_like_text_is_shown_as_is(make_app, portfolio_file: Path) -> None:
    doc = load(portfolio_file)
    portfolio = doc.portfolio
    for i, p in enumerate(portfolio.projects):
        q = set_field(p, "title", NASTY[i % len(NASTY)] + " " + p.id)
        q = set_field(q, "summary", NASTY[(i + 1) % len(NASTY)])
        q = set_field(q, "owner", "[/]")
        portfolio = portfolio.with_project(q)
    save(doc, portfolio.replace(name="[/] team [bold]"))
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.select("grasp-success")  # its title holds an ANSI escape
        await pilot.pause()
        cells = list(app.screen.query_one(PortfolioTable).cells("grasp-success").values())
        assert "\x1b" not in "".join(cells) and "␛[31mred␛[0m grasp-success" in cells
        # every screen and dialog, each closed again
        for keys in (["D"], ["left_square_bracket"], ["K"], ["a"], ["f3"], ["s"], ["f1"], ["e"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert not isinstance(app.screen, PortfolioScreen), keys
            for label in app.screen.query(".dialog-title, .dialog-detail"):
                assert "\x1b" not in str(label.content), keys
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, PortfolioScreen), keys
        for view in ("b", "m", "p"):
            await pilot.press(view)
            await pilot.pause()
            if view != "p":  # the board and the 2x2 show the escape as a picture, never raw
                shot = app.export_screenshot()
                assert "\x1b" not in shot and "␛[31mred" in shot, view
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("right_square_bracket")  # a notice or the gate dialog, with the title in it
        await pilot.pause()
        await pilot.press("escape")
        await hold_or_resume(pilot)
        await pilot.press("q")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("c")
        assert app.is_running and app.title.startswith("● [/] team")


async def test_a_refused_value_that_looks_like_markup_is_quoted_as_typed(make_app, portfolio_file: Path) -> None:
    """A field's error quotes what was typed: markup-like keys (a closing tag that matches nothing, which Textual
    refuses as markup) are shown as typed, the app goes on, and the refused value is not applied."""
    from textual.widgets import Input, Label
    from tui_helpers import open_form

    from fsdl_tui.tui.screens.edit import EditScreen, widget_id

    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = await open_form(pilot, "grasp-pose")
        for path, typed in [("impact.overall", "[/x]"), ("cost.data_availability", "[b]2[/b]")]:
            field = form.query_one(f"#{widget_id(path)}", Input)
            field.value = ""
            field.focus()
            await pilot.press(*typed)
            assert field.value == typed
            error = form.query_one(f"#err-{widget_id(path)}", Label)
            assert error.display and f"'{typed}' is not a whole number from 1 to 5" in str(error.render())
        assert app.is_running and app.screen is form and isinstance(form, EditScreen)
        assert set(form.errors) == {"impact.overall", "cost.data_availability"}
        project = app.session.portfolio.get("grasp-pose")
        assert (project.impact.overall, project.cost.data_availability) == (5, 2)
