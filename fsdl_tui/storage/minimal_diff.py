"""The minimal-diff writer: the text of an edited portfolio, changing only what differs from the document
it was read as.

The file is cut into segments (`scan.layout`: the preamble, each `[[projects]]` entry, each other table).
Untouched segments are copied byte for byte; a changed project, or a header segment holding a changed key,
goes alone through the tomlkit pass (`tomlkit_edit.py`); new projects are appended in the canonical layout
(`render.py`). Every edited piece is read back and compared with what was asked before it is used. A file
laid out too unusually for segments goes through one tomlkit pass of the whole text (`_render_full`).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import tomllib
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import tomlkit

from ..domain.codec import (
    TOP_KEYS,
    portfolio_from_data,
    portfolio_header_data,
    portfolio_to_data,
    project_from_data,
    project_to_data,
)
from ..domain.model import Portfolio, Project
from . import render
from .document import PortfolioDocument
from .errors import WriteBackError
from .piece_layout import PieceLayout, lay_out_bytes
from .scan import header_match, join_pieces, lines_with_offsets
from .tomlkit_edit import MISSING, apply_changes, edit_text


def _edit_project_text(seg_text: str, old: Project, new: Project, newline: str = "\n", where: str = "") -> str:
    """The text of one `[[projects]]` segment edited from `old` to `new`, checked to read back as `new`.

    New sub-tables are written as `[tables]`, or inline where that misreads (a project written with dotted
    keys). Should tomlkit fail on a layout it does not handle, the project is written anew in the canonical
    layout, after the comments above it: its data is never at risk.
    """
    old_data, new_data = project_to_data(old), project_to_data(new)
    for inline in (False, True):

        def edit(tdoc: Any, inline: bool = inline) -> None:
            apply_changes(tdoc["projects"][0], old_data, new_data, inline=inline)

        try:
            text = edit_text(seg_text, edit, newline)
            _check_roundtrip(text, new, where)
            return text
        except Exception:  # noqa: BLE001, S112 - tomlkit raises many kinds of errors on odd layouts; try the next style
            continue
    head = seg_text[: len(seg_text) - len(seg_text.lstrip())]
    lines = lines_with_offsets(seg_text)
    comments = "".join(line for line in lines[: next((i for i, x in enumerate(lines) if header_match(x)), 0)])
    tail = seg_text[len(seg_text.rstrip("\r\n")) :] or newline
    text = comments or head
    text += _fix_newlines(render.project(new), newline).rstrip("\r\n") + tail
    _check_roundtrip(text, new, where)
    return text


def _check_roundtrip(text: str, expected: Project, where: str) -> None:
    try:
        data = tomllib.loads(text)["projects"][0]
    except (tomllib.TOMLDecodeError, KeyError, IndexError) as exc:
        raise WriteBackError(f"{where}: internal error writing project '{expected.id}': {exc}") from None
    got, issues = project_from_data(data)
    if issues or got is None or project_to_data(got) != project_to_data(expected):
        raise WriteBackError(
            f"{where}: internal error: project '{expected.id}' would not read back as edited; nothing was written"
        )


def _fix_newlines(text: str, newline: str) -> str:
    if newline == "\n":
        return text
    return re.sub(r"(?<!\r)\n", "\r\n", text)


def render_text(doc: PortfolioDocument, new: Portfolio) -> str:
    """The file text for `new`, changing only what differs from `doc.portfolio`.

    Untouched projects and tables are copied byte for byte; a changed project is re-parsed alone with
    tomlkit; new projects are appended after the last project in the canonical, commented layout.
    """
    old = doc.portfolio
    if new is old:
        return doc.text
    lay = doc.layout  # (with its text: a document that keeps its text out of memory reads it once, here)
    if not lay.standard:
        return _render_full(doc, new, lay.text)
    pieces: list[str | Span] = [lay.segment_text(seg) for seg in lay.segments]
    got = _render_pieces(doc, new, lay.segments, pieces, str)  # (str: every piece is one already)
    if got is None:
        return _render_full(doc, new, lay.text)
    return join_pieces([str(p) for p in got], doc.newline)


BLOCK_BYTES = 4 << 20  # how much of a kept copy is read at a time (`render_parts` and the functions beside it)


class _Seg(Protocol):
    kind: str
    key: tuple[str, ...]


class Span:
    """An untouched segment among the parts of a save (`render_parts`): the bytes `start:end` of the
    document's kept copy, read only when written."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def __bool__(self) -> bool:
        return self.end > self.start

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end})"


def render_parts(doc: PortfolioDocument, new: Portfolio) -> list[str | Span] | None:
    """`render_text(doc, new)` as parts, for a document whose bytes are kept out of memory: the untouched
    project segments as `Span`s of the kept copy, the rest (the header's segments, what changed) as text.
    Its bytes (`part_bytes`) are `render_text`'s encoded. None where parts do not apply (the text is in
    memory, nothing changed, an unusual layout, projects reordered): then `render_text`."""
    kept = doc.kept
    if kept is None or new is doc.portfolio:
        return None
    lay = _byte_layout(doc)
    if lay is None:
        return None

    def read(start: int, end: int) -> str:
        data = kept.read_at(start, end - start)
        if len(data) != end - start:
            raise OSError(f"{doc.label}: the kept copy of the text was cut short")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise OSError(f"{doc.label}: the kept copy of the text read no longer matches it") from None

    def text(piece: str | Span) -> str:
        return piece if isinstance(piece, str) else read(piece.start, piece.end)

    segs = lay.segments
    pieces: list[str | Span] = [
        Span(seg.start, seg.end) if seg.kind == "project" else read(seg.start, seg.end) for seg in segs
    ]
    got = _render_pieces(doc, new, segs, pieces, text, reorder=False)
    if got is None:
        return None
    out = [p for p in got if p]
    for i in range(len(out) - 1):  # as `join_pieces`: each piece starts on a line of its own
        piece = out[i]
        if isinstance(piece, Span) and piece.end == lay.size and not read(piece.end - 1, piece.end).endswith("\n"):
            piece = out[i] = read(piece.start, piece.end)  # (only the file's last segment may end without one)
        if isinstance(piece, str) and not piece.endswith("\n"):
            out[i] = piece + doc.newline
    joined: list[str | Span] = []  # untouched neighbours as one span: the file is read in long runs
    for piece in out:
        last = joined[-1] if joined else None
        if isinstance(piece, Span) and isinstance(last, Span) and last.end == piece.start:
            joined[-1] = Span(last.start, piece.end)
        else:
            joined.append(piece)
    return joined


def part_bytes(doc: PortfolioDocument, parts: list[str | Span], block: int | None = None) -> Iterator[bytes]:
    """The bytes of `parts` (`render_parts`), a block at a time. The kept copy is read in order, every byte
    of it hashed (the spans and what lies between them), and must hash to the document's digest: else
    OSError, once the last part is out (a save writing them raises before it replaces anything)."""
    kept = doc.kept
    assert kept is not None
    h = hashlib.sha256()
    pos = 0
    block = block or BLOCK_BYTES

    def through(end: int, keep: bool) -> Iterator[bytes]:
        nonlocal pos
        while pos < end:
            data = kept.read_at(pos, min(block, end - pos))
            if not data:
                raise OSError(f"{doc.label}: the kept copy of the text was cut short")
            pos += len(data)
            h.update(data)
            if keep:
                yield data

    for part in parts:
        if isinstance(part, str):
            yield part.encode("utf-8")
            continue
        if part.start < pos:
            raise OSError(f"{doc.label}: internal error: the parts of the save are out of order")
        yield from through(part.start, keep=False)
        yield from through(part.end, keep=True)
    yield from through(kept.size, keep=False)
    if h.hexdigest() != doc.digest:
        raise OSError(f"{doc.label}: the kept copy of the text read no longer matches it")


def text_chunks(doc: PortfolioDocument, block: int | None = None) -> Iterator[str]:
    """`doc.text` a block at a time: from memory, or read from the kept copy, which must hash to the
    document's digest (OSError after the last chunk otherwise)."""
    kept = doc.kept
    if kept is None:
        yield doc.text
        return
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    pos = 0
    block = block or BLOCK_BYTES
    try:
        while pos < kept.size:
            data = kept.read_at(pos, min(block, kept.size - pos))
            if not data:
                break
            pos += len(data)
            h.update(data)
            yield decoder.decode(data)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise OSError(f"{doc.label}: the kept copy of the text read no longer matches it") from None
    if pos != kept.size or h.hexdigest() != doc.digest:
        raise OSError(f"{doc.label}: the kept copy of the text read no longer matches it")


def edited_chunks(doc: PortfolioDocument, new: Portfolio) -> Iterator[str]:
    """`render_text(doc, new)` a block at a time (by `render_parts` where it applies)."""
    if new is doc.portfolio:
        yield from text_chunks(doc)
        return
    parts = render_parts(doc, new)
    if parts is None:
        yield render_text(doc, new)
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    for data in part_bytes(doc, parts):
        yield decoder.decode(data)
    yield decoder.decode(b"", final=True)


# A kept document's layout by the bytes of its segments (None: not the standard one), worked out once.
_BYTE_LAYOUTS: weakref.WeakKeyDictionary[PortfolioDocument, PieceLayout | None] = weakref.WeakKeyDictionary()


def _byte_layout(doc: PortfolioDocument) -> PieceLayout | None:
    """The layout of the kept copy, read a block at a time (never the whole text), as `doc.layout` would
    give it; None where that is not the standard one."""
    if doc in _BYTE_LAYOUTS:
        return _BYTE_LAYOUTS[doc]
    kept = doc.kept
    assert kept is not None and doc.digest is not None
    try:
        lay: PieceLayout | None = lay_out_bytes(kept.read_at, kept.size, doc.digest, BLOCK_BYTES)
    except (OSError, UnicodeDecodeError):
        raise OSError(f"{doc.label}: the kept copy of the text read no longer matches it") from None
    assert lay is not None
    known = set(TOP_KEYS) | set(doc.portfolio.extra)
    projects = sum(seg.kind == "project" for seg in lay.segments)
    tables_known = all(seg.key[0] in known for seg in lay.segments if seg.kind == "table")
    if not lay.standard or projects != len(doc.portfolio.projects) or not tables_known or lay.size != kept.size:
        lay = None
    _BYTE_LAYOUTS[doc] = lay
    return lay


def _render_pieces(
    doc: PortfolioDocument,
    new: Portfolio,
    segs: Sequence[_Seg],
    pieces: list[str | Span],
    text: Callable[[str | Span], str],
    *,
    reorder: bool = True,
) -> list[str | Span] | None:
    """`pieces` (one per segment of `segs`, the document's, each its text or a `Span` that `text` reads)
    made into those of `new`; None where the layout is too unusual for that (the caller goes slow), or the
    projects were reordered and not `reorder`."""
    old = doc.portfolio
    old_h, new_h = portfolio_header_data(old), portfolio_header_data(new)
    if old_h != new_h:
        header_pieces = _render_header(doc, segs, pieces, old_h, new_h, text)
        if header_pieces is None:
            return None
        pieces = header_pieces
    project_segs = [(i, seg) for i, seg in enumerate(segs) if seg.kind == "project"]  # (the n-th: project n)
    slots: list[int] = []  # pieces that hold a project, in file order
    in_file_order: list[str] = []  # their ids
    by_id: dict[str, str | Span] = {}
    for n, (i, _seg) in enumerate(project_segs):
        before = old.projects[n]
        after = new.get(before.id)
        if after is None:  # removed, with the comments attached above it
            _remove_piece(pieces, i, text)
            continue
        if after is not before and project_to_data(after) != project_to_data(before):
            piece = text(pieces[i])
            edited = _edit_project_text(piece, before, after, doc.newline, doc.label)
            pieces[i] = edited.rstrip("\r\n") + (_trailing(piece) or _trailing(edited))
        slots.append(i)
        in_file_order.append(before.id)
        by_id[before.id] = pieces[i]
    added = [p for p in new.projects if p.id not in old]
    for p in added:
        _check_roundtrip(render.project(p), p, doc.label)
    if [p.id for p in new.projects] == in_file_order + [p.id for p in added]:
        if added:  # the usual case: new projects go after the last project
            i = slots[-1] if slots else len(pieces) - 1
            while i > 0 and not pieces[i]:
                i -= 1
            pieces[i] = _append_projects(text(pieces[i]), added, doc.newline)
        return pieces
    if not reorder:
        return None
    # The projects were reordered: write them all, in the new order, where the first one stood.
    block = ""
    for p in new.projects:
        moved = text(by_id[p.id]) if p.id in by_id else _fix_newlines(render.project(p), doc.newline)
        block = _append_block(block, moved, doc.newline) if block else moved
    first = slots[0] if slots else len(pieces) - 1
    for i in slots:
        pieces[i] = ""
    pieces[first] = block if slots else _append_block(text(pieces[first]), block, doc.newline)
    return pieces


def _remove_piece(pieces: list[str | Span], i: int, text: Callable[[str | Span], str] = str) -> None:
    """Drop piece `i`. The piece before it keeps no more blank lines at its end than the dropped one had, so
    removing a project that was added undoes the addition exactly, and a removal only ever deletes lines."""
    removed = text(pieces[i])
    pieces[i] = ""
    j = i - 1
    while j >= 0 and not pieces[j]:
        j -= 1
    if j < 0:
        return
    before = text(pieces[j])
    kept = before.rstrip("\r\n")
    kept_end, removed_end = before[len(kept) :], _trailing(removed)
    end = min(kept_end, removed_end, key=len)
    if any(pieces[i + 1 :]) and kept[kept.rfind("\n") + 1 :].lstrip().startswith("#"):
        end = kept_end  # a comment ends the piece: keep it apart from the header that now follows
    pieces[j] = kept + end


def _trailing(text: str) -> str:
    """The line endings `text` ends with (its last newline and the blank lines before it)."""
    return text[len(text.rstrip("\r\n")) :]


def _render_header(
    doc: PortfolioDocument,
    segs: Sequence[_Seg],
    pieces: list[str | Span],
    old_h: dict[str, Any],
    new_h: dict[str, Any],
    text: Callable[[str | Span], str] = str,
) -> list[str | Span] | None:
    """`pieces` with the header (everything but the projects) changed from `old_h` to `new_h`, editing only
    the segments that hold a changed key; None when the layout is too unusual (the caller goes slow)."""
    try:
        return _render_header_pieces(doc, segs, list(pieces), old_h, new_h, text)
    except Exception:  # noqa: BLE001 - tomlkit raises many kinds of errors on odd layouts: take the slow path
        return None


def _only(key: str, value: Any) -> dict[str, Any]:
    return {} if value is MISSING else {key: value}


def _render_header_pieces(
    doc: PortfolioDocument,
    segs: Sequence[_Seg],
    pieces: list[str | Span],
    old_h: dict[str, Any],
    new_h: dict[str, Any],
    text: Callable[[str | Span], str],
) -> list[str | Span] | None:
    for k in dict.fromkeys([*old_h, *new_h]):
        ov, nv = old_h.get(k, MISSING), new_h.get(k, MISSING)
        if ov == nv:
            continue
        holders = [i for i, s in enumerate(segs) if s.kind == "table" and s.key[0] == k]
        if not holders or [segs[i].key for i in holders] == [(k,)]:
            i = holders[0] if holders else 0  # a key of the preamble, or one [k] table
            pieces[i] = edit_text(text(pieces[i]), _edit_keys(_only(k, ov), _only(k, nv)), doc.newline)
            continue
        if not isinstance(ov, dict) or not isinstance(nv, dict):
            return None
        if any(len(segs[i].key) != 2 for i in holders):
            return None  # e.g. [plugins] and [plugins.x], or [plugins.x.y]
        by_name = {segs[i].key[1]: i for i in holders}
        if len(by_name) != len(holders):
            return None
        for name in dict.fromkeys([*ov, *nv]):
            osub, nsub = ov.get(name, MISSING), nv.get(name, MISSING)
            if osub == nsub:
                continue
            if name in by_name:
                i = by_name[name]
                if nsub is MISSING:
                    _remove_piece(pieces, i, text)
                else:
                    o = {k: _only(name, osub)}
                    pieces[i] = edit_text(text(pieces[i]), _edit_keys(o, {k: {name: nsub}}), doc.newline)
            else:  # a new [k.name] table, after the last of its siblings
                i = max(holders)
                table = tomlkit.document()
                apply_changes(table, {}, {k: {name: nsub}})
                pieces[i] = _append_block(text(pieces[i]), tomlkit.dumps(table), doc.newline)
    # The segments other than projects are self-contained: together they must read as the new header.
    header = [text(p) for p, s in zip(pieces, segs, strict=False) if s.kind != "project"]
    header_text = join_pieces(header, doc.newline)
    try:
        got, _ = portfolio_from_data(tomllib.loads(header_text))
    except tomllib.TOMLDecodeError:
        return None
    if portfolio_header_data(got) != new_h:
        return None
    return pieces


def _edit_keys(old: dict[str, Any], new: dict[str, Any]) -> Any:
    def edit(tdoc: Any) -> None:
        apply_changes(tdoc, old, new)

    return edit


def _render_full(doc: PortfolioDocument, new: Portfolio, old_text: str | None = None) -> str:
    """Slow path for unusual layouts: one tomlkit parse of the whole file (`old_text`: the document's text,
    when the caller has it at hand)."""
    old = doc.portfolio
    old_by_id = {p.id: p for p in old.projects}

    changed: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for pid, p in old_by_id.items():
        now = new.get(pid)
        if now is None:
            changed[pid] = (project_to_data(p), None)
        elif now is not p and project_to_data(now) != project_to_data(p):
            changed[pid] = (project_to_data(p), project_to_data(now))

    def edit(tdoc: Any) -> None:
        apply_changes(tdoc, portfolio_header_data(old), portfolio_header_data(new))
        if "projects" not in tdoc or not changed:
            return  # not even a look: tomlkit moves tables that stand away from their project when it does
        arr = tdoc["projects"]
        for i in reversed(range(len(arr))):
            pid = arr[i].get("id")
            if pid not in changed:
                continue
            before, after = changed[pid]
            if after is None:
                del arr[i]
            else:
                apply_changes(arr[i], before, after)

    text = edit_text(doc.text if old_text is None else old_text, edit, doc.newline)
    added = [p for p in new.projects if p.id not in old_by_id]
    text = _append_projects(text, added, doc.newline) if added else text
    try:
        got, _issues = portfolio_from_data(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise WriteBackError(
            f"{doc.label}: internal error: the edited file would not parse ({exc}); nothing was written"
        ) from None
    if portfolio_to_data(got) != portfolio_to_data(new):
        raise WriteBackError(
            f"{doc.label}: internal error: the file would not read back as edited; nothing was written"
        )
    return text


def _append_block(text: str, block: str, newline: str) -> str:
    """`text` with `block` after it, one blank line apart.

    A `block` without line endings at its end (new text) goes after the blank lines `text` ended with, and
    the end keeps them (or their absence: a file without a newline at its end stays so). A `block` that
    ends with its own line endings (a piece of the file, moved) keeps them, and so does `text`: moving
    pieces around changes no byte inside them, so a project put between two others is a pure insertion."""
    stripped = text.rstrip("\r\n")
    trailing = text[len(stripped) :]
    if trailing and not trailing.endswith(newline):
        trailing = newline
    fixed = _fix_newlines(block, newline)
    body = fixed.strip("\r\n")
    own_end = fixed[len(fixed.rstrip("\r\n")) :]
    if not stripped:
        return body + (own_end or newline)
    if own_end and "[[projects]]" in body:  # a project's piece: its own line endings stay
        sep = trailing if trailing.count("\n") >= 2 else newline + newline
        return stripped + sep + body + own_end
    return stripped + newline + newline + body + trailing


def _append_projects(text: str, projects: list[Project], newline: str) -> str:
    """`text` with new projects after it, in the canonical layout, one blank line apart."""
    return _append_block(text, "\n".join(render.project(p) for p in projects).rstrip("\n"), newline)
