"""The app's flows, as mixins of the App: documents (save, quit, undo, external changes) and projects
(edit, add, duplicate, delete, lifecycle moves, scorer, export). Each asks with a modal when it must and
calls the core for the change."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain import framework as fw
from ..domain.lifecycle import MoveRefused, move, new_project, slugify
from ..domain.model import Lifecycle, Portfolio, Project
from ..storage import FileChangedError, PortfolioDocument, PortfolioError, PortfolioLoadError, load
from .screens.modals import ChoiceModal, ConfirmModal, NewProjectModal, PathModal

if TYPE_CHECKING:  # pragma: no cover
    from .app import FsdlApp

    _Base = FsdlApp
else:
    _Base = object


class DocumentFlows(_Base):
    """Saving, quitting, undo/redo, reloading and the file watch."""

    def apply(self, portfolio: Portfolio, what: str) -> None:
        assert self.session is not None
        if self.session.apply(portfolio, what):
            self.changed()

    def action_undo(self) -> None:
        if self.session is not None:
            what = self.session.undo()
            self.notify(f"undid {what}" if what else "nothing to undo", timeout=2)
            self.changed()

    def action_redo(self) -> None:
        if self.session is not None:
            what = self.session.redo()
            self.notify(f"redid {what}" if what else "nothing to redo", timeout=2)
            self.changed()

    # --- saving ---------------------------------------------------------------------------------------

    def save(self, path: Path | None = None, *, force: bool = False) -> bool:
        """Save; on a file changed on disk, never overwrite: offer the choices instead. True when saved."""
        assert self.session is not None
        try:
            target = self.session.save(path, force=force)
        except FileChangedError:
            if path is not None and path != self.session.doc.path:
                self._confirm_overwrite(path)
            else:
                self.external_change(at_save=True)
            return False
        except (PortfolioError, OSError, ValueError) as exc:
            self.notify(f"not saved: {exc}", severity="error", timeout=10)
            return False
        self.notify(f"saved {target}", timeout=3)
        self.changed()
        return True

    def action_save(self) -> None:
        if self.session is not None:
            self.save()

    def action_save_as(self) -> None:
        if self.session is None:
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
        if self.session is None or not self.session.dirty:
            self.exit(0)
            return

        def answer(choice: str | None) -> None:
            if (choice == "s" and self.save()) or choice == "d":
                self.exit(0)

        self.push_screen(
            ChoiceModal(
                "Unsaved changes",
                [("s", "Save and quit"), ("d", "Discard changes and quit"), ("c", "Cancel")],
                f"Your changes are not saved to {self.session.label}.",
            ),
            answer,
        )

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
                self.notify(f"reloaded {label}", timeout=3)
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
                    lambda yes: self.save(force=True) if yes else None,
                )

        self.push_screen(ChoiceModal("The file changed on disk", choices, detail), answer)

    def merge(self, disk: PortfolioDocument) -> None:
        assert self.session is not None
        session = self.session
        merged, conflicts = merge_documents(session.doc, session.portfolio, disk)
        if conflicts or merged is None:
            self.notify(
                "not merged: both sides changed " + ", ".join(conflicts) + ". Save yours as another file, "
                "then merge by hand.",
                severity="error",
                timeout=12,
            )
            return
        session.adopt_disk(disk, merged)
        self.notify("merged their changes with yours; save to keep the merge", timeout=5)
        self.changed()

    def action_reload(self) -> None:
        if self.session is None or self.session.doc.path is None:
            return
        if not self.session.dirty:
            try:
                self.session.reload()
            except (PortfolioLoadError, OSError) as exc:
                self.notify(f"cannot reload: {exc}", severity="error", timeout=10)
                return
            self.changed()
            return
        self.external_change()

    def action_reload_broken(self) -> None:
        """From the problems screen: try the file again; open it when it loads."""
        assert self.problems is not None
        path = self.problems[0]
        try:
            doc = load(path)
        except PortfolioLoadError as exc:
            self.problems = (path, exc.problems)
            self.screen.show(exc.problems)  # type: ignore[attr-defined]
            self.notify("still broken", severity="warning", timeout=3)
            return
        except OSError as exc:
            self.notify(f"cannot read {path}: {exc}", severity="error")
            return
        from .session import Session

        self.session = Session(doc)
        self.problems = None
        self.pop_screen()
        self._rerank()
        self._start_portfolio()


def merge_documents(
    base: PortfolioDocument, ours: Portfolio, theirs: PortfolioDocument
) -> tuple[Portfolio | None, list[str]]:
    """Merge through `fsdl_tui.gitops.merge.merge_texts` (field by field) when it is there, else project by
    project. Returns (merged, []) or (None, conflicts)."""
    try:
        from ..gitops.merge import merge_texts  # type: ignore[import-not-found]
    except ImportError:
        from .session import merge_portfolios

        merged, conflicts = merge_portfolios(base.portfolio, ours, theirs.portfolio)
        return (None, conflicts) if conflicts else (merged, [])
    from ..storage import loads, render_text

    result = merge_texts(base.text, render_text(base, ours), theirs.text)
    conflicts = [str(c) for c in getattr(result, "conflicts", [])]
    if conflicts or not getattr(result, "clean", True):
        return None, conflicts
    try:
        return loads(result.text).portfolio, []
    except PortfolioLoadError as exc:
        return None, [str(p) for p in exc.problems]


class ProjectFlows(_Base):
    """Edits of projects and lifecycle moves, on the selected project."""

    def selected(self) -> Project | None:
        if self.session is None or self.selected_id is None:
            return None
        return self.session.portfolio.get(self.selected_id)

    def replace_project(self, project: Project, what: str) -> None:
        assert self.session is not None
        self.apply(self.session.portfolio.with_project(project), what)

    def action_edit(self) -> None:
        from .screens.edit import EditScreen

        p = self.selected()
        if p is None:
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
                self.selected_id = pid
                self.action_edit()

        self.push_screen(NewProjectModal(taken), chosen)

    def action_duplicate(self) -> None:
        p = self.selected()
        if p is None or self.session is None:
            return
        taken = {q.id for q in self.session.portfolio.projects}
        pid = slugify(p.id + "-copy", taken)
        copy = dataclasses.replace(p, id=pid, title=f"{p.title} (copy)", lifecycle=Lifecycle())
        self.replace_project(copy, f"duplicate {p.id}")
        self.selected_id = pid
        self.notify(f"duplicated as {pid} (back in planning)", timeout=3)

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
                self.notify(str(exc), severity="warning")
            return
        self.replace_project(moved, f"move {p.id} to {stage}")
        self.notify(f"{p.id}: {p.stage} → {stage}", timeout=3)

    def action_move_forward(self) -> None:
        p = self.selected()
        if p is None:
            return
        i = fw.STAGE_INDEX[p.stage]
        if i + 1 >= len(fw.STAGE_IDS):
            self.notify(f"'{p.title}' is in production: the last stage", timeout=3)
            return
        self._move(p, fw.STAGE_IDS[i + 1])

    def action_move_back(self) -> None:
        from .screens.modals import ReasonModal

        p = self.selected()
        if p is None:
            return
        i = fw.STAGE_INDEX[p.stage]
        if i == 0:
            self.notify(f"'{p.title}' is in planning: the first stage", timeout=3)
            return

        def answer(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._move(p, result[0], result[1])

        self.push_screen(ReasonModal(p.title, p.stage, fw.STAGE_IDS[i - 1]), answer)

    def _status(self, p: Project, status: str, reason: str) -> None:
        lifecycle = dataclasses.replace(p.lifecycle, status=status, status_reason=reason)
        self.replace_project(dataclasses.replace(p, lifecycle=lifecycle), f"{p.id} {status}")

    def action_hold(self) -> None:
        p = self.selected()
        if p is not None:
            self._status(p, "active" if p.status == "on-hold" else "on-hold", "")

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

        items = [(name, f"{s.label or name} ({name})") for name, s in self.scorers.items()]
        self.push_screen(
            PickModal("Rank with", items, self.scorer.name), lambda name: self.set_scorer(name) if name else None
        )

    def action_export(self) -> None:
        from .screens.modals import ExportModal

        if self.session is None:
            return
        if not self.exporters:
            self.notify("no exporters yet (plugins are still loading, or none loaded)", severity="warning")
            return
        formats = [(name, e.label or name, e.extension) for name, e in self.exporters.items()]
        stem = self.session.target.stem if self.session.target else "portfolio"
        self.push_screen(ExportModal(formats, stem), self._export_to)

    def _export_to(self, answer: tuple[str, Path] | None, force: bool = False) -> None:
        if answer is None or self.session is None:
            return
        name, path = answer
        if path.exists() and not force:
            self.push_screen(
                ConfirmModal(f"{path} exists. Replace it?", "", "Replace"),
                lambda yes: self._export_to(answer, force=True) if yes else None,
            )
            return
        try:
            out: Any = self.plugin_host.export(self.session.portfolio, name, self.ranked)
            path.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
        except Exception as exc:  # noqa: BLE001 - an exporter is plugin code: report, never crash
            self.notify(f"export failed: {exc}", severity="error", timeout=10)
            return
        self.notify(f"exported {name} to {path}", timeout=4)
