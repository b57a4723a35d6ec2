"""Reading a portfolio file in pieces, so the first projects can be shown before the whole file is parsed.

`StreamLoad(path)` is an iterator of `Chunk`s: the portfolio's own fields (the tables before the first
project) and the projects of the next piece of the file, built and validated, in file order. When it is
exhausted, `document` is the same `PortfolioDocument` that `storage.load(path)` gives (the same text, digest,
model and cache entry); anything it would reject is rejected with the same `FILE:LINE:COL` problems, found
as late as the piece that holds them:

- the file is cut at `[[projects]]` header lines into pieces of about `piece_bytes`; each piece is split into
  segments by the line scanner (`scan.layout`) and each project segment parsed on its own, as
  `storage.load` parses a file by segment;
- whenever that might not read as the whole file does (an unusual layout, a cut inside a multi-line string,
  a syntax error, a value beyond the limits, a project the model refuses, a byte-order mark, conflict
  markers, bytes that are not UTF-8, a file that cannot be read), the rest is left to `storage.load`, which
  reads the whole file again and raises exactly its problems (or, for a valid but unusual layout, returns the
  document, which then comes as one last chunk);
- with a cache entry for the file's bytes (`cache.py`), every project comes from it at once, in one chunk
  after the first piece's (the first piece is read before the whole file is hashed);
- the first piece is read from the file's first bytes alone (`HEAD_BYTES`), so a large file shows rows
  before it is read whole; the whole file is read after that piece, and a file whose text no longer starts
  with it (changed meanwhile) is read again by `storage.load`.

A chunk with `restart` holds every project (a cache hit, or the whole file read by `storage.load` after
pieces were shown): it replaces what came before. `document` is set before the last chunk is handed out.
`gate(n)` is called before piece `n` is read (tests hold the load there); `cancelled()` stops it between
pieces (then `document` stays None).
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.codec import portfolio_from_data, project_from_data
from ..domain.model import Portfolio, Project
from . import cache
from .atomic import digest, read_file

# The per-piece parse (toml-rs where it is safe, else tomllib) and the pause of the cyclic collector while
# the model is built: the very same as `storage.load`'s, so a piece reads as it does there.
from .document import KeptBytes, PortfolioDocument, held_in_memory
from .limits import max_file_bytes
from .loading import cache_parsed, collector_paused, load
from .lock import tidy
from .parsing import NotBySegment, header_table, project_table
from .scan import layout

PIECE_BYTES = 1 << 20  # about 280 generated projects
FIRST_PIECE_BYTES = 128 << 10  # the first screenful of rows comes quickly
HEAD_BYTES = 4  # times the first piece: the first bytes read on their own, which must hold the first piece
BLOCK_BYTES = 4 << 20  # the whole file is read (and the rest of its text cut into pieces) this much at a time
_PROJECT_HEADER_RE = re.compile(r"^[ \t]*\[\[[ \t]*projects[ \t]*\]\]", re.MULTILINE)


@dataclass(frozen=True)
class Chunk:
    """One step of a progressive load."""

    header: Portfolio  # the portfolio's own fields and settings, without projects
    projects: tuple[Project, ...]  # the projects of this piece, in file order
    done: int  # projects read so far (this chunk's included)
    expected: int  # projects in the file, as counted by their `[[projects]]` lines (an estimate)
    restart: bool = False  # True: these are all the projects; forget those of the chunks before


_Fallback = NotBySegment  # the pieces might not read as the whole file: `storage.load` decides


class _Text:
    """The text the pieces are cut from: all of it, or (`more`) the rest read on block by block, holding only
    the text from the current piece on. Positions are in characters from the start of the file."""

    def __init__(self, text: str, base: int = 0, more: Callable[[], bytes] | None = None) -> None:
        self.buf, self.base, self._more = text, base, more
        self.pos = base
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.eof = more is None

    def _read(self) -> None:
        assert self._more is not None
        block = self._more()
        try:
            self.buf += self._decoder.decode(block, final=not block)
        except UnicodeDecodeError:
            raise _Fallback from None
        self.eof = not block

    def has(self, pos: int) -> bool:
        """Whether there is text at `pos`, from where the next piece is cut. Read on block by block, the text
        before it is let go; all of it, it is kept (cutting it there would copy the rest for every piece)."""
        if self._more is None:
            self.pos = pos
            return pos < len(self.buf)
        if pos > self.base:
            self.buf, self.base = self.buf[pos - self.base :], pos
        while not self.buf and not self.eof:
            self._read()
        self.pos = pos
        return bool(self.buf)

    def cut(self, want: int) -> str:
        """The piece from the current position: up to the first `[[projects]]` line at least `want`
        characters on, or to the end (as a search of the whole text from there finds it)."""
        at = self.pos - self.base
        start = at + want
        while True:
            if at + want < len(self.buf):
                m = _PROJECT_HEADER_RE.search(self.buf, start)
                if m is not None:
                    return self.buf[at : m.start()]
            if self.eof:
                return self.buf[at:]
            # A header line is found at its start: search the new text from the last line start on.
            start = max(at + want, self.buf.rfind("\n") + 1)
            self._read()


@dataclass
class _Whole:
    """What reading the whole file found (`StreamLoad._read_whole`)."""

    kept: KeptBytes
    sha: str
    size: int
    expected: int  # `[[projects]]` in it
    unusual: bool  # a byte-order mark, conflict markers, or not the first bytes that were shown


def _stand_ins(entries: list[dict[str, Any]], built: dict[int, tuple[Any, Project]]) -> list[dict[str, Any]]:
    """Empty tables standing for the projects' `entries`, lending the same projects in `built`."""
    out: list[dict[str, Any]] = []
    for entry in entries:
        stand_in: dict[str, Any] = {}
        built[id(stand_in)] = (stand_in, built.pop(id(entry))[1])
        out.append(stand_in)
    return out


class StreamLoad:
    """Iterate for the chunks; then `document` is the loaded document. Raises what `storage.load` raises."""

    def __init__(
        self,
        path: str | Path,
        *,
        piece_bytes: int = PIECE_BYTES,
        first_piece_bytes: int = FIRST_PIECE_BYTES,
        gate: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        self.path = Path(path)
        self.piece_bytes = max(piece_bytes, 1)
        self.first_piece_bytes = max(first_piece_bytes, 1)
        self.gate = gate
        self.cancelled = cancelled
        self.document: PortfolioDocument | None = None
        self.from_cache = False
        # More than two first pieces: the rest takes a while after the first rows (a smaller file is read in a
        # few milliseconds). Known once the iteration started.
        self.large = False

    def __iter__(self) -> Iterator[Chunk]:
        head = self._head()
        if head is not None:  # the first piece from the first bytes; the whole file after it
            text, data = head, b""
        else:
            try:
                text, data = self._read()
            except _Fallback:
                yield from self._whole()  # raises the message `load` gives
                return
        try:
            yield from self._pieces(text, data, head is not None)  # (the bytes: hashed after the first piece)
        except _Fallback:
            yield from self._whole()

    def _read(self) -> tuple[str, bytes]:
        """The whole file's text and bytes; `_Fallback` for anything `storage.load` reports (it says how)."""
        try:
            data = read_file(self.path)
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise _Fallback from None
        if text.startswith("\ufeff") or "<<<<<<<" in text or ">>>>>>>" in text:
            raise _Fallback
        return text, data

    def _open(self) -> int:
        """The file opened for reading, checked as `read_file` checks it (a regular file within the limit)."""
        st = os.stat(self.path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_file_bytes():
            raise _Fallback
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise _Fallback
        return fd

    def _read_whole(self, shown: bytes) -> _Whole:
        """The whole file, read block by block into the document's own copy of its bytes (`KeptBytes`) and
        hashed on the way, never held in memory whole: the rest of the text is cut from that copy, so it is
        the text of the very bytes hashed. `shown`: the first bytes the first piece came from."""
        try:
            fd = self._open()
        except OSError:
            raise _Fallback from None
        kept = None
        try:
            kept = KeptBytes()
            h = hashlib.sha256()
            limit = max_file_bytes()
            tail, first = b"", b""
            expected, unusual = 0, False
            while block := os.read(fd, BLOCK_BYTES):
                h.update(block)
                kept.write(block)
                if len(first) < len(shown):
                    first += block[: len(shown) - len(first)]
                window = tail + block
                expected += window.count(b"[[projects]]") - tail.count(b"[[projects]]")
                unusual = unusual or b"<<<<<<<" in window or b">>>>>>>" in window
                tail = window[-16:]
                if kept.size > limit:  # it grew while being read
                    raise _Fallback
        except OSError:
            if kept is not None:
                kept.close()
            raise _Fallback from None
        finally:
            os.close(fd)
        unusual = unusual or first != shown or first.startswith(codecs.BOM_UTF8)
        return _Whole(kept, h.hexdigest(), kept.size, expected, unusual)

    def _head(self) -> str | None:
        """The text of the file's first piece, read from its first bytes alone; None when they do not hold a
        whole first piece as the whole file's text cuts it (or anything is unusual: the whole file is read)."""
        want = self.first_piece_bytes
        try:
            st = os.stat(self.path)
            self.large = stat.S_ISREG(st.st_mode) and st.st_size > 2 * want
            if not self.large or st.st_size > max_file_bytes():
                return None
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            raw = os.read(fd, HEAD_BYTES * want)
        except OSError:
            return None
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
        try:  # up to the last newline: no character is cut, and no `[[projects]]` line is cut either
            text = raw[: raw.rindex(b"\n") + 1].decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        if text.startswith("\ufeff") or "<<<<<<<" in text or ">>>>>>>" in text:
            return None
        # The first `[[projects]]` line at or after `want` characters in, as `_pieces` finds it in the whole
        # text: a whole line, the same in both, and no earlier one in the whole text.
        m = _PROJECT_HEADER_RE.search(text, want)
        return text[: m.start()] if m is not None else None

    def _whole(self) -> Iterator[Chunk]:
        """The whole file by `storage.load`: its problems raised, or its projects in one chunk."""
        if self.cancelled():
            return
        doc = load(self.path)
        pf = doc.portfolio
        self.document = doc
        yield Chunk(pf.replace(projects=()), pf.projects, len(pf.projects), len(pf.projects), restart=True)

    def _document(self, portfolio: Portfolio, text: str, sha: str, kept: KeptBytes | None) -> PortfolioDocument:
        """The document, its text in memory when it is short (`held_in_memory`), else in `kept`."""
        if kept is not None and held_in_memory(kept.size):
            try:
                text = kept.read().decode("utf-8")  # (the bytes hashed: `text` is then only the first piece)
            except OSError:
                raise _Fallback from None
            kept.close()
            kept = None
        if kept is not None:
            return PortfolioDocument(portfolio, None, self.path, sha, kept=kept)
        return PortfolioDocument(portfolio, text, self.path, sha)

    def _finish(
        self, text: str, sha: str, kept: KeptBytes | None, data: dict[str, Any], built: dict[int, tuple[Any, Project]]
    ) -> None:
        with collector_paused():
            portfolio, issues = portfolio_from_data(data, built)
        if issues:  # late problems (a duplicate id, an unknown dependency): worded and placed by `load`
            raise _Fallback
        self.document = self._document(portfolio, text, sha, kept)

    def _cached(self, text: str, sha: str, kept: KeptBytes | None) -> Chunk | None:
        """Every project from the cache entry of the file's bytes, as `load` builds them from it; or None."""
        with collector_paused():  # (the decoded entry is every project's data: a quarter of the read)
            cached = cache.get_parsed(sha)
        if cached is None:
            return None
        self.from_cache = True
        with collector_paused():
            portfolio, issues = portfolio_from_data(cached[0], None, cached[1])
        if issues:
            raise _Fallback
        self.document = self._document(portfolio, text, sha, kept)
        n = len(portfolio.projects)
        return Chunk(portfolio.replace(projects=()), portfolio.projects, n, n, restart=True)

    def _pieces(self, text: str, raw: bytes, partial: bool) -> Iterator[Chunk]:
        """`partial`: `text` is only the first piece (`_head`), and `raw` is empty: the rest is read after it.
        Otherwise `text` and `raw` are the whole file's."""
        # The first piece is shown before anything reads the whole file (the hash, the count, the cache).
        sha, cacheable, expected = "", False, 0
        kept: KeptBytes | None = None
        src = _Text(text)
        before: list[str] = []  # the header's pieces before the first project, and after it
        after: list[str] = []
        entries: list[dict[str, Any]] = []
        built: dict[int, tuple[Any, Project]] = {}
        header: Portfolio | None = None
        nul = False  # the text escapes a NUL: never cached (`cache.text_cacheable`), found piece by piece
        # Once it is known that no cache entry is written, each project's table is let go once it is built
        # (at 100,000 projects they would hold more than the model): `built` lends the projects to the end.
        light = False
        pos, n = 0, 0
        while src.has(pos):
            if self.gate is not None:
                self.gate(n)
            if self.cancelled():
                return
            piece = src.cut(self.first_piece_bytes if n == 0 else self.piece_bytes)
            nul = nul or not cache.text_cacheable(piece)
            lay = layout(piece)
            if not lay.standard:
                raise _Fallback
            new: list[Project] = []
            with collector_paused():  # (never across a yield: the consumer may hold the load for long)
                for seg in lay.segments:
                    seg_text = lay.segment_text(seg)
                    if seg.kind != "project":
                        (after if entries else before).append(seg_text)
                        continue
                    if header is None:  # the tables before the first project: what the rows are ranked with
                        header = self._header(header_table(before))
                    entry = project_table(seg_text)
                    project, issues = project_from_data(entry, ("projects", len(entries)))
                    if issues or project is None:
                        raise _Fallback
                    if light:  # nothing caches the tables: an empty one stands for it (what `built` lends)
                        entry = {}
                    built[id(entry)] = (entry, project)
                    entries.append(entry)
                    new.append(project)
            pos, n = pos + len(piece), n + 1
            del lay, piece
            if new:
                assert header is not None
                yield Chunk(header, tuple(new), len(entries), max(expected, len(entries)))
            if not sha:  # after the first piece: the rest of what `load` does first
                tidy(self.path)
                if partial:  # only the first piece was read: the whole file now, which must start with it
                    shown = text.encode("utf-8")
                    whole = self._read_whole(shown)
                    kept, sha, expected = whole.kept, whole.sha, whole.expected
                    if whole.unusual:
                        raise _Fallback
                    # (an entry is only ever written for a text that escapes no NUL: the look needs no check)
                    cacheable = cache.cacheable("", whole.size)
                    offset = len(shown)

                    def more(kept: KeptBytes = whole.kept) -> bytes:
                        nonlocal offset
                        block = kept.read_at(offset, BLOCK_BYTES)
                        offset += len(block)
                        return block

                    src = _Text("", pos, more)
                else:
                    sha, cacheable = digest(raw), cache.cacheable(text, len(raw))
                    kept = None if held_in_memory(len(raw)) else KeptBytes.of(raw)
                    expected = text.count("[[projects]]")
                raw = b""
                if not cacheable:
                    light = True
                    entries[:] = _stand_ins(entries, built)
                cached = self._cached(text, sha, kept) if cacheable else None
                if cached is not None:  # a warm cache: every project at once
                    yield cached
                    return
        if not sha:  # an empty file
            tidy(self.path)
            sha, cacheable = digest(raw), cache.cacheable(text, len(raw))
        head = header_table(before + after)
        first = header_table(before) if entries and after else head
        # The order tomllib gives: keys first defined before the first project, the projects, then the rest.
        data = {k: v for k, v in head.items() if k in first}
        if entries:
            data["projects"] = entries
        data.update((k, v) for k, v in head.items() if k not in first)
        self._finish(text, sha, kept, data, built)
        assert self.document is not None  # the last chunk: the header as the whole file has it
        yield Chunk(self.document.portfolio.replace(projects=()), (), len(entries), len(entries))
        if cacheable and not nul:  # within the limits (checked piece by piece), as `load` caches it
            cache_parsed(sha, text, data, self.document.portfolio.projects)

    @staticmethod
    def _header(data: dict[str, Any]) -> Portfolio:
        portfolio, issues = portfolio_from_data(data)
        if issues:
            raise _Fallback
        return portfolio


def load_kept(path: str | Path) -> PortfolioDocument:
    """`load(path)` as the app reads a file: the same document and problems, a large file's text kept out of
    memory (`document.KeptBytes`)."""
    stream = StreamLoad(path)
    for _ in stream:
        pass
    assert stream.document is not None  # (never cancelled)
    return stream.document
