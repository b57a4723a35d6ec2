"""Crash recovery: on opening a file with a recovery journal (`fsdl_tui.storage.journal`), show what the
unsaved changes were (the semantic diff) and ask. Nothing is applied without the user's answer; a journal
whose base no longer matches the file on disk is offered as a field-by-field 3-way merge."""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.model import Portfolio
from ..storage import PortfolioDocument, PortfolioLoadError, loads
from ..storage.journal import Journal, JournalError, journal_path, read_journal
from ..workspace import merge_documents
from .base import FsdlBase
from .screens.modals import ChoiceModal

MAX_DIFF_LINES = 14


def short_diff(old: Portfolio, new: Portfolio) -> str:
    from ..gitops.diff import diff_portfolios, format_text  # (not before the first frame)

    lines = format_text(diff_portfolios(old, new)).rstrip("\n").splitlines()
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[: MAX_DIFF_LINES - 1] + [f"… and {len(lines) - MAX_DIFF_LINES + 1} more line(s)"]
    return "\n".join(lines)


class RecoveryFlows(FsdlBase):
    """The offer to recover the unsaved changes of a session that did not end cleanly."""

    def offer_recovery(self) -> None:
        s = self.session
        if s is None or s.target is None:
            return
        target = Path(os.path.abspath(s.target))
        try:
            journal = read_journal(self.state_dir, target)
        except JournalError as exc:
            self.say(f"{exc} (left as it is)", severity="warning", timeout=10)
            return
        if journal is None:
            return
        where = journal_path(self.state_dir, target)
        try:
            recovered = loads(journal.text, f"{s.label} (recovered)")
            base = loads(journal.base_text, f"{s.label} (before the changes)")
        except PortfolioLoadError as exc:
            self._offer_broken(journal, where, str(exc))
            return
        if recovered.portfolio == s.portfolio:  # nothing to recover: the changes were saved after all
            self.drop_journal_of(target)
            return
        self.recovery_pending = True
        if journal.base_digest == s.doc.digest:
            self._offer_same_base(recovered.portfolio, where)
        else:
            self._offer_merge(base, recovered.portfolio, where)

    def drop_journal_of(self, target: Path) -> None:
        self.drop_journal(target)

    def _offer_same_base(self, recovered: Portfolio, where: Path) -> None:
        s = self.session
        assert s is not None
        detail = (
            f"{s.label} has unsaved changes from a session that did not end cleanly (kept in {where}):\n"
            + short_diff(s.portfolio, recovered)
        )

        def answer(choice: str | None) -> None:
            self.recovery_pending = False
            if choice == "r":
                if s.apply(recovered, "recover unsaved changes"):
                    self.say("recovered the unsaved changes: save to keep them (undo drops them)", timeout=6)
                    self.changed()
            elif choice == "d":
                self.drop_journal_of(Path(os.path.abspath(s.target or where)))
                self.say("discarded the unsaved changes of the earlier session", timeout=4)

        self.push_screen(
            ChoiceModal(
                "Recover unsaved changes?",
                [
                    ("r", "Recover them (not saved yet; undo drops them)"),
                    ("d", "Discard them"),
                    ("k", "Not now: open the file as it is (your next change replaces them)"),
                ],
                detail,
            ),
            answer,
        )

    def _offer_merge(self, base: PortfolioDocument, recovered: Portfolio, where: Path) -> None:
        s = self.session
        assert s is not None
        merged, conflicts = merge_documents(base, recovered, s.doc)
        detail = (
            f"{s.label} has unsaved changes from a session that did not end cleanly (kept in {where}), "
            "and the file changed on disk since. Those changes:\n" + short_diff(base.portfolio, recovered)
        )
        choices = []
        if merged is not None:
            choices.append(("m", "Merge them into the file as it is now, field by field"))
        else:
            detail += "\nA merge is refused: both changed " + ", ".join(conflicts)
        choices += [
            ("o", "Open my recovered version instead (the file's changes are on the undo stack)"),
            ("d", "Discard them"),
            ("k", "Not now: open the file as it is (your next change replaces them)"),
        ]

        def answer(choice: str | None) -> None:
            self.recovery_pending = False
            if choice == "m" and merged is not None:
                if s.apply(merged, "merge recovered changes"):
                    self.say("merged the recovered changes: save to keep them", timeout=6)
                    self.changed()
            elif choice == "o":
                if s.apply(recovered, "recover unsaved changes"):
                    self.say("opened the recovered version: saving replaces the file on disk", timeout=6)
                    self.changed()
            elif choice == "d":
                self.drop_journal_of(Path(os.path.abspath(s.target or where)))
                self.say("discarded the unsaved changes of the earlier session", timeout=4)

        self.push_screen(ChoiceModal("Recover unsaved changes?", choices, detail), answer)

    def _offer_broken(self, journal: Journal, where: Path, problem: str) -> None:
        self.recovery_pending = True

        def answer(choice: str | None) -> None:
            self.recovery_pending = False
            if choice == "d":
                self.drop_journal_of(Path(journal.file))

        self.push_screen(
            ChoiceModal(
                "A recovery journal that does not load",
                [("d", "Discard it"), ("k", "Keep it (open the file as it is)")],
                f"{where} holds unsaved changes that are not a valid portfolio:\n{problem}",
            ),
            answer,
        )
