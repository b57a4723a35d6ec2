"""A portfolio as read from a file: its text, the digest of its bytes, its layout and the parsed model.

Reading (`loading.py`) makes one; writing (`minimal_diff.py`, `saving.py`) takes one and the edited portfolio
and returns the next one, so every save is a minimal diff of what was read.

A large document (the app's load, `stream.py`, and a save of a large file) does not keep its text in memory:
the bytes it was read from (or last written) go to an unnamed temporary file (`KeptBytes`), and `text` reads
them back, checked against the digest, whenever a save, the journal or a merge needs it. The copy is the
document's own: a file changed on disk meanwhile changes nothing in it, so a merge, a "save as" or an
overwrite still diff against the text as it was read (and a save over the changed file is refused as ever,
by the check of the file on disk in `saving.py`). Of the layout, only the segments are kept.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from ..domain.codec import TOP_KEYS, Issue
from ..domain.model import Portfolio
from .atomic import digest as digest_of
from .scan import Layout, Segment, layout

# Files larger than this (in bytes) keep their text in a temporary file rather than in memory, where the
# reader allows it (`PortfolioDocument.kept_if_large`, `stream.py`): about 270 generated projects.
KEEP_IN_MEMORY_CHARS = 1 << 20


def held_in_memory(size: int) -> bool:
    """Whether a text of `size` bytes is held in memory (else kept in a temporary file, where allowed)."""
    return size <= KEEP_IN_MEMORY_CHARS


class KeptBytes:
    """Bytes kept in an unnamed temporary file (removed by the system when it is closed or the process ends),
    written once, block by block, and read back whole."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="fsdl-tui-text-")  # noqa: SIM115 - lives as long as the document
        self._lock = threading.Lock()
        self.size = 0

    def write(self, block: bytes) -> None:
        with self._lock:
            self._file.seek(0, os.SEEK_END)
            self._file.write(block)
            self.size += len(block)

    def read(self) -> bytes:
        data = self.read_at(0, self.size)
        if len(data) != self.size:
            raise OSError(f"the kept copy of the text was cut short ({len(data)} of {self.size} bytes)")
        return data

    def read_at(self, offset: int, n: int) -> bytes:
        """At most `n` bytes from `offset` on (fewer at the end)."""
        with self._lock:
            self._file.flush()
            self._file.seek(offset)
            return self._file.read(n)

    def newline(self, block: int = 4 << 20) -> str:
        """`_newline_of` the text of these bytes, counted a block at a time."""
        crlf = lf = 0
        last = b""
        at = 0
        while data := self.read_at(at, block):
            at += len(data)
            crlf += data.count(b"\r\n") + (last == b"\r" and data[:1] == b"\n")
            lf += data.count(b"\n")
            last = data[-1:]
        return "\r\n" if crlf and crlf * 2 >= lf else "\n"

    def close(self) -> None:
        f = getattr(self, "_file", None)  # (None when the temporary file could not be made)
        if f is not None:
            with contextlib.suppress(OSError):
                f.close()

    def __del__(self) -> None:
        self.close()

    @classmethod
    def of(cls, data: bytes) -> KeptBytes | None:
        """`data` kept in a temporary file; None when no temporary file can be written (keep the text then)."""
        try:
            kept = cls()
        except OSError:
            return None
        try:
            kept.write(data)
            kept._file.flush()
        except OSError:
            kept.close()
            return None
        return kept


class PortfolioDocument:
    """A portfolio as read from (or last saved to) a file: the text, its layout and the parsed model.

    `text` is held in memory, or (`kept`) read back from the document's own copy of the bytes it came from."""

    def __init__(
        self,
        portfolio: Portfolio,
        text: str | None,
        path: Path | None = None,
        digest: str | None = None,  # of the bytes on disk when read or last written; None: not on disk yet
        *,
        kept: KeptBytes | None = None,  # the bytes, kept out of memory (then `text` is None)
        warnings: list[Issue] | None = None,
    ) -> None:
        if (text is None) == (kept is None):
            raise ValueError("a document has its text, or its bytes kept out of memory")
        self.portfolio = portfolio
        self.path = path
        self.digest = digest if kept is None else digest or digest_of(kept.read())
        self._text = text
        self._kept = kept
        self._layout: Layout | None = None
        self._segments: tuple[list[Segment], bool] | None = None  # a kept document's layout, without the text
        self._newline: str | None = None
        # `lint`'s findings, worked out at load time when asked (`load(path, warnings=True)`): no second parse
        self._warnings = warnings

    @classmethod
    def kept_if_large(
        cls, portfolio: Portfolio, data: bytes, path: Path | None, digest: str, text: str | None = None
    ) -> PortfolioDocument:
        """The document of `data` (the file's bytes, whose digest is `digest`): its text in memory when it is
        short, else kept in a temporary file (in memory after all when none can be written)."""
        if not held_in_memory(len(data)):
            kept = KeptBytes.of(data)
            if kept is not None:
                return cls(portfolio, None, path, digest, kept=kept)
        return cls(portfolio, data.decode("utf-8") if text is None else text, path, digest)

    @property
    def text(self) -> str:
        """The text read (or last written): from memory, or read back from the kept bytes, which must still
        hash to the digest (OSError when they do not: nothing is ever written from a wrong text)."""
        if self._text is not None:
            return self._text
        assert self._kept is not None
        data = self._kept.read()
        if digest_of(data) != self.digest:
            raise OSError(f"{self.label}: the kept copy of the text read no longer matches it")
        return data.decode("utf-8")

    @property
    def kept(self) -> KeptBytes | None:
        """The document's own copy of its bytes, when its text is kept out of memory (else None)."""
        return self._kept

    @property
    def text_in_memory(self) -> bool:
        """Whether the text is held for as long as the document lives (else it is read back when needed)."""
        return self._kept is None

    @contextlib.contextmanager
    def holding_text(self) -> Iterator[None]:
        """Within the block, the text is read back once and held (for a caller that needs it more than once:
        the journal and the render of the edits, a merge); let go at its end."""
        if self._text is not None:
            yield
            return
        self._text = self.text
        try:
            yield
        finally:
            self._text = None

    @property
    def layout(self) -> Layout:
        if self._layout is not None:
            return self._layout
        if self._segments is not None:  # (a kept document's)
            segments, standard = self._segments
            return Layout(self.text, segments, standard)
        text = self.text
        lay = layout(text, len(self.portfolio.projects), _top_keys(self.portfolio))
        if self._kept is None:
            self._layout = lay
        else:  # the segments alone; and the line ending, while the text is at hand
            self._segments = (lay.segments, lay.standard)
            if self._newline is None:
                self._newline = _newline_of(text)
        return lay

    @property
    def newline(self) -> str:
        """The line ending most lines have: what new lines get (edited lines keep their own)."""
        if self._newline is None:  # (a kept copy counted a block at a time: a save need not read the text)
            self._newline = _newline_of(self.text) if self._kept is None else self._kept.newline()
        return self._newline

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "<new portfolio>"

    def __repr__(self) -> str:
        where = "in memory" if self._kept is None else "kept on disk"
        return f"PortfolioDocument({self.label!r}, {len(self.portfolio.projects)} projects, text {where})"


def _newline_of(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def _top_keys(portfolio: Portfolio) -> set[str]:
    return set(TOP_KEYS) | set(portfolio.extra)
