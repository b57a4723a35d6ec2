"""The layout of a text read in pieces: its segments as `scan.layout` of the whole text cuts them, with the
offsets of their bytes, without ever holding the whole text.

Each piece is laid out after the last segment of the text before it, which stays open until a header (with
the comments attached above it) or the end of the text closes it: the line scanner's state at the start of
that segment is the one the whole text's scan has there (outside any string, at a header), so every
segment it closes is the whole text's. Pieces may be cut anywhere between characters. Used by `set`
without an index (`one_project._scan`) and by the save of a document whose bytes are kept out of memory
(`minimal_diff.render_parts`).
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .scan import layout


@dataclass(slots=True)
class ByteSegment:
    kind: str  # "preamble" | "project" | "table", as `scan.Segment`
    key: tuple[str, ...]
    start: int  # byte offsets in the text's UTF-8 encoding
    end: int


class PieceLayout:
    """Feed the pieces in order (`add`), then `finish`: `segments` are the whole text's, `size` its bytes.
    `standard` is False where any piece's layout is not the standard one (`scan.Layout.standard`); the
    checks against the parsed data (the number of projects, the top-level keys) are the caller's."""

    def __init__(self) -> None:
        self.segments: list[ByteSegment] = []
        self.standard = True
        self.size = -1  # set by `finish`
        self._open = ""  # the last segment so far (at first, the preamble), and its byte offset
        self._at = 0

    def add(self, piece: str) -> None:
        self._lay(self._open + piece, final=False)

    def finish(self) -> None:
        self._lay(self._open, final=True)

    def follow(self, pieces: Iterable[str]) -> Iterable[str]:
        """`pieces`, passed on as they come, laid out on the way (and finished after the last)."""
        for piece in pieces:
            self.add(piece)
            yield piece
        self.finish()

    def _lay(self, text: str, *, final: bool) -> None:
        lay = layout(text)
        segs = lay.segments
        if not lay.standard or (self._at and segs[0].end_offset):  # (past the preamble, a header comes first)
            self.standard = False
        closed = segs if final else segs[:-1]
        ascii_only = text.isascii()
        chars, at = 0, self._at
        for seg in closed:
            if ascii_only:
                start, at = self._at + seg.offset, self._at + seg.end_offset
            else:  # character offsets to byte offsets, one segment at a time
                at += len(text[chars : seg.offset].encode("utf-8"))
                start = at
                at += len(text[seg.offset : seg.end_offset].encode("utf-8"))
                chars = seg.end_offset
            if seg.kind != "preamble" or not self.segments:
                self.segments.append(ByteSegment(seg.kind, seg.key, start, at))
        if final:
            self.size = at
            self._open = ""
            return
        last = segs[-1]
        self._at = self._at + last.offset if ascii_only else at + len(text[chars : last.offset].encode("utf-8"))
        self._open = text[last.offset :]


def lay_out_bytes(read_at: Callable[[int, int], bytes], size: int, digest: str, block: int = 4 << 20) -> PieceLayout:
    """The layout of the `size` bytes `read_at(offset, n)` gives, read `block` at a time; they must hash to
    `digest` and be UTF-8 (OSError, UnicodeDecodeError otherwise)."""
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    lay = PieceLayout()
    at = 0
    while at < size:
        data = read_at(at, min(block, size - at))
        if not data:
            break
        at += len(data)
        h.update(data)
        lay.add(decoder.decode(data))
    lay.add(decoder.decode(b"", final=True))
    lay.finish()
    if at != size or h.hexdigest() != digest:
        raise OSError("the kept copy of the text read no longer matches it")
    return lay
