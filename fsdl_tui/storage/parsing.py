"""Parsing a portfolio's text to plain data: project segment by project segment with a fast parser (and a
memo of segments across versions of one file), or whole with `tomllib`, the reference.

The data is exactly what `tomllib.loads` of the whole text gives (tests/test_cache.py compares them); any
text the segments might not read as the whole would is parsed whole, so every problem is reported as it was.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import tomllib
from collections.abc import Iterable, Iterator
from typing import Any

from ..domain.model import Project
from . import limits
from .scan import join_pieces, layout

try:  # a TOML 1.0 parser in Rust, about ten times as fast as tomllib; tomllib is the reference and the fallback
    import toml_rs as _fast
except ImportError:  # pragma: no cover - a declared dependency; without it everything still works, slower
    _fast = None  # type: ignore[assignment]

# The data of the project segments parsed in a `segment_memo` block, by segment text.
_SEGMENT_MEMO: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("segment_memo", default=None)
# Beside it, the projects built from the memo's tables (see `portfolio_from_data`'s `built`).
_BUILT_MEMO: contextvars.ContextVar[dict[int, tuple[Any, Project]] | None] = contextvars.ContextVar(
    "built_memo", default=None
)


@contextlib.contextmanager
def segment_memo() -> Iterator[None]:
    """Within the block, `loads` and `load` parse a file project by project and reuse the data of a project
    segment whose exact text they parsed before: versions of one file (git's base, ours and theirs, or the
    commits `log` walks) share most of their projects, so each is parsed once. The first file may come from
    the cache of parsed files (its projects then go into the memo, `remember_segments`); once the memo holds
    a version, the others are read by segment, not from the cache. Blocks nest; the memo is dropped at the
    end of the outermost."""
    if _SEGMENT_MEMO.get() is not None:
        yield
        return
    token, built = _SEGMENT_MEMO.set({}), _BUILT_MEMO.set({})
    try:
        yield
    finally:
        _BUILT_MEMO.reset(built)
        _SEGMENT_MEMO.reset(token)


# The fast parser recurses on nesting and crashes the process when it is thousands deep (measured: fine at
# 3,000, a crash at 10,000): a piece with more brackets than this, which bounds its nesting, goes to tomllib.
_FAST_MAX_BRACKETS = 1000


def parse_piece(piece: str) -> dict[str, Any]:
    """`tomllib.loads(piece)`, by the fast parser where that is safe. It reads TOML 1.0 as tomllib does
    (tests/test_cache.py compares them); any error it raises is left to tomllib to word."""
    if _fast is None or piece.count("[") + piece.count("{") > _FAST_MAX_BRACKETS or "\ufeff" in piece:
        return tomllib.loads(piece)
    try:
        return _fast.loads(piece, toml_version="1.0.0")
    except Exception:  # noqa: BLE001 - the fast parser's errors: tomllib gives the exact message and position
        return tomllib.loads(piece)


def parse_text(text: str, *, by_segment: bool = True) -> tuple[dict[str, Any], bool]:
    """`tomllib.loads(text)`, project segment by project segment (reusing those of a `segment_memo`), and
    whether the values were checked against the limits already. Any file the segments do not read exactly
    as a whole (an unusual layout, an error or a value beyond the limits anywhere) is parsed whole by
    tomllib, so every problem is reported as it was."""
    memo = _SEGMENT_MEMO.get()
    data = _parse_by_segment(text) if by_segment and (_fast is not None or memo is not None) else None
    return (data, True) if data is not None else (tomllib.loads(text), False)


def _parse_by_segment(text: str) -> dict[str, Any] | None:
    """The data of `text` read segment by segment (reusing and filling the current `segment_memo`, if any,
    by segment text), or None where that might not read as the whole would."""
    lay = layout(text)
    if not lay.standard:
        return None
    before: list[str] = []  # the pieces of the header before the first project, and after it
    after: list[str] = []
    projects: list[Any] = []
    try:
        for seg in lay.segments:
            piece = lay.segment_text(seg)
            if seg.kind != "project":
                (after if projects else before).append(piece)
                continue
            projects.append(project_table(piece))  # (limits checked once, when first parsed)
        header = header_table(before + after)
        first = header_table(before) if projects and after else header
    except NotBySegment:
        return None
    if not projects:
        return header
    # The order tomllib gives: keys first defined before the first project, the projects, then the rest.
    data = {k: v for k, v in header.items() if k in first}
    data["projects"] = projects
    data.update((k, v) for k, v in header.items() if k not in first)
    return data


class NotBySegment(Exception):
    """A project segment that does not read as it would in the whole file: parse the whole file instead."""


def split_for_streaming(text: str) -> tuple[dict[str, Any], int, Iterator[str]] | None:
    """For building a portfolio one project at a time: the parsed header (every table but the projects),
    the number of project segments and their texts (made one at a time), or None where reading segment by
    segment might not read as the whole file would (then parse the whole)."""
    if _fast is None and _SEGMENT_MEMO.get() is None:
        return None
    lay = layout(text)
    if not lay.standard:
        return None
    before: list[str] = []
    after: list[str] = []
    project_segments = []
    for seg in lay.segments:
        if seg.kind == "project":
            project_segments.append(seg)
        else:
            (after if project_segments else before).append(lay.segment_text(seg))
    try:
        header = header_table(before + after)
    except NotBySegment:
        return None
    return header, len(project_segments), (lay.segment_text(seg) for seg in project_segments)


def tables_of_pieces(pieces: Iterable[str], shared: SharedProjects | None = None) -> Iterator[dict[str, Any]]:
    """For building a portfolio one project at a time from a file read in pieces, each cut at the start of a
    `[[projects]]` header line: first the header's table (every table before the first project), then each
    project's table, one at a time, parsed as `_parse_by_segment` parses them. Raises NotBySegment where
    that might not read as the whole file would: an unusual layout (a cut inside a multi-line string), a
    table after the first project (the header would not be whole before the projects), a piece that does
    not parse on its own or holds a value beyond the limits. With `shared`, each project's table is the
    empty one standing for it there (`SharedProjects.table`)."""
    before: list[str] = []
    started = False
    for text in pieces:
        lay = layout(text)
        if not lay.standard:
            raise NotBySegment
        for seg in lay.segments:
            piece = lay.segment_text(seg)
            if seg.kind != "project":
                if started and piece:  # (each piece but the first starts with an empty preamble)
                    raise NotBySegment
                before.append(piece)
                continue
            if not started:
                started = True
                yield header_table(before)
            yield project_table(piece) if shared is None else shared.table(piece)
    if not started:
        yield header_table(before)


def header_table(pieces: list[str]) -> dict[str, Any]:
    """The data of the header's pieces (every segment but the projects'). Raises NotBySegment where they
    do not read as they would in the whole file."""
    try:
        header = parse_piece(join_pieces(pieces, "\n"))
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        raise NotBySegment from None
    if "projects" in header or limits.value_issues(header):
        raise NotBySegment
    return header


def project_table(piece: str) -> dict[str, Any]:
    """The table of the one project in a project segment's text (from, or into, the current
    `segment_memo`). Raises NotBySegment where the piece does not read as it would in the whole file."""
    memo = _SEGMENT_MEMO.get()
    got: dict[str, Any] | None = memo.get(piece) if memo is not None else None
    if got is None:
        try:
            parsed = parse_piece(piece)
        except (tomllib.TOMLDecodeError, RecursionError, ValueError):
            raise NotBySegment from None
        if list(parsed) != ["projects"] or len(parsed["projects"]) != 1 or limits.value_issues(parsed):
            raise NotBySegment
        got = parsed["projects"][0]
        if not isinstance(got, dict):
            raise NotBySegment
        if memo is not None:
            memo[piece] = got
    return got


class SharedProjects:
    """Projects built from their segments' texts, by the text's digest, for the versions of a file read
    read-only in one `shared_projects` block (`diff OLD NEW` of large files): a project whose segment is the
    same in both is built once, and the versions share it (as `segment_memo` shares them, without holding
    the texts or the tables). `tables_of_pieces` yields an empty table standing for each project, which
    `built` lends to `portfolio_from_data`."""

    def __init__(self) -> None:
        self.stand_ins: dict[bytes, dict[str, Any]] = {}
        self.built: dict[int, tuple[Any, Project]] = {}

    def table(self, piece: str) -> dict[str, Any]:
        key = hashlib.blake2b(piece.encode("utf-8"), digest_size=20).digest()
        stand_in = self.stand_ins.get(key)
        if stand_in is None:
            from ..domain.codec import project_from_data

            project, issues = project_from_data(project_table(piece))
            if issues or project is None:  # (`load` words the problems)
                raise NotBySegment
            stand_in = self.stand_ins[key] = {}
            self.built[id(stand_in)] = (stand_in, project)
        return stand_in


_SHARED: contextvars.ContextVar[SharedProjects | None] = contextvars.ContextVar("shared_projects", default=None)


@contextlib.contextmanager
def shared_projects() -> Iterator[SharedProjects]:
    """Within the block, `load_read_only` (without warnings) builds each project segment's text once."""
    shared = SharedProjects()
    token = _SHARED.set(shared)
    try:
        yield shared
    finally:
        _SHARED.reset(token)


def shared_projects_now() -> SharedProjects | None:
    """The current `shared_projects` block's memo, or None."""
    return _SHARED.get()


def in_segment_memo() -> bool:
    """Whether a `segment_memo` block is open."""
    return _SEGMENT_MEMO.get() is not None


def memo_holds_a_version() -> bool:
    """Whether the current `segment_memo` already holds the segments of a version of the file."""
    return bool(_SEGMENT_MEMO.get())


def remember_segments(text: str, items: list[Any]) -> None:
    """Put the projects of a file read from the cache (each a table, or a `Project` built already) in the
    current segment memo (if any), by their segment's text, as `_parse_by_segment` would have. A built
    project's segment gets an empty table of its own, which the built memo maps to the project: only
    `portfolio_from_data` reads such a table, and takes the project (a plain project, which has no
    warning to give, as the empty table has none)."""
    memo, built = _SEGMENT_MEMO.get(), _BUILT_MEMO.get()
    if memo is None or built is None:
        return
    lay = layout(text)
    segs = [s for s in lay.segments if s.kind == "project"]
    if lay.standard and len(items) == len(segs):
        for seg, item in zip(segs, items, strict=True):
            if isinstance(item, Project):
                table: dict[str, Any] = {}
                if memo.setdefault(lay.segment_text(seg), table) is table:
                    built[id(table)] = (table, item)
            else:
                memo.setdefault(lay.segment_text(seg), item)


def built_memo() -> dict[int, tuple[Any, Project]] | None:
    """The projects built from the current `segment_memo`'s tables (None outside a block), for
    `portfolio_from_data`'s `built`."""
    return _BUILT_MEMO.get()
