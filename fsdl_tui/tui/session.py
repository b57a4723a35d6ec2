"""The app's document state without any UI: the file, the current portfolio, undo/redo, saving, watching.

The model is immutable, so undo is a stack of earlier `Portfolio` values. Saves go through
`fsdl_tui.storage.save` (atomic, minimal diff), which refuses to overwrite a file that changed on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..domain.model import Portfolio
from ..storage import PortfolioDocument, load, new_document, save
from ..storage.atomic import read_digest

UNDO_LIMIT = 200


@dataclass(frozen=True)
class DiskStamp:
    """What a cheap `stat` says about a file: enough to notice most changes without reading it."""

    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path | None) -> DiskStamp | None:
        if path is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_mtime_ns, st.st_size)


class Session:
    """One open portfolio: the document last read or saved, the edited value, and the undo history."""

    def __init__(self, doc: PortfolioDocument, target: Path | None = None) -> None:
        self.doc = doc
        # Where the next save goes: the file it came from, or (new or sample portfolio) where it will be created.
        self.target: Path | None = doc.path or target
        self.portfolio: Portfolio = doc.portfolio
        self.undo_stack: list[tuple[Portfolio, str]] = []
        self.redo_stack: list[tuple[Portfolio, str]] = []
        self.stamp = DiskStamp.of(doc.path)

    # --- state ------------------------------------------------------------------------------------------

    @property
    def saved_portfolio(self) -> Portfolio:
        return self.doc.portfolio

    @property
    def dirty(self) -> bool:
        """Changes not saved yet (an untouched new file or sample is not dirty: there is nothing to lose)."""
        return self.portfolio is not self.doc.portfolio and self.portfolio != self.doc.portfolio

    @property
    def label(self) -> str:
        return self.target.name if self.target else "<unsaved>"

    # --- edits --------------------------------------------------------------------------------------------

    def apply(self, portfolio: Portfolio, what: str) -> bool:
        """Make `portfolio` the current value, undoably. Returns False when nothing changed."""
        if portfolio == self.portfolio:
            return False
        self.undo_stack.append((self.portfolio, what))
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        self.portfolio = portfolio
        return True

    def undo(self) -> str | None:
        if not self.undo_stack:
            return None
        previous, what = self.undo_stack.pop()
        self.redo_stack.append((self.portfolio, what))
        self.portfolio = previous
        return what

    def redo(self) -> str | None:
        if not self.redo_stack:
            return None
        following, what = self.redo_stack.pop()
        self.undo_stack.append((self.portfolio, what))
        self.portfolio = following
        return what

    # --- disk ---------------------------------------------------------------------------------------------

    def save(self, path: Path | None = None, *, force: bool = False) -> Path:
        """Save to `path` (default: the target). Raises FileChangedError rather than overwrite a changed file."""
        target = Path(path) if path is not None else self.target
        if target is None:
            raise ValueError("no file to save to: use save as")
        self.doc = save(self.doc, self.portfolio, target, force=force)
        self.target = target
        self.stamp = DiskStamp.of(target)
        return target

    def disk_changed(self) -> bool:
        """True when the file on disk is not the one read or last saved (cheap stat first, then a digest)."""
        path = self.doc.path
        if path is None:
            return False
        stamp = DiskStamp.of(path)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        return read_digest(path) != self.doc.digest

    def read_disk(self) -> PortfolioDocument:
        """The document on disk now (raises PortfolioLoadError or OSError)."""
        assert self.doc.path is not None
        return load(self.doc.path)

    def reload(self, doc: PortfolioDocument | None = None) -> None:
        """Replace the current value with the file on disk, undoably (the edits stay on the undo stack)."""
        doc = doc or self.read_disk()
        if doc.portfolio != self.portfolio:
            self.undo_stack.append((self.portfolio, "reload"))
            self.redo_stack.clear()
        self.doc = doc
        self.portfolio = doc.portfolio
        self.stamp = DiskStamp.of(doc.path)

    def adopt_disk(self, doc: PortfolioDocument, merged: Portfolio) -> None:
        """Take the disk version as the new base and `merged` (ours on top of theirs) as the current value."""
        self.undo_stack.append((self.portfolio, "merge"))
        self.redo_stack.clear()
        self.doc = doc
        self.portfolio = merged
        self.stamp = DiskStamp.of(doc.path)


def merge_portfolios(base: Portfolio, ours: Portfolio, theirs: Portfolio) -> tuple[Portfolio, list[str]]:
    """A three-way merge by project (and by header field): a side that did not change a project takes the
    other side's version. Returns the merge and the ids (or header fields) both sides changed differently;
    for those the merge keeps ours, so the caller must not use it silently when there are conflicts."""
    conflicts: list[str] = []
    header = {}
    for name in ("name", "description", "settings", "scoring", "plugins", "extra", "schema_version"):
        b, o, t = getattr(base, name), getattr(ours, name), getattr(theirs, name)
        header[name] = _pick(b, o, t, name, conflicts)
    base_by = {p.id: p for p in base.projects}
    ours_by = {p.id: p for p in ours.projects}
    theirs_by = {p.id: p for p in theirs.projects}
    order = [p.id for p in theirs.projects] + [p.id for p in ours.projects if p.id not in theirs_by]
    projects = []
    for pid in order:
        chosen = _pick(base_by.get(pid), ours_by.get(pid), theirs_by.get(pid), pid, conflicts)
        if chosen is not None:
            projects.append(chosen)
    return theirs.replace(projects=tuple(projects), **header), conflicts


def _pick(base, ours, theirs, name: str, conflicts: list[str]):  # type: ignore[no-untyped-def]
    if ours in (theirs, base):
        return theirs
    if theirs == base:
        return ours
    conflicts.append(name)
    return ours


def new_session(portfolio: Portfolio, target: Path) -> Session:
    return Session(new_document(portfolio), target)
