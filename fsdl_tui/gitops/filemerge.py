"""The merge driver on the files themselves: the three versions are never held whole.

`merge_texts(..., portfolio=False)` holds the three texts, the reduced ones and the merged one at once (at
100,000 projects, about three times 380 MB). `merge_files` gives the very same result from the files:

- each version is scanned in pieces of about `PIECE_BYTES`, cut at a `[[projects]]` line where the line
  scanner (`storage.scan.layout`) finds a project segment starting (checked on the piece with that line:
  the segments of the pieces are then exactly those of the whole text); of each segment it keeps its place
  in the file and, for a project, the digest of its bytes (a table's text is kept: it is read anyway);
- the digests tell which project segments the three versions share (`unchanged.SharedProjects`, of which
  `SharedSpans` is the file counterpart: the same choices in `unchanged.Aside`), the segments that are read
  are read back from their files, and the reduced texts are merged as `merge_texts` merges them
  (`merge.merge_reduced`);
- the result is the merged reduced text with each stub replaced by the span of ours' file it stands for,
  as a sequence of parts read from ours while they are written (`storage.atomic.atomic_write`).

Whenever this cannot tell (an unusual layout, a piece that cannot be cut, a file that changed or is not a
regular file, anything `merge_texts`' fast path itself leaves to the full merge), `merge_files` answers None
and the caller merges the texts as ever.

The textconv view of a large file takes its comments and unknown keys from the same pieces
(`file_source`), so that neither the text nor the view is held.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import overload

from ..domain.codec import TOP_KEYS
from ..domain.model import Portfolio
from ..domain.schema import ID_RE
from ..storage import segment_memo
from ..storage.scan import layout
from .diff import Source, header_lines, project_lines
from .merge import merge_reduced
from .unchanged import ESCAPE_RE, MAX_HITS, PLAIN_HEADER_RE, TOKEN_PREFIX, Aside

PIECE_BYTES = 4 << 20  # a version is laid out this much at a time (about 1,000 generated projects)
BLOCK_BYTES = 8 << 20  # files are read this much at a time
_MAX_TRIES = 8  # `[[projects]]` lines tried as the end of one piece (inside a multi-line string: the next)
_MAX_TOKENS = 1000  # occurrences of the stubs' mark in the files looked at; beyond it, the texts are merged
_PROJECT_LINE_RE = re.compile(rb"^[ \t]*\[\[[ \t]*projects[ \t]*\]\]", re.MULTILINE)
_FOLLOW_RE = re.compile(re.escape(TOKEN_PREFIX) + r"[^\n]{0,24}")
_SURROGATE = ("utf-8", "surrogateescape")  # how the driver reads a version's bytes as text


class _Unsure(Exception):
    """The streamed merge cannot stand for the merge of the texts: the caller merges the texts."""


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.sha256(data).digest()


def _comments_only(text: str) -> bool:
    """Every line of `text` is a comment (what the line scanner attaches to the header below it)."""
    return all(line.lstrip().startswith("#") for line in text.splitlines())


Segments = list[tuple[str, tuple[str, ...], int, int]]  # (kind, table key, start, end) in a piece's text


@dataclass
class _Version:
    """One version's segment layout, scanned from its file: per segment its kind, its byte span and its
    identity (a project's digest, another segment's text); per project segment what `SharedProjects` looks
    for in its text."""

    fd: int
    size: int
    mtime: int
    kinds: list[str] = field(default_factory=list)
    idents: list[str | bytes] = field(default_factory=list)
    starts: array[int] = field(default_factory=lambda: array("q"))
    ends: array[int] = field(default_factory=lambda: array("q"))
    plain: bytearray = field(default_factory=bytearray)  # a project's header as `render` writes it
    escape: bytearray = field(default_factory=bytearray)  # a project's text holds an `ESCAPE_RE`
    suffix: dict[int, str] = field(default_factory=dict)  # a project's trailing line endings, by index
    standard: bool = True
    crlf: int = 0
    lf: int = 0
    blank: bool = True  # nothing but white space
    follows: list[str] = field(default_factory=list)  # what follows each `TOKEN_PREFIX` in the text

    def take(self, text: str, data: bytes, at: int, segments: Segments, first: bool) -> None:
        """The segments (kind, key, character offsets) of `text`, the piece of the file's bytes `data` at byte `at`."""
        self.crlf += data.count(b"\r\n") if b"\r" in data else 0  # (a byte is found faster than two)
        self.lf += data.count(b"\n")
        self.blank = self.blank and not text.strip()
        if TOKEN_PREFIX in text:
            self.follows += [m.group(0)[len(TOKEN_PREFIX) :] for m in _FOLLOW_RE.finditer(text)]
        if len(self.follows) > _MAX_TOKENS:
            raise _Unsure
        one_byte = len(text) == len(data)  # (each character is at least one byte)
        pos = at
        view = memoryview(data)
        for n, (kind, _, a, b) in enumerate(segments):
            seg = text[a:b]
            size = b - a if one_byte else len(seg.encode(*_SURROGATE))
            if n == 0 and not first:
                if a != b or kind != "preamble":
                    raise _Unsure  # (a piece after the first starts with its project)
                continue
            i = len(self.kinds)
            self.kinds.append(kind)
            self.starts.append(pos)
            self.ends.append(pos + size)
            if kind == "project":
                self.idents.append(_digest(view[pos - at : pos - at + size]))
                self.plain.append(PLAIN_HEADER_RE.search(seg) is not None)
                self.escape.append(ESCAPE_RE.search(seg) is not None)
                body = seg.rstrip("\r\n")
                self.suffix[i] = seg[len(body) :]
            else:
                self.idents.append(seg)
                self.plain.append(0)
                self.escape.append(0)
            pos += size

    def read(self, i: int) -> str:
        """The text of segment `i`, read back from the file (and checked against its digest)."""
        ident = self.idents[i]
        if isinstance(ident, str):
            return ident
        start, end = self.starts[i], self.ends[i]
        data = os.pread(self.fd, end - start, start)
        if len(data) != end - start or _digest(data) != ident:
            raise _Unsure  # the file changed since it was scanned
        return data.decode(*_SURROGATE)

    def unchanged(self) -> bool:
        st = os.fstat(self.fd)
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime)


def _segments(text: str) -> Segments:
    lay = layout(text)
    if not lay.standard:
        raise _Unsure
    return [(s.kind, s.key, s.offset, s.end_offset) for s in lay.segments]


def _pieces(fd: int) -> Iterator[tuple[str, bytes, int, Segments]]:
    """The file open at `fd` in pieces of whole segments: (text, bytes, byte offset, its segments), the
    segments exactly those of the whole text (a piece after the first starts with its first project, after
    an empty preamble); `_Unsure` when they might not be."""
    buf, at, eof = b"", 0, False

    def more() -> None:
        nonlocal buf, eof
        block = os.pread(fd, BLOCK_BYTES, at + len(buf))
        eof = not block
        buf += block

    while True:
        while len(buf) < PIECE_BYTES and not eof:
            more()
        search, tries, cut = PIECE_BYTES, 0, -1
        while cut < 0:
            m = _PROJECT_LINE_RE.search(buf, min(search, len(buf)))
            if m is None:
                if eof:
                    break
                search = max(search, buf.rfind(b"\n") + 1)  # (a header line is found at its start)
                more()
                continue
            line_end = buf.find(b"\n", m.end())
            if line_end < 0 and not eof:
                more()
                continue
            piece = buf if line_end < 0 else buf[: line_end + 1]
            text = piece.decode(*_SURROGATE)
            segments = _segments(text)
            kind, _, start, _ = segments[-1]
            header = m.start() if len(text) == len(piece) else len(buf[: m.start()].decode(*_SURROGATE))
            # The line scanner found this line as a project's header (its segment starts at it, or at the
            # comments right above it): outside any string, so the rest lays out on its own as in the whole.
            if kind == "project" and start > 0 and _comments_only(text[start:header]):
                cut = len(text[:start].encode(*_SURROGATE)) if len(text) != len(piece) else start
                yield text[:start], buf[:cut], at, segments[:-1]
                break
            tries += 1
            if tries > _MAX_TRIES:
                raise _Unsure
            search = m.end()
        if cut < 0:  # the rest of the file is the last piece
            text = buf.decode(*_SURROGATE)
            yield text, buf, at, _segments(text)
            return
        buf, at = buf[cut:], at + cut


def _scan(fd: int) -> _Version:
    """The layout of the file open at `fd`, a piece at a time."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise _Unsure
    version = _Version(fd, st.st_size, st.st_mtime_ns)
    for text, data, at, segments in _pieces(fd):
        version.take(text, data, at, segments, at == 0)
    return version


def _file_segments(fd: int) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """The segments of the file open at `fd`: (kind, table key, text)."""
    for text, _, at, segments in _pieces(fd):
        for n, (kind, key, a, b) in enumerate(segments):
            if n == 0 and at > 0:
                if a != b:
                    raise _Unsure  # pragma: no cover - (a piece after the first starts with its project)
                continue
            yield kind, key, text[a:b]


def file_source(path: str | os.PathLike[str], portfolio: Portfolio) -> Source | None:
    """What `show_lines` shows of the file's text (comments, unknown keys) as `show_text` shows it from
    the document read from `path` (whose portfolio is `portfolio`), read from the file a piece at a time:
    the header's lines now, each project's as it is shown. None when the view of the whole text must be
    made (an unusual layout, anything unsure). A file that changes while it is shown is an OSError."""
    known = set(TOP_KEYS) | set(portfolio.extra)  # (the top-level keys the document's layout checks)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Unsure
        header: list[str] = []
        digests = []
        for kind, key, text in _file_segments(fd):
            if kind == "project":
                digests.append(_digest(text.encode(*_SURROGATE)))
            else:
                if kind == "table" and key[0] not in known:
                    raise _Unsure
                header.append(text)
        if len(digests) != len(portfolio.projects):
            raise _Unsure
        lines = header_lines("".join(header), portfolio)
    except (OSError, _Unsure):
        os.close(fd)
        return None
    if not digests:
        os.close(fd)
        return lines, lambda: iter([])

    def projects() -> Iterator[list[str]]:
        try:
            found = (text for kind, _, text in _file_segments(fd) if kind == "project")
            for p, digest, text in zip(portfolio.projects, digests, found, strict=False):
                if _digest(text.encode(*_SURROGATE)) != digest:
                    raise OSError(f"{os.fspath(path)}: changed while it was shown")
                yield project_lines(text, p)
        except _Unsure:
            raise OSError(f"{os.fspath(path)}: changed while it was shown") from None
        finally:
            os.close(fd)

    return lines, projects


class SharedSpans(Aside[str | bytes]):
    """`SharedProjects` of three versions scanned from their files (base, ours, theirs): the same shared
    segments, the same ones read, the same reduced texts; the result is given as parts of a file."""

    def __init__(self, versions: Sequence[_Version], labels: Iterable[str] = ()) -> None:
        self._versions = list(versions)
        self.standard = all(v.standard for v in versions)
        follows = [f for v in versions for f in v.follows]
        others = list(labels)

        def contains(token: str) -> bool:
            rest = token[len(TOKEN_PREFIX) :]
            return any(f.startswith(rest) for f in follows) or any(token in t for t in others)

        self._share([list(zip(v.kinds, v.idents, strict=True)) for v in versions], contains)
        # the line ending most lines have, as `PortfolioDocument.newline` finds it in the whole text
        self.newlines = ["\r\n" if v.crlf and v.crlf * 2 >= v.lf else "\n" for v in versions]
        ours = self._ours = versions[1]
        self._projects = [i for i, kind in enumerate(ours.kinds) if kind == "project"]
        self._pstarts = array("q", (ours.starts[i] for i in self._projects))
        self._index = {ours.idents[i]: i for i in self._projects}
        self._elsewhere = {  # the project segments not shared (few, when the merge is worth it): where one is
            ident: (v, i)
            for v, version in enumerate(versions)
            for i, ident in enumerate(version.idents)
            if version.kinds[i] == "project" and ident not in self.shared
        }
        self.read = {
            ours.idents[i]
            for i in self._projects
            if ours.idents[i] in self.shared and (not ours.plain[i] or ours.escape[i])
        }
        self._texts: dict[str | bytes, str] = {}
        self._spans: list[tuple[int, int]] = []

    def _text(self, ident: str | bytes) -> str:
        if isinstance(ident, str):
            return ident
        text = self._texts.get(ident)
        if text is None:
            text = self._locate(ident)
            self._texts[ident] = text
        return text

    def _locate(self, ident: bytes) -> str:
        if ident in self.shared:
            return self._ours.read(self._index[ident])
        v, i = self._elsewhere[ident]
        return self._versions[v].read(i)

    def _holder(self, pos: int) -> bytes | str | None:
        """The shared segment (of ours) that holds byte `pos` of ours' file, if any."""
        k = bisect_right(self._pstarts, pos) - 1
        if k < 0:
            return None
        i = self._projects[k]
        if pos >= self._ours.ends[i]:
            return None
        ident = self._ours.idents[i]
        return ident if ident in self.shared else None

    def mark(self, ids: Iterable[str]) -> int | None:
        before = len(self.read)
        needles = [pid.encode("ascii") for pid in ids if ID_RE.match(pid)]
        if not needles:
            return 0
        hits = dict.fromkeys(needles, 0)
        # An id is a slug: it never holds a line ending, so it is found within the lines of a block as in
        # the whole text, and at the same place (a slug's bytes are its characters).
        for at, block in _blocks(self._ours.fd):
            for needle in needles:
                pos = block.find(needle)
                while pos >= 0:
                    hits[needle] += 1
                    if hits[needle] > MAX_HITS:
                        return None
                    holder = self._holder(at + pos)
                    if holder is not None:
                        self.read.add(holder)
                    pos = block.find(needle, pos + len(needle))
        return len(self.read) - before

    def _run_texts(self, runs: list[list[str | bytes]]) -> list[str]:
        ours = self._ours
        self._spans = []
        ends = []
        for run in runs:
            first, last = self._index[run[0]], self._index[run[-1]]
            end = ours.suffix[last]
            self._spans.append((ours.starts[first], ours.ends[last] - len(end.encode(*_SURROGATE))))
            ends.append(end)
        return ends

    def parts(self, text: str) -> _Parts | None:
        """The bytes of `text` (a merge of the reduced versions) with each stub replaced by the span of ours'
        file it stands for; None when `restore` would refuse the text."""
        found = self.stubs_in(text)
        if found is None:
            return None
        out: list[bytes | tuple[int, int]] = []
        at = 0
        for start, end, k in found:
            out.append(text[at:start].encode(*_SURROGATE))
            a, b = self._spans[k]
            out += [(p, min(p + BLOCK_BYTES, b)) for p in range(a, b, BLOCK_BYTES)]
            at = end
        out.append(text[at:].encode(*_SURROGATE))
        return _Parts(self._ours.fd, [p for p in out if p])


def _blocks(fd: int) -> Iterator[tuple[int, bytes]]:
    """The file open at `fd` in blocks of whole lines (the last may end without one): (offset, bytes)."""
    at, carry = 0, b""
    while True:
        block = os.pread(fd, BLOCK_BYTES, at + len(carry))
        if not block:
            if carry:
                yield at, carry
            return
        data = carry + block
        cut = data.rfind(b"\n") + 1
        if cut:
            yield at, data[:cut]
        at, carry = at + cut, data[cut:]


class _Parts(Sequence[bytes]):
    """The result's parts: bytes, or spans of ours' file read when they are asked for (one at a time)."""

    def __init__(self, fd: int, parts: list[bytes | tuple[int, int]]) -> None:
        self._fd = fd
        self._parts = parts

    def __len__(self) -> int:
        return len(self._parts)

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[bytes]: ...
    def __getitem__(self, i: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        part = self._parts[i]
        if isinstance(part, bytes):
            return part
        a, b = part
        data = os.pread(self._fd, b - a, a)
        if len(data) != b - a:
            raise OSError(f"ours was cut short while the merge was written ({len(data)} of {b - a} bytes)")
        return data


@dataclass
class FileMerge:
    """The merge of three files: `parts` (of ours' file, read while they are written: use them within the
    `with` block, which closes the files), the conflicts, and whether it is clean."""

    parts: _Parts
    conflicts: list[str]
    clean: bool
    _fds: list[int]

    def __enter__(self) -> FileMerge:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        _close(self._fds)


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def merge_files(
    base: str | os.PathLike[str],
    ours: str | os.PathLike[str],
    theirs: str | os.PathLike[str],
    marker_size: int = 7,
    *,
    path: str = "portfolio",
    labels: tuple[str, str] = ("ours", "theirs"),
) -> FileMerge | None:
    """`merge_texts(BASE, OURS, THEIRS, marker_size, path=path, labels=labels, portfolio=False)` of the
    three files' texts (read as UTF-8, any other bytes kept as they are), without holding them: the same
    bytes, conflicts and cleanness; or None when only the merge of the texts can tell."""
    fds: list[int] = []
    try:
        for name in (base, ours, theirs):
            fds.append(os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)))
        result = _merge(fds, marker_size, path, labels)
    except (OSError, _Unsure, UnicodeError):
        result = None
    except Exception:  # noqa: BLE001 - whatever this path did not foresee, the merge of the texts decides
        result = None
    if result is None:
        _close(fds)
    return result


def _merge(fds: list[int], marker_size: int, path: str, labels: tuple[str, str]) -> FileMerge | None:
    versions = [_scan(fd) for fd in fds]
    if versions[0].blank:
        return None  # no common ancestor: the texts are merged
    shared = SharedSpans(versions, labels)
    if not shared.standard or not shared.shared or not shared.close():
        return None
    with segment_memo():
        merged = merge_reduced(shared.reduced(), shared.newlines, marker_size, path, labels)
    if merged is None:
        return None
    text, conflicts = merged
    parts = shared.parts(text)
    if parts is None or not all(v.unchanged() for v in versions):
        return None
    return FileMerge(parts, conflicts, not conflicts, fds)
