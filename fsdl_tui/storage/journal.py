"""Recovery journals: the unsaved changes of an open portfolio, kept in the user's state folder so that a
crash (`kill -9`, a power cut) loses nothing, as vim's swap files do.

One journal per portfolio file, named by a digest of the file's absolute path. It is JSON data only: the
edited portfolio text, the text it was edited from (the base, for a 3-way merge when the file changed on disk
since) and the digest of the file's bytes that base was read from (None: the file did not exist yet). It is
written atomically (temp file, fsync, replace) after every change and removed on a clean exit. Opening a
journal never runs anything from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..domain.model import Portfolio
from .atomic import atomic_write
from .document import PortfolioDocument
from .minimal_diff import edited_chunks, render_text, text_chunks

FORMAT = "fsdl-tui-journal"
VERSION = 1


class JournalError(Exception):
    """A journal that cannot be read or written; the message names the journal file."""


@dataclass(frozen=True, slots=True)
class Journal:
    file: str  # the portfolio's absolute path
    base_digest: str | None  # sha256 of the file's bytes the edits started from; None: not on disk then
    base_text: str  # the text the edits started from
    text: str  # the edited portfolio, as it would be saved

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "file": self.file,
            "base_digest": self.base_digest,
            "base_text": self.base_text,
            "text": self.text,
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "<journal>") -> Journal:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise JournalError(f"{where}: not a recovery journal: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise JournalError(f"{where}: not a recovery journal")
        if data.get("version") != VERSION:
            raise JournalError(f"{where}: journal version {data.get('version')!r} is not supported")
        file, base_digest, base_text, edited = (data.get(k) for k in ("file", "base_digest", "base_text", "text"))
        if not isinstance(file, str) or not isinstance(base_text, str) or not isinstance(edited, str):
            raise JournalError(f"{where}: a recovery journal needs 'file', 'base_text' and 'text' strings")
        if base_digest is not None and not isinstance(base_digest, str):
            raise JournalError(f"{where}: 'base_digest' must be a string or null")
        return cls(file, base_digest, base_text, edited)


def journal_folder(state_dir: Path) -> Path:
    return state_dir / "journals"


def key_of(file: Path) -> str:
    """The journal's name for a portfolio file: a digest of its absolute path (no folder is created)."""
    absolute = os.path.abspath(os.fspath(file))
    return hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def journal_path(state_dir: Path, file: Path) -> Path:
    return journal_folder(state_dir) / f"{key_of(file)}.json"


def write_journal(state_dir: Path, journal: Journal) -> Path:
    """Write (or replace) the journal of `journal.file`, atomically. Raises OSError when it cannot."""
    return _write(state_dir, journal.file, journal.to_json().encode("utf-8"))


def write_document_journal(state_dir: Path, file: str, doc: PortfolioDocument, edited: Portfolio) -> Path:
    """`write_journal(Journal(file, doc.digest, doc.text, render_text(doc, edited)))`, the same bytes; for a
    document that keeps its bytes out of memory, both texts written a block at a time, neither held whole
    (`minimal_diff.text_chunks`, `edited_chunks`: the base checked against its digest as it is read)."""
    if doc.kept is None:
        return write_journal(state_dir, Journal(file, doc.digest, doc.text, render_text(doc, edited)))
    head = Journal(file, doc.digest, "", "").to_json()
    tail = '",\n "text": ""\n}\n'  # (the two texts come last, in this order: see `to_json`)
    assert head.endswith(tail)

    def escaped(chunks: Iterator[str]) -> Iterator[bytes]:
        for chunk in chunks:  # (JSON escapes character by character: chunk by chunk is the same)
            yield json.dumps(chunk, ensure_ascii=False)[1:-1].encode("utf-8")

    def parts() -> Iterator[bytes]:
        yield head[: -len(tail)].encode("utf-8")
        yield from escaped(text_chunks(doc))
        yield b'",\n "text": "'
        yield from escaped(edited_chunks(doc, edited))
        yield b'"\n}\n'

    return _write(state_dir, file, parts())


def _write(state_dir: Path, file: str, data: bytes | Iterable[bytes]) -> Path:
    path = journal_path(state_dir, Path(file))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, data)
    with contextlib.suppress(OSError):  # edits may be private: only the user reads them
        os.chmod(path, 0o600)
    return path


def read_journal(state_dir: Path, file: Path) -> Journal | None:
    """The journal of `file`, or None when there is none. Raises JournalError for a broken one."""
    path = journal_path(state_dir, file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise JournalError(f"{path}: cannot read the recovery journal: {exc}") from None
    journal = Journal.from_json(text, str(path))
    if os.path.abspath(journal.file) != os.path.abspath(os.fspath(file)):
        raise JournalError(f"{path}: the journal is for {journal.file}, not {file}")
    return journal


def remove_journal(state_dir: Path, file: Path) -> bool:
    """Remove the journal of `file`; True when there was one."""
    try:
        journal_path(state_dir, file).unlink()
    except FileNotFoundError:
        return False
    return True
