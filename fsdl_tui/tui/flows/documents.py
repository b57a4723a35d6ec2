"""The document's flows: undo and redo, save and save-as, quitting, the file watch (reload, merge with what
changed on disk), the portfolio's settings and the scorer that ranks it. Each asks with a modal when it must
and calls the core for the change."""

from __future__ import annotations

from pathlib import Path

from ...domain.model import Portfolio
from ...storage import FileChangedError, PortfolioDocument, PortfolioError, PortfolioLoadError
from ...workspace import merge_documents
from ..base import FsdlBase
from ..screens.modals import ChoiceModal, ConfirmModal, PathModal


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
        from ..screens.edit import EditScreen

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

    # --- the portfolio's settings and scorer ---------------------------------------------------------

    def action_pick_scorer(self) -> None:
        from ..screens.modals import PickModal

        items = [(name, f"{s.label or name} ({name})") for name, s in self.workspace.scorers.items()]
        self.push_screen(
            PickModal("Rank with", items, self.scorer.name), lambda name: self.set_scorer(name) if name else None
        )

    def action_settings(self) -> None:
        from ..screens.settings import SettingsScreen

        if self.session is None:
            return
        scorers = [(name, s.label or name) for name, s in self.workspace.scorers.items()]

        def done(result: Portfolio | None) -> None:
            if result is None or self.session is None:
                return
            old = self.session.portfolio
            self.apply(result, "portfolio settings")
            host = self.workspace.plugin_host
            if result.plugins != old.plugins and host is not None:
                self.workspace.adopt_plugins(host)  # a plugin's scorers and exporters read its settings
                self.rank()
            name = result.settings.default_scorer
            if name != old.settings.default_scorer and name in self.workspace.scorers:
                self.set_scorer(name)

        settings = self.workspace.plugin_fields(scope="portfolio")
        self.push_screen(SettingsScreen(self.session.portfolio, scorers, settings), done)
