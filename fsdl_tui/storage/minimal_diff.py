"""The minimal-diff writer: the text of an edited portfolio, changing only what differs from the document
it was read as.

The file is cut into segments (`scan.layout`: the preamble, each `[[projects]]` entry, each other table).
Untouched segments are copied byte for byte; a changed project, or a header segment holding a changed key,
goes alone through the tomlkit pass (`tomlkit_edit.py`); new projects are appended in the canonical layout
(`render.py`). Every edited piece is read back and compared with what was asked before it is used. A file
laid out too unusually for segments goes through one tomlkit pass of the whole text (`_render_full`).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import tomlkit

from ..domain.codec import (
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
from .scan import Layout, header_match, join_pieces, lines_with_offsets
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
    pieces = [lay.segment_text(seg) for seg in lay.segments]
    old_h, new_h = portfolio_header_data(old), portfolio_header_data(new)
    if old_h != new_h:
        header_pieces = _render_header(doc, lay, pieces, old_h, new_h)
        if header_pieces is None:
            return _render_full(doc, new, lay.text)
        pieces = header_pieces
    slots: list[int] = []  # pieces that hold a project, in file order
    by_id: dict[str, str] = {}
    for i, seg in enumerate(lay.segments):
        if seg.kind != "project":
            continue
        before = old.projects[seg.project_index]
        after = new.get(before.id)
        if after is None:  # removed, with the comments attached above it
            _remove_piece(pieces, i)
            continue
        if after is not before and project_to_data(after) != project_to_data(before):
            edited = _edit_project_text(pieces[i], before, after, doc.newline, doc.label)
            pieces[i] = edited.rstrip("\r\n") + (_trailing(pieces[i]) or _trailing(edited))
        slots.append(i)
        by_id[before.id] = pieces[i]
    added = [p for p in new.projects if p.id not in old]
    for p in added:
        _check_roundtrip(render.project(p), p, doc.label)
    in_file_order = [old.projects[lay.segments[i].project_index].id for i in slots]
    if [p.id for p in new.projects] == in_file_order + [p.id for p in added]:
        if added:  # the usual case: new projects go after the last project
            i = slots[-1] if slots else len(pieces) - 1
            while i > 0 and not pieces[i]:
                i -= 1
            pieces[i] = _append_projects(pieces[i], added, doc.newline)
    else:  # the projects were reordered: write them all, in the new order, where the first one stood
        block = ""
        for p in new.projects:
            text = by_id[p.id] if p.id in by_id else _fix_newlines(render.project(p), doc.newline)
            block = _append_block(block, text, doc.newline) if block else text
        first = slots[0] if slots else len(pieces) - 1
        for i in slots:
            pieces[i] = ""
        pieces[first] = block if slots else _append_block(pieces[first], block, doc.newline)
    return join_pieces(pieces, doc.newline)


def _remove_piece(pieces: list[str], i: int) -> None:
    """Drop piece `i`. The piece before it keeps no more blank lines at its end than the dropped one had, so
    removing a project that was added undoes the addition exactly, and a removal only ever deletes lines."""
    removed = pieces[i]
    pieces[i] = ""
    j = i - 1
    while j >= 0 and not pieces[j]:
        j -= 1
    if j < 0:
        return
    kept = pieces[j].rstrip("\r\n")
    kept_end, removed_end = pieces[j][len(kept) :], _trailing(removed)
    end = min(kept_end, removed_end, key=len)
    if any(pieces[i + 1 :]) and kept[kept.rfind("\n") + 1 :].lstrip().startswith("#"):
        end = kept_end  # a comment ends the piece: keep it apart from the header that now follows
    pieces[j] = kept + end


def _trailing(text: str) -> str:
    """The line endings `text` ends with (its last newline and the blank lines before it)."""
    return text[len(text.rstrip("\r\n")) :]


def _render_header(
    doc: PortfolioDocument, lay: Layout, pieces: list[str], old_h: dict[str, Any], new_h: dict[str, Any]
) -> list[str] | None:
    """`pieces` with the header (everything but the projects) changed from `old_h` to `new_h`, editing only
    the segments that hold a changed key; None when the layout is too unusual (the caller goes slow)."""
    try:
        return _render_header_pieces(doc, lay, list(pieces), old_h, new_h)
    except Exception:  # noqa: BLE001 - tomlkit raises many kinds of errors on odd layouts: take the slow path
        return None


def _only(key: str, value: Any) -> dict[str, Any]:
    return {} if value is MISSING else {key: value}


def _render_header_pieces(
    doc: PortfolioDocument, lay: Layout, pieces: list[str], old_h: dict[str, Any], new_h: dict[str, Any]
) -> list[str] | None:
    segs = lay.segments
    for k in dict.fromkeys([*old_h, *new_h]):
        ov, nv = old_h.get(k, MISSING), new_h.get(k, MISSING)
        if ov == nv:
            continue
        holders = [i for i, s in enumerate(segs) if s.kind == "table" and s.key[0] == k]
        if not holders or [segs[i].key for i in holders] == [(k,)]:
            i = holders[0] if holders else 0  # a key of the preamble, or one [k] table
            pieces[i] = edit_text(pieces[i], _edit_keys(_only(k, ov), _only(k, nv)), doc.newline)
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
                    _remove_piece(pieces, i)
                else:
                    o = {k: _only(name, osub)}
                    pieces[i] = edit_text(pieces[i], _edit_keys(o, {k: {name: nsub}}), doc.newline)
            else:  # a new [k.name] table, after the last of its siblings
                i = max(holders)
                table = tomlkit.document()
                apply_changes(table, {}, {k: {name: nsub}})
                pieces[i] = _append_block(pieces[i], tomlkit.dumps(table), doc.newline)
    # The segments other than projects are self-contained: together they must read as the new header.
    header_text = join_pieces([p for p, s in zip(pieces, segs, strict=False) if s.kind != "project"], doc.newline)
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
