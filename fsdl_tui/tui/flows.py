"""The app's flows, as mixins of the App: documents (save, quit, undo, external changes) and projects
(edit, add, duplicate, delete, lifecycle moves, scorer, export). Each asks with a modal when it must and
calls the core for the change."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.worker import get_current_worker

from ..domain.lifecycle import MoveRefused, change_status, move, new_project
from ..domain.model import Portfolio, Project
from ..storage import FileChangedError, PortfolioDocument, PortfolioError, PortfolioLoadError
from ..storage.atomic import reason
from ..workspace import (
    DaemonCall,
    PluginFailure,
    duplicate_of,
    hold_toggled,
    merge_documents,
    next_stage,
    previous_stage,
)
from .base import FsdlBase
from .screens.modals import ChoiceModal, ConfirmModal, NewProjectModal, PathModal


class DocumentFlows(FsdlBase):
    """Saving, quitting, undo/redo, reloading and the file watch."""

    def action_undo(self) -> None:
        if self.session is not None:
            what = self.session.undo()
            self.say(f"undid {what}" if what else "nothing to undo", timeout=2)
            self.changed()

    def action_redo(self) -> None:
        if self.session is not None:
            what = self.session.redo()
            self.say(f"redid {what}" if what else "nothing to redo", timeout=2)
            self.changed()

    # --- saving ---------------------------------------------------------------------------------------

    def save(self, path: Path | None = None, *, force: bool = False) -> bool:
        """Save; on a file changed on disk, never overwrite: offer the choices instead. True when saved."""
        assert self.session is not None
        if self.refused_read_only("saving"):
            return False
        try:
            target = self.session.save(path, force=force)
        except FileChangedError:
            if path is not None and path != self.session.doc.path:
                self._confirm_overwrite(path)
            else:
                self.external_change(at_save=True)
            return False
        except (PortfolioError, OSError, ValueError) as exc:
            self.save_failed(path or self.session.target, exc)
            return False
        self.say(f"saved {target}", timeout=3)
        self.changed()
        return True

    def save_failed(self, path: Path | None, exc: Exception) -> None:
        """The write failed (disk full, a read-only folder, ...): say why, keep the edits, offer save-as."""
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            message = f"{exc.filename or path or 'the file'}: cannot save: {reason}"
        else:
            message = str(exc)
        self.say(f"not saved: {message}", severity="error", timeout=10)

        def answer(choice: str | None) -> None:
            if choice == "a":
                self.action_save_as()

        self.push_screen(
            ChoiceModal(
                "Not saved",
                [("a", "Save as another file"), ("k", "Keep editing (the changes stay, unsaved)")],
                f"{message}\nYour changes are kept (and journaled for recovery); the file on disk is untouched.",
            ),
            answer,
        )

    def action_save(self) -> None:
        if self.session is not None:
            self.save()

    def action_save_as(self) -> None:
        if self.session is None or self.refused_read_only("saving"):
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.save(path)

        self.push_screen(PathModal("Save as", str(self.session.target or "portfolio.toml")), chosen)

    def _confirm_overwrite(self, path: Path) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.save(path, force=True)

        self.push_screen(ConfirmModal(f"{path} exists. Replace it?", "Its content will be lost.", "Replace"), answer)

    # --- quitting ---------------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        from .screens.edit import EditScreen

        if isinstance(self.screen, EditScreen):  # keep the open form's changes: they count as unsaved
            form = self.screen
            await self.pop_screen()
            if form.working != form.original:
                self.replace_project(form.working, f"edit of {form.working.id}")
        ratings = self.workspace.ratings_dirty  # the rating grid's values not yet in the rater's file
        if self.session is None or not (self.session.dirty or ratings):
            self.exit(0)
            return
        dirty = self.session.dirty

        def answer(choice: str | None) -> None:
            if choice == "d":
                self.drop_journal()
                self.exit(0)
            elif choice == "s" and (not dirty or self.save()) and (not ratings or self.save_ratings()):
                self.exit(0)

        where = [self.session.label] * dirty + ["your ratings file"] * ratings
        self.push_screen(
            ChoiceModal(
                "Unsaved changes",
                [("s", "Save and quit"), ("d", "Discard changes and quit"), ("c", "Cancel")],
                f"Your changes are not saved to {' nor '.join(where)}.",
            ),
            answer,
        )

    def save_ratings(self) -> bool:
        """Write the rating mode's grid; `DecideFlows` (tui/deciding.py), first in the app's bases, does it."""
        raise NotImplementedError

    # --- the file on disk ---------------------------------------------------------------------------------

    def check_disk(self) -> None:
        """Poll the file (stat first, digest only when it moved); offer what to do when it changed."""
        if self.session is None or self._asking_disk:
            return
        if self.session.disk_changed():
            self.external_change()

    def external_change(self, at_save: bool = False) -> None:
        assert self.session is not None
        session = self.session
        try:
            disk: PortfolioDocument | None = session.read_disk()
            broken = ""
        except (PortfolioLoadError, OSError) as exc:
            disk, broken = None, str(exc)
        self._asking_disk = True
        label = session.label
        if not session.dirty and disk is not None and not at_save:
            choices = [("r", "Reload it"), ("k", "Keep what is shown (saving will ask again)")]
            detail = f"{label} changed on disk (another program, a git pull). You have no unsaved changes."
        else:
            choices = []
            if disk is not None:
                choices.append(("m", "Merge: their changes and mine, field by field (refused on a conflict)"))
                choices.append(("r", "Reload theirs (mine stay on the undo stack)"))
            choices += [
                ("a", "Save mine as another file"),
                ("o", "Overwrite theirs with mine (asks again)"),
                ("k", "Keep editing; decide later"),
            ]
            detail = f"{label} changed on disk while you have unsaved changes. Nothing has been overwritten."
            if broken:
                detail += f"\nThe file on disk does not load:\n{broken}"

        def answer(choice: str | None) -> None:
            self._asking_disk = False
            if choice == "r" and disk is not None:
                session.reload(disk)
                self.say(f"reloaded {label}", timeout=3)
                self.changed()
            elif choice == "m" and disk is not None:
                self.merge(disk)
            elif choice == "a":
                self.action_save_as()
            elif choice == "o":
                self.push_screen(
                    ConfirmModal(
                        f"Overwrite {label} with your version?",
                        "The other change is lost (unless it is in git).",
                        "Overwrite",
                    ),
                    self._overwrite_answer,
                )

        self.push_screen(ChoiceModal("The file changed on disk", choices, detail), answer)

    def _overwrite_answer(self, yes: bool | None) -> None:
        if yes:
            self.save(force=True)

    def merge(self, disk: PortfolioDocument) -> None:
        assert self.session is not None
        session = self.session
        merged, conflicts = merge_documents(session.doc, session.portfolio, disk)
        if conflicts or merged is None:
            self.say(
                "not merged: both sides changed " + ", ".join(conflicts) + ". Save yours as another file, "
                "then merge by hand.",
                severity="error",
                timeout=12,
            )
            return
        session.adopt_disk(disk, merged)
        self.say("merged their changes with yours; save to keep the merge", timeout=5)
        self.changed()

    def action_reload(self) -> None:
        if self.session is None or self.session.doc.path is None:
            return
        if not self.session.dirty:
            try:
                self.session.reload()
            except (PortfolioLoadError, OSError) as exc:
                self.say(f"cannot reload: {exc}", severity="error", timeout=10)
                return
            self.changed()
            return
        self.external_change()


class ProjectFlows(FsdlBase):
    """Edits of projects and lifecycle moves, on the selected project."""

    def selected(self) -> Project | None:
        return self.workspace.selected()

    def action_edit(self) -> None:
        from .screens.edit import EditScreen

        p = self.selected()
        if p is None or self.refused_read_only("editing"):
            return

        def done(result: Project | None) -> None:
            if result is not None:
                self.replace_project(result, f"edit of {result.id}")

        self.push_screen(EditScreen(p), done)

    def action_add(self) -> None:
        if self.session is None:
            return
        taken = {p.id for p in self.session.portfolio.projects}

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                pid, title = answer
                self.replace_project(new_project(pid, title), f"add {pid}")
                self.select(pid)
                self.action_edit()

        self.push_screen(NewProjectModal(taken), chosen)

    def action_duplicate(self) -> None:
        p = self.selected()
        if p is None or self.session is None:
            return
        copy = duplicate_of(p, self.workspace.taken_ids())
        self.replace_project(copy, f"duplicate {p.id}")
        self.select(copy.id)
        self.say(f"duplicated as {copy.id} (back in planning)", timeout=3)

    def action_delete(self) -> None:
        p = self.selected()
        if p is None or self.session is None:
            return
        session = self.session

        def answer(yes: bool | None) -> None:
            if yes:
                self.apply(session.portfolio.without_project(p.id), f"delete {p.id}")

        self.push_screen(
            ConfirmModal(
                f"Delete '{p.title}'?",
                f"{p.id} and its history leave the portfolio (undo brings it back until you quit).",
                "Delete",
            ),
            answer,
        )

    # --- lifecycle -------------------------------------------------------------------------------------

    def _move(self, p: Project, stage: str, note: str = "", force: bool = False) -> None:
        try:
            moved = move(p, stage, note=note, date=self.today(), force=force)
        except MoveRefused as exc:
            if exc.open_items and not force:
                items = "\n".join(f"• {i.label}: {i.question}" for i in exc.open_items)

                def answer(yes: bool | None) -> None:
                    if yes:
                        self._move(p, stage, note, force=True)

                self.push_screen(
                    ConfirmModal(
                        f"'{p.title}' leaves planning with open gate items",
                        items + "\nMove anyway? The override is recorded in the history.",
                        "Move anyway",
                    ),
                    answer,
                )
            else:
                self.say(str(exc), severity="warning")
            return
        self.replace_project(moved, f"move {p.id} to {stage}")
        self.say(f"{p.id}: {p.stage} → {stage}", timeout=3)

    def action_move_forward(self) -> None:
        p = self.selected()
        if p is None:
            return
        stage = next_stage(p)
        if stage is None:
            self.say(f"'{p.title}' is in production: the last stage", timeout=3)
            return
        self._move(p, stage)

    def action_move_back(self) -> None:
        from .screens.modals import ReasonModal

        p = self.selected()
        if p is None:
            return
        back = previous_stage(p)
        if back is None:
            self.say(f"'{p.title}' is in planning: the first stage", timeout=3)
            return

        def answer(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._move(p, result[0], result[1])

        self.push_screen(ReasonModal(p.title, p.stage, back), answer)

    def _status(self, p: Project, status: str, reason: str) -> None:
        """Change the status through `change_status`, which records it in the history with the date and the
        reason; a refusal (no reason where one is needed) is said, nothing changes."""
        try:
            changed = change_status(p, status, reason, self.today())
        except MoveRefused as exc:
            self.say(str(exc), severity="warning")
            return
        self.replace_project(changed, f"{p.id} {status}")

    def action_hold(self) -> None:
        p = self.selected()
        if p is not None:
            held = hold_toggled(p)
            self.replace_project(held, f"{p.id} {held.status}")

    def action_kill(self) -> None:
        from .screens.modals import TextModal

        p = self.selected()
        if p is None:
            return
        if p.status == "killed":
            self._status(p, "active", "")
            return
        self.push_screen(
            TextModal(f"Kill '{p.title}': why?", "e.g. the data cannot be had"),
            lambda reason: self._status(p, "killed", reason) if reason else None,
        )

    # --- scorer and export ----------------------------------------------------------------------------

    def action_pick_scorer(self) -> None:
        from .screens.modals import PickModal

        items = [(name, f"{s.label or name} ({name})") for name, s in self.workspace.scorers.items()]
        self.push_screen(
            PickModal("Rank with", items, self.scorer.name), lambda name: self.set_scorer(name) if name else None
        )

    def action_settings(self) -> None:
        from .screens.settings import SettingsScreen

        if self.session is None:
            return
        scorers = [(name, s.label or name) for name, s in self.workspace.scorers.items()]

        def done(result: Portfolio | None) -> None:
            if result is None:
                return
            old_default = self.session.portfolio.settings.default_scorer if self.session else ""
            self.apply(result, "portfolio settings")
            name = result.settings.default_scorer
            if name != old_default and name in self.workspace.scorers:
                self.set_scorer(name)

        self.push_screen(SettingsScreen(self.session.portfolio, scorers), done)

    def action_export(self) -> None:
        from .screens.modals import ExportModal

        if self.session is None or self.refused_read_only("exporting"):
            return
        if not self.workspace.exporters:
            self.say("no exporters yet (plugins are still loading, or none loaded)", severity="warning")
            return
        formats = [(name, e.label or name, e.extension) for name, e in self.workspace.exporters.items()]
        stem = self.session.target.stem if self.session.target else "portfolio"
        self.push_screen(ExportModal(formats, stem), self._export_to)

    def _export_to(self, answer: tuple[str, Path] | tuple[str, Path, bool] | None, force: bool = False) -> None:
        """Export as `answer` (format, path[, the user agreed to replace it])."""
        if answer is None or self.session is None:
            return
        name, path = answer[0], answer[1]
        force = force or (len(answer) > 2 and bool(answer[2]))
        if path.exists() and not force:
            self.push_screen(
                ConfirmModal(f"{path} exists. Replace it?", "", "Replace"),
                lambda yes: self._export_to(answer, force=True) if yes else None,
            )
            return
        owner = self.workspace.exporter_owner(name)
        call = self.workspace.export_call(name)
        if owner != "fsdl_tui":  # plugin code: off the UI thread, like a plugin's scorer
            self.say(f"exporting {name} (plugin {owner})…", timeout=3)
            self._export_worker(name, owner, path, call)
            return
        try:
            self._export_done(name, path, call())
        except PluginFailure as exc:
            self.say(f"export failed: {exc}", severity="error", timeout=10)

    @work(thread=True, exclusive=True, group="export")
    def _export_worker(self, name: str, owner: str, path: Path, call: Callable[[], str | bytes]) -> None:
        worker = get_current_worker()
        running = DaemonCall(call, name=f"export-{name}")
        started, warned = time.monotonic(), False
        while not running.finished.wait(0.1):
            if worker.is_cancelled:
                return
            if not warned and time.monotonic() - started > self.score_budget:
                warned = True
                message = f"exporter '{name}' (plugin {owner}) has taken more than {self.score_budget:g} s"
                self.call_from_thread(self.say, message, severity="warning", timeout=8)
        with contextlib.suppress(RuntimeError):  # RuntimeError: the app closed meanwhile
            if running.error is not None:
                self.call_from_thread(self.say, f"export failed: {running.error}", severity="error", timeout=10)
            elif running.result is not None:
                self.call_from_thread(self._export_done, name, path, running.result)

    def _export_done(self, name: str, path: Path, out: str | bytes) -> None:
        try:
            path.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
        except OSError as exc:
            self.say(f"export failed: {path}: cannot write: {reason(exc)}", severity="error", timeout=10)
            return
        self.say(f"exported {name} to {path}", timeout=4)
