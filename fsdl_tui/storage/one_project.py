"""Editing one project of a large file without building the others: `set`'s path at 10,000 projects.

A full edit (`saving.edit_file`) parses and builds every project, then rewrites only the one that changed
(`minimal_diff.py`). Here the file's bytes are read under the writers' lock and hashed, and an index kept
beside the parse cache for exactly those bytes (`cache.get_index`) says where each project's segment lies
and what the checks across projects need of the others (every id). Only that segment is parsed and built;
the edited project is checked as a full load checks it, rendered by the same code the full save uses
(`minimal_diff._edit_project_text`, tomlkit on the segment alone, read back as edited), and written between
the untouched bytes before and after it (slices of the bytes read, never a second copy of the file),
atomically and under the lock, as `saving._save_locked` writes. The result is the full path's, byte for byte
(tests/test_set_fast.py runs both on the same edits).

The index is written when `load` has validated a file (`remember`), and after a one-project save for the
new bytes (the spans after the edited project shifted), when the new file is sure to load and to split the
same way. Without one (a file never loaded, a stale index, the cache off) the same index is worked out in
the process by a read-only scan (`_scan`): the file read in pieces as `load_read_only` reads it, never the
whole text at once, every project built and checked as `load` checks them, and only the ids and spans
kept; stored where the cache is on, written nowhere where it is off. Anything unsure (a stale or corrupt
index, a segment that does not read as one project, a file with problems, an unusual layout, plugin
fields) sends the edit to the full path, which is always right.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..domain import schema as sc
from ..domain.codec import TOP_KEYS, portfolio_from_data, project_from_data, project_to_data
from ..domain.model import Project
from . import cache, limits
from .atomic import atomic_write, read_digest, read_file, remove_stale_temp_files, resolve
from .errors import FileChangedError, SaveError
from .lock import locked
from .parsing import NotBySegment, project_table, tables_of_pieces
from .piece_layout import PieceLayout
from .scan import header_match, layout, lines_with_offsets, string_state_after

if TYPE_CHECKING:
    from .document import PortfolioDocument
    from .saving import Edit

_stamps: dict[int, tuple[object, str]] = {}


def stamp() -> str:
    """What the index's claims depend on besides the bytes: the code that split and validated the file (its
    modules' sizes and times), the schema as it is now (a test may extend it) and the limits."""
    fields = (sc.PROJECT_FIELDS, sc.PORTFOLIO_FIELDS)
    held = _stamps.get(id(fields[0]))
    if held is not None and held[0] is fields[0]:
        return held[1]
    from ..domain import framework, model, reader, writer
    from . import minimal_diff, parsing, piece_layout, scan

    h = hashlib.sha256(f"{__version__} {sys.version} {limits.MAX_DEPTH} {limits.INT_MIN} {limits.INT_MAX}".encode())
    mods = (
        sys.modules[__name__],
        reader,
        writer,
        model,
        framework,
        sc,
        limits,
        scan,
        parsing,
        piece_layout,
        minimal_diff,
    )
    for mod in mods:
        with contextlib.suppress(OSError, TypeError):
            st = os.stat(str(mod.__file__))
            h.update(f"{mod.__name__} {st.st_size} {st.st_mtime_ns};".encode())
    h.update(repr(fields).encode("utf-8", "replace"))
    _stamps.clear()
    _stamps[id(fields[0])] = (fields[0], h.hexdigest()[:32])
    return _stamps[id(fields[0])][1]


# --- the index ---------------------------------------------------------------------------------------------


# Set while `edit_project` loads a file whole: the document is about to be saved, and its save needs the
# layout `remember` works out, so the document keeps it.
_KEEP_LAYOUT: contextvars.ContextVar[bool] = contextvars.ContextVar("keep_layout", default=False)


def remember(doc: PortfolioDocument, size: int) -> None:
    """Store the index of a document `load` has just validated (once per content), if it is large enough to
    gain from one and its layout is the one the minimal-diff writer edits segment by segment."""
    sha = doc.digest
    if sha is None or size < cache.MIN_FILE_BYTES or not cache.enabled() or cache.has_index(sha, stamp()):
        return
    from .parsing import in_segment_memo

    if in_segment_memo():  # versions of a file read for git: none of them is edited in place
        return
    had_layout = doc._layout is not None
    lay = doc.layout
    if not had_layout and not _KEEP_LAYOUT.get():
        doc._layout = None  # a document that may never be saved does not hold it (100,000 segments)
    projects = doc.portfolio.projects
    segs = [s for s in lay.segments if s.kind == "project"]
    if not lay.standard or len(segs) != len(projects):  # edited by a full pass: said once, not scanned again
        cache.put_index(sha, stamp(), {"size": size, "usable": False})
        return
    text = doc.text
    spans: list[int] = []
    if text.isascii():
        for seg in segs:
            spans += (seg.offset, seg.end_offset)
    else:  # character offsets to byte offsets, one segment at a time
        chars = at = 0
        for seg in segs:
            at += len(text[chars : seg.offset].encode("utf-8"))
            start = at
            at += len(text[seg.offset : seg.end_offset].encode("utf-8"))
            chars = seg.end_offset
            spans += (start, at)
    if (spans[-1] if spans else 0) > size:
        return
    ids = [projects[s.project_index].id for s in segs]
    cache.put_index(sha, stamp(), {"size": size, "ids": ids, "spans": spans})


def _index(sha: str, size: int) -> tuple[list[str], list[int]] | None:
    """The ids and spans of the index for these bytes, if there is one and it holds together."""
    got = cache.get_index(sha, stamp())
    if got is None:
        return None
    ids, spans = got.get("ids"), got.get("spans")
    if (
        got.get("usable", True) is not True
        or got.get("size") != size
        or not isinstance(ids, list)
        or not isinstance(spans, list)
    ):
        return None
    if len(spans) != 2 * len(ids) or not all(isinstance(x, str) for x in ids):
        return None
    last = 0
    for x in spans:
        if type(x) is not int or x < last:
            return None
        last = x
    return (ids, spans) if last <= size else None


# --- one segment ---------------------------------------------------------------------------------------


def _one_project_segment(text: str) -> bool:
    """Whether `text` splits, as the layout of a whole file would split it, into one project segment from its
    first character to its last, ending outside any multi-line string."""
    lay = layout(text)
    segs = lay.segments
    if not (
        lay.standard
        and len(segs) == 2
        and segs[0].end_offset == 0
        and segs[1].kind == "project"
        and (segs[1].offset, segs[1].end_offset) == (0, len(text))
    ):
        return False
    state: str | None = None  # as `scan.scan` follows multi-line strings
    for line in text.split("\n"):
        if state is None and header_match(line):
            continue
        if '"""' in line or "'''" in line:
            state = string_state_after(line, state)
    return state is None


def _bounds_hold(data: bytes, start: int, end: int) -> bool:
    """Whether `start` and `end` could be where the layout cuts a project segment: on line starts, with no
    comment line just before it (the layout would attach it) and a header or comment line just after it
    (blank lines belong to the segment above). Any doubt is a no."""
    if start > end or (start and data[start - 1] != 10) or (end < len(data) and data[end - 1] != 10):
        return False
    if start:
        before = data[data.rfind(b"\n", 0, start - 1) + 1 : start]
        if before.lstrip().startswith(b"#"):
            return False
    if end < len(data):
        after = data[end : end + 256].lstrip(b" \t")
        if not after.startswith((b"[", b"#")):
            return False
    return True


def _ends_with_comment(text: str) -> bool:
    """Whether the last line of `text` is a comment, which the layout would attach to a header after it."""
    lines = lines_with_offsets(text)
    return bool(lines) and lines[-1].lstrip().startswith("#")


def _newline(data: bytes) -> str:
    """`PortfolioDocument.newline` of these bytes."""
    if b"\r" not in data:
        return "\n"
    crlf = data.count(b"\r\n")
    return "\r\n" if crlf and crlf * 2 >= data.count(b"\n") else "\n"


class ProjectEdit:
    """One project of a file read under the writers' lock (see `edit_project`): `project` as it is now."""

    def __init__(self, path: Path, data: bytes, sha: str, ids: list[str], spans: list[int], i: int) -> None:
        self.path, self.data, self.sha, self.ids, self.spans, self.i = path, data, sha, ids, spans, i
        self.start, self.end = spans[2 * i], spans[2 * i + 1]
        self.text = data[self.start : self.end].decode("utf-8")
        self.project: Project | None = None
        self.saved = False
        self.how = "index"  # how the spans were found: "index" (stored) or "scan" (`_scan`, just now)

    @property
    def label(self) -> str:
        return str(self.path)

    def read(self, project_id: str) -> bool:
        """Parse and build the project's segment; False where it does not read as one plain project."""
        if not _one_project_segment(self.text):
            return False
        try:
            table = project_table(self.text)
        except NotBySegment:
            return False
        try:
            p, issues = project_from_data(table, ("projects", self.i))
        except Exception:  # noqa: BLE001 - anything odd is the full path's to report
            return False
        if p is None or issues or p.id != project_id:
            return False
        self.project = p
        return True

    def save(self, new: Project) -> None:
        """Write the file with the project changed to `new`, as `saving.Edit.save` would; once."""
        from .minimal_diff import _edit_project_text, _trailing
        from .saving import project_unwritable

        old = self.project
        assert old is not None and new.id == old.id and not self.saved
        self.saved = True
        label = self.label
        unwritable = project_unwritable(new) if new is not old else []
        if unwritable:
            raise SaveError(label, "; ".join(issue.message for issue in unwritable))
        try:
            if new is not old and project_to_data(new) != project_to_data(old):
                edited = _edit_project_text(self.text, old, new, _newline(self.data), label)
                piece = edited.rstrip("\r\n") + (_trailing(self.text) or _trailing(edited))
            else:
                piece = self.text
            middle = piece.encode("utf-8")
        except (ValueError, TypeError, RecursionError) as exc:  # as `_save_locked` words it
            raise SaveError(label, f"a value cannot be written as TOML ({exc})") from None
        remove_stale_temp_files(resolve(self.path))
        if read_digest(self.path) != self.sha:
            raise FileChangedError(label)
        view = memoryview(self.data)
        parts = (view[: self.start], middle, view[self.end :])
        atomic_write(self.path, parts)
        h = hashlib.sha256()
        for part in parts:
            h.update(part)
        self._remember(h.hexdigest(), piece, middle, new)

    def _remember(self, sha: str, piece: str, middle: bytes, new: Project) -> None:
        """The index of the bytes just written, when they are sure to load and split as these did: the new
        segment one project alone, not ending with a comment the next header would take, and the checks
        across projects (its `depends_on` names known projects, not itself) passed."""
        last = self.end == len(self.data)
        if not _one_project_segment(piece) or (not last and _ends_with_comment(piece)):
            return
        try:  # it reads alone as the one project it is, within the limits
            got, issues = project_from_data(project_table(piece), ("projects", self.i))
        except NotBySegment:
            return
        if issues or got is None or project_to_data(got) != project_to_data(new):
            return
        known = set(self.ids)
        if any(dep not in known or dep == new.id for dep in new.depends_on):
            return  # the file now has a problem a load reports: no index says it loads
        delta = len(middle) - (self.end - self.start)
        spans = self.spans[: 2 * self.i + 1] + [x + delta for x in self.spans[2 * self.i + 1 :]]
        size = len(self.data) + delta
        cache.put_index(sha, stamp(), {"size": size, "ids": self.ids, "spans": spans})


def _open(path: Path, project_id: str) -> ProjectEdit | NoSuchProject | None:
    """The one-project edit of `project_id` in `path` (under the lock), or None: take the full path. By the
    stored index of the bytes; without one (none yet, a stale one, the cache off), by a read-only scan of
    the file in pieces (`_scan`)."""
    try:
        if os.stat(path).st_size < cache.MIN_FILE_BYTES:  # (a full edit of a small file costs less)
            return None
    except OSError:
        return None  # the full path words it
    if cache.enabled():
        try:
            data = read_file(path)
        except OSError:
            return None
        sha = hashlib.sha256(data).hexdigest()
        found = _index(sha, len(data))
        if found is not None:
            return _edit_of(path, data, sha, *found, project_id, "index")
        if _unusable(sha):  # the layout is not one the writer edits by segment: a scan would find so again
            return None
        del data  # (the scan reads the file in pieces; the bytes are read again for the edit)
    return _streamed(path, project_id)


class NoSuchProject:
    """What `edit_project` gives for a project the file has not, when its index (stored, or worked out by the
    scan: a file that loads) says so: `set` refuses as the full path would, without reading it whole."""

    def __init__(self, path: Path, ids: list[str], how: str) -> None:
        self.label, self.ids, self.how = str(path), ids, how


def _edit_of(
    path: Path, data: bytes, sha: str, ids: list[str], spans: list[int], project_id: str, how: str
) -> ProjectEdit | NoSuchProject | None:
    """The edit of `project_id` in `data` (whose hash is `sha`) by these ids and spans, or None."""
    if project_id not in ids:
        return NoSuchProject(path, ids, how)
    i = ids.index(project_id)
    if not _bounds_hold(data, spans[2 * i], spans[2 * i + 1]):
        return None
    try:
        edit = ProjectEdit(path, data, sha, ids, spans, i)
    except UnicodeDecodeError:
        return None
    edit.how = how
    return edit if edit.read(project_id) else None


def _unusable(sha: str) -> bool:
    """Whether the index stored for these bytes says their layout is not edited segment by segment."""
    got = cache.get_index(sha, stamp())
    return got is not None and got.get("usable", True) is False


# --- without an index: the file scanned in pieces --------------------------------------------------------


def _scan(path: Path) -> tuple[str, int, list[str], list[int]] | None:
    """The hash, size, ids and spans of the file at `path`, read read-only in pieces as `load_read_only`
    reads it (never the whole text at once) and validated as `load` validates it: what `remember` would
    store for these bytes. None where that is not sure (any problem, an unusual layout, a table after the
    projects): the full path then reads the file whole and words every problem."""
    from .loading import PIECE_BYTES, _pieces, collector_paused

    sha = hashlib.sha256()
    lay = PieceLayout()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # as `read_file` opens
    except OSError:
        return None
    with os.fdopen(fd, "rb", buffering=0) as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        tables = tables_of_pieces(lay.follow(_pieces(f, sha, PIECE_BYTES, limits.max_file_bytes())))
        try:
            with collector_paused():
                portfolio, issues = portfolio_from_data(next(tables), None, tables)
        except (NotBySegment, OSError, UnicodeDecodeError, RecursionError, ValueError):
            return None
    known = set(TOP_KEYS) | set(portfolio.extra)
    ids = [p.id for p in portfolio.projects]
    del portfolio  # (the model of every project: the edit needs only the ids)
    spans = [x for seg in lay.segments if seg.kind == "project" for x in (seg.start, seg.end)]
    keys = {seg.key[0] for seg in lay.segments if seg.kind == "table"}
    if issues or not lay.standard or lay.size < 0 or not keys <= known or len(spans) != 2 * len(ids):
        return None
    return sha.hexdigest(), lay.size, ids, spans


def _streamed(path: Path, project_id: str) -> ProjectEdit | NoSuchProject | None:
    """`_open` without a stored index: the index worked out by `_scan` (and stored, where the cache is on, as
    `load` would store it), then the edit by it, of the bytes read again, which must be the bytes scanned."""
    scanned = _scan(path)
    if scanned is None:
        return None
    sha, size, ids, spans = scanned
    if size >= cache.MIN_FILE_BYTES and cache.enabled():
        cache.put_index(sha, stamp(), {"size": size, "ids": ids, "spans": spans})
    try:
        data = read_file(path)
    except OSError:
        return None
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha:  # changed by a writer ignoring the lock
        return None
    return _edit_of(path, data, sha, ids, spans, project_id, "scan")


@contextlib.contextmanager
def edit_project(path: str | Path, project_id: str | None) -> Iterator[ProjectEdit | NoSuchProject | Edit]:
    """Hold the writers' lock of `path` for the block and give the edit of one project: a `ProjectEdit` of
    `project_id` when the file's index (stored, or worked out by a scan) allows (a `NoSuchProject` when it
    says the file has no such project), else the full `saving.Edit` of the file (as `edit_file` gives it;
    always with `project_id` None). Raises what `load` raises, on the full path."""
    path = Path(path)
    with locked(path):
        one = _open(path, project_id) if project_id is not None else None
        if one is not None:
            yield one
            return
        from .loading import load
        from .saving import Edit

        token = _KEEP_LAYOUT.set(True)
        try:
            full = Edit(load(path))
        finally:
            _KEEP_LAYOUT.reset(token)
        yield full
        if full.saved is not None:  # the next `set` of this file need not read it whole
            with contextlib.suppress(OSError):
                remember(full.saved, os.stat(path).st_size)


def index_entry_data(sha: str) -> dict[str, Any] | None:
    """The index stored for these bytes' hash, as this code would use it (for tests and tools)."""
    return cache.get_index(sha, stamp())
