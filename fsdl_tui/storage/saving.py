"""Saving portfolio files: atomic, locked writes of a minimal diff, and the locked read-modify-write.

`save` checks under the writers' lock (`lock.py`) that the file on disk is still what was read, renders
the minimal diff (`minimal_diff.py`) and replaces the file atomically (`atomic.py`). `edit_file` and
`update` hold the lock from the read to the save, so two writers never interleave. `new_document` and
`starter_text` give a portfolio's first file.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from ..domain.codec import Issue, portfolio_header_data, project_to_data
from ..domain.model import Portfolio, Project
from . import limits, render
from .atomic import atomic_write, digest, read_digest, read_file, remove_stale_temp_files, resolve
from .document import KeptBytes, PortfolioDocument, held_in_memory
from .errors import FileChangedError, SaveError
from .loading import load, loads
from .lock import locked
from .minimal_diff import Span, part_bytes, render_parts, render_text


def save(
    doc: PortfolioDocument, new: Portfolio, path: str | Path | None = None, *, force: bool = False
) -> PortfolioDocument:
    """Write `new` to `path` (default: where `doc` came from) atomically, as a minimal diff of `doc`.

    Holds the writers' lock (`lock.locked`) from the check to the replace. Refuses with FileChangedError when
    the file on disk is not what was read (a document not yet on disk: when a file is there), and with
    SaveError when the file cannot be written or should not be replaced (read-only, other hard links; those
    two go ahead with `force`, which also skips the check). A failed save leaves the file as it was.
    Returns the document for the saved state, to pass to the next save.
    """
    target = Path(path) if path is not None else doc.path
    if target is None:
        raise ValueError("no path to save to")
    with locked(target):
        return _save_locked(doc, new, target, force=force)


def _unwritable(doc: PortfolioDocument, new: Portfolio) -> list[Issue]:
    """What `new` holds beyond the limits a file is read with (`limits.py`), in the parts that changed: a save
    must never write a file that then does not load."""
    old = doc.portfolio
    if new is old:
        return []
    header = portfolio_header_data(new)
    issues = limits.value_issues(header) if header != portfolio_header_data(old) else []
    for p in new.projects:
        before = old.get(p.id)
        if before is not p:
            issues += project_unwritable(p)
    return issues


def project_unwritable(p: Project) -> list[Issue]:
    """What one project holds beyond the limits a file is read with (see `_unwritable`)."""
    return limits.value_issues({"projects": [project_to_data(p)]})


def _save_locked(doc: PortfolioDocument, new: Portfolio, target: Path, *, force: bool) -> PortfolioDocument:
    unwritable = _unwritable(doc, new)
    if unwritable:
        raise SaveError(str(target), "; ".join(issue.message for issue in unwritable))
    # A document whose bytes are kept out of memory is saved from parts (`render_parts`): the untouched
    # projects read from its copy as they are written, only what changed rendered; the same bytes.
    kept = _new_kept() if doc.kept is not None else None
    try:
        parts = render_parts(doc, new) if kept is not None else None
        if parts is None:
            text = render_text(doc, new)
            data = text.encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:  # a value the writer cannot write (e.g. nan)
        raise SaveError(str(target), f"a value cannot be written as TOML ({exc})") from None
    remove_stale_temp_files(resolve(target))
    same_file = doc.path is not None and Path(target) == doc.path
    expected = doc.digest if same_file else None
    if not force:
        on_disk = read_digest(target)
        if on_disk != expected:
            raise FileChangedError(str(target))
    exclusive = expected is None and not force
    if parts is not None:
        assert kept is not None
        return _write_parts(doc, new, target, parts, kept, force=force, exclusive=exclusive)
    try:
        atomic_write(target, data, force=force, exclusive=exclusive)
    except FileExistsError:  # created by someone else between the check and the write
        raise FileChangedError(str(target)) from None
    return PortfolioDocument.kept_if_large(new, data, target, digest(data), text)


def _new_kept() -> KeptBytes | None:
    try:
        return KeptBytes()
    except OSError:
        return None  # (then the text, in memory)


def _write_parts(
    doc: PortfolioDocument,
    new: Portfolio,
    target: Path,
    parts: list[str | Span],
    kept: KeptBytes,
    *,
    force: bool,
    exclusive: bool,
) -> PortfolioDocument:
    """Write the bytes of `parts` to `target` and to `kept`, the saved document's own copy of them (should
    that copy fail, the saved document reads the file it wrote back into memory instead)."""
    h = hashlib.sha256()
    copy: KeptBytes | None = kept

    def blocks() -> Iterator[bytes]:
        nonlocal copy
        for block in part_bytes(doc, parts):
            h.update(block)
            if copy is not None:
                try:
                    copy.write(block)
                except OSError:  # (the temporary folder full, say): the save goes on
                    copy.close()
                    copy = None
            yield block

    try:
        atomic_write(target, blocks(), force=force, exclusive=exclusive)
    except FileExistsError:
        kept.close()
        raise FileChangedError(str(target)) from None
    except BaseException:
        kept.close()
        raise
    if copy is None or held_in_memory(copy.size):  # (as `kept_if_large` keeps a short text)
        data = copy.read() if copy is not None else read_file(target)
        kept.close()
        if digest(data) != h.hexdigest():
            raise OSError(f"{target}: saved, but changed while it was read back; open it again")
        return PortfolioDocument(new, data.decode("utf-8"), target, h.hexdigest())
    return PortfolioDocument(new, None, target, h.hexdigest(), kept=copy)


class Edit:
    """A read-modify-write of one file under its lock (see `edit_file`): `doc` is the file as it is now."""

    def __init__(self, doc: PortfolioDocument) -> None:
        self.doc = doc
        self.saved: PortfolioDocument | None = None

    def save(self, new: Portfolio) -> PortfolioDocument:
        """Write `new` (computed from `self.doc`) now, still under the lock; returns the saved document.

        Once per transaction: the lock is on the file that was read, which the save replaces."""
        if self.saved is not None:
            raise RuntimeError("an Edit saves once; start another edit_file() for the next change")
        assert self.doc.path is not None
        self.saved = _save_locked(self.doc, new, self.doc.path, force=False)
        return self.saved


@contextlib.contextmanager
def edit_file(path: str | Path) -> Iterator[Edit]:
    """Read `path` under the writers' lock and hold the lock until the block ends:

        with edit_file("team.toml") as edit:
            p = edit.doc.portfolio.get("grasp-pose")
            edit.save(edit.doc.portfolio.with_project(changed(p)))

    Two writers never interleave: the second one reads the file only after the first one's save, so its edit
    is computed on the new content and nothing is lost. Raises what `load` and `save` raise.
    """
    with locked(path):
        yield Edit(load(path))


def update(path: str | Path, change: Callable[[Portfolio], Portfolio]) -> PortfolioDocument:
    """Apply `change` to the portfolio in `path` under the writers' lock and save the result (if it differs)."""
    with edit_file(path) as edit:
        new = change(edit.doc.portfolio)
        return edit.save(new) if new != edit.doc.portfolio else edit.doc


def new_document(portfolio: Portfolio) -> PortfolioDocument:
    """A document not yet on disk, in canonical layout. Its first save creates the file and refuses to
    replace an existing one."""
    base = loads(starter_text(portfolio))
    text = render_text(base, portfolio)
    return PortfolioDocument(portfolio, text)


def starter_text(portfolio: Portfolio) -> str:
    """A commented starter file for a portfolio with no projects yet."""
    s = portfolio.settings
    return (
        "# An ML project portfolio for fsdl-tui.\n"
        "# Prioritize by high impact and low cost, after Full Stack Deep Learning (2022, lecture 1).\n"
        "# Edit it in fsdl-tui, with `fsdl-tui set`, or by hand: comments and unknown keys are kept.\n"
        "# Format: docs/format.md\n"
        f"schema_version = {portfolio.schema_version}\n"
        f"name = {render.string(portfolio.name)}\n"
        f"description = {render.value(portfolio.description)}\n"
        "\n[settings]\n"
        f"default_scorer = {render.string(s.default_scorer)}  # fsdl | weighted | a plugin's scorer\n"
        f"impact_threshold = {render.value(float(s.impact_threshold))}  # impact at or above this is high\n"
        f"feasibility_threshold = {render.value(float(s.feasibility_threshold))}  # feasibility at or above this is high\n"
    )
