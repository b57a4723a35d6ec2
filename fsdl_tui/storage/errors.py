"""Errors from reading and writing portfolio files. Every problem knows its FILE:LINE:COL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message.translate(_CONTROL)}"


# Control characters from a file (a key "a\nb") would break "one problem per line": shown escaped.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


class PortfolioError(Exception):
    """Base class: anything the user can fix, with a message fit to print as is."""


class PortfolioLoadError(PortfolioError):
    """A file that cannot be opened as a valid portfolio; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FileChangedError(PortfolioError):
    """The file changed on disk since it was loaded; saving would overwrite someone else's work."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"{path}: the file changed on disk since it was opened; not overwriting it "
            "(reload it, or save with force to overwrite)"
        )


class WriteBackError(PortfolioError):
    """The minimal-diff writer produced text that does not read back as intended; nothing was written."""


# The name the rest of the code may also use for the refusal to overwrite a changed file.
PortfolioChangedError = FileChangedError


class SaveError(PortfolioError):
    """A save that did not happen: the file on disk is as it was and no temp file is left.

    The text is `FILE: cannot save: REASON`, the reason in words (no errno numbers). `forceable` is True when
    saving with `force=True` would go ahead (a read-only file, a file with several hard links): a caller may
    ask the user and try again with force.
    """

    def __init__(self, path: str, reason: str, *, forceable: bool = False) -> None:
        self.path = path
        self.reason = reason
        self.forceable = forceable
        super().__init__(f"{path}: cannot save: {reason}")
