"""Reading portfolio files: bytes to a validated `PortfolioDocument`, or every problem at FILE:LINE:COL.

The text is parsed once (`parsing.py`, or the parse cache, `cache.py`); positions of keys are only worked
out when there is a problem to report (`scan.locate`). Bad input of any kind (not UTF-8, a byte-order mark,
leftover git conflict markers, a syntax error, values beyond the limits, invalid fields) is a
`PortfolioLoadError` listing the problems, never a traceback.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from ..domain.codec import Issue, portfolio_from_data, project_key_warnings
from ..domain.model import Portfolio, Project
from . import cache, limits, one_project
from .atomic import FileTooLarge, NotRegularFile, digest, read_file
from .document import PortfolioDocument
from .errors import PortfolioLoadError, Problem
from .lock import tidy
from .parsing import (
    NotBySegment,
    built_memo,
    in_segment_memo,
    memo_holds_a_version,
    parse_text,
    project_table,
    remember_segments,
    shared_projects_now,
    split_for_streaming,
    tables_of_pieces,
)
from .scan import layout, locate

_CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |\r?$)", re.MULTILINE)
_AT_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


def load(path: str | Path, *, warnings: bool = False) -> PortfolioDocument:
    """Read and validate a portfolio file. Raises PortfolioLoadError listing every problem, or OSError.

    With `warnings`, what `lint` reports is worked out from the parsed data too, so `lint(doc)` is free.

    Only a regular file of at most `limits.max_file_bytes()` is read (a FIFO, a device or a huge file is a problem,
    never a hang). Temp files a killed save left next to it are removed first.
    """
    path = Path(path)
    data = _read(path)
    tidy(path)
    sha = digest(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _loads_invalid_utf8(data, str(path))
    size = len(data)
    del data  # not needed any more: at 10,000 projects that is 35 MB less at the peak
    doc = _loads(text, str(path), sha if cache.may_hold(size) else None, warnings=warnings)
    doc.path = path
    doc.digest = sha
    one_project.remember(doc, size)  # where each project lies, for `set` to edit one alone (once per content)
    return doc


PIECE_BYTES = 4 << 20  # what `load_read_only` reads at a time: about 1,100 generated projects


def load_read_only(path: str | Path, *, warnings: bool = False, piece_bytes: int = PIECE_BYTES) -> PortfolioDocument:
    """`load` for the commands that never save (`rank`, `show`, `export`, `validate`, `stats`): the same
    document (portfolio, digest, warnings) and the same problems, without holding the file's text.

    The file is read `piece_bytes` at a time, its bytes hashed as they come; the text read so far is cut
    at the last `[[projects]]` header line, and that piece parsed, built project by project and let go
    (`parsing.tables_of_pieces`). Anything not plain (any problem, a byte-order mark, conflict markers, bytes
    that are not UTF-8, an unusual layout, a table after the projects) sends the file to `load`, which reads
    it whole and words every problem as always. So does a file the cache of parsed files may hold (`load`
    reads its entry, or writes it). The document's text is read again only when something asks for it (to
    place a warning at FILE:LINE:COL); it must then be the bytes that were read."""
    path = Path(path)
    try:
        size = os.stat(path).st_size
    except OSError:
        return load(path, warnings=warnings)  # (its error)
    cacheable = cache.enabled() and cache.MIN_FILE_BYTES <= size <= cache.MAX_FILE_BYTES
    if cacheable or in_segment_memo() or size > limits.max_file_bytes():
        return load(path, warnings=warnings)
    try:
        return _load_in_pieces(path, warnings, max(piece_bytes, 1))
    except (NotBySegment, OSError, UnicodeDecodeError):
        return load(path, warnings=warnings)


class ReadOnlyDocument(PortfolioDocument):
    """`load_read_only`'s document: its text is read from the file again when first asked for, and must be
    the very bytes that were read (their digest); anything else is a problem, never a wrong position."""

    @property  # (made with the text "": read from the file when first asked for)
    def text(self) -> str:
        if not self._text:
            self._text = _read_again(self)
        return self._text


def _read_again(doc: PortfolioDocument) -> str:
    assert doc.path is not None
    try:
        data = _read(doc.path)
    except OSError as exc:
        message = f"could not be read again ({exc.strerror or exc}); run the command again"
        raise PortfolioLoadError([Problem(str(doc.path), 1, 1, message)]) from None
    if digest(data) != doc.digest:
        message = "changed while it was being read; run the command again"
        raise PortfolioLoadError([Problem(str(doc.path), 1, 1, message)])
    return data.decode("utf-8")


def _load_in_pieces(path: Path, warnings: bool, piece_bytes: int) -> PortfolioDocument:
    """`load_read_only`'s reading: raises NotBySegment (or OSError, UnicodeDecodeError) where `load` decides."""
    sha = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # as `read_file` opens
    with os.fdopen(fd, "rb", buffering=0) as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotBySegment
        tidy(path)
        shared = shared_projects_now() if not warnings else None  # (`diff` of large files)
        tables = tables_of_pieces(_pieces(f, sha, piece_bytes, limits.max_file_bytes()), shared)
        found: list[Issue] = []

        def projects() -> Iterator[dict[str, Any]]:
            for i, table in enumerate(tables):
                if warnings:
                    found.extend(project_key_warnings(table, ("projects", i)))
                yield table

        with collector_paused():
            header = next(tables)
            portfolio, issues = portfolio_from_data(header, shared.built if shared else None, projects())
    if issues:
        raise NotBySegment  # `load` words and places them
    doc = ReadOnlyDocument(portfolio, "", path, sha.hexdigest())
    if warnings:
        from ..domain.codec import unknown_key_warnings

        doc._warnings = unknown_key_warnings(header) + found
    return doc


_PROJECTS_LINE = "\n[[projects]]"
_MAX_UNCUT = 64 << 20  # characters without such a line: an unusual file, which `load` reads whole


def _pieces(f: Any, sha: Any, piece_bytes: int, limit: int) -> Iterator[str]:
    """The text of the file `f` in pieces of about `piece_bytes`, each cut at the start of a `[[projects]]`
    line, the bytes hashed into `sha` as they are read. Raises NotBySegment for a byte-order mark, a conflict
    marker or a file over `limit` bytes, UnicodeDecodeError for bytes that are not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    rest, total, started = "", 0, False
    while True:
        block = f.read(piece_bytes)
        total += len(block)
        if total > limit:
            raise NotBySegment
        sha.update(block)
        text = rest + decoder.decode(block, final=not block)
        if not total and not text:
            return
        if not started and text:  # (the first character may take more than one block)
            started = True
            if text.startswith("\ufeff"):
                raise NotBySegment
        cut = len(text) if not block else text.rfind(_PROJECTS_LINE) + 1
        if cut <= 0:  # no plain `[[projects]]` line in it: read on, up to a point
            if len(text) > _MAX_UNCUT:
                raise NotBySegment
            rest = text
            continue
        piece, rest = text[:cut], text[cut:]
        if "<<<<<<<" in piece or ">>>>>>>" in piece:
            raise NotBySegment
        yield piece
        if not block:
            return


def _read(path: Path) -> bytes:
    try:
        return read_file(path)
    except (NotRegularFile, FileTooLarge) as exc:
        raise PortfolioLoadError([Problem(str(path), 1, 1, f"{exc.strerror}; not reading it")]) from None


def loads_bytes(data: bytes, filename: str = "<string>") -> PortfolioDocument:
    """Decode and load the bytes of a file; every invalid UTF-8 sequence is a problem of its own."""
    limit = limits.max_file_bytes()
    if len(data) > limit:
        message = f"is larger than {limits.size_text(limit)}, the limit for portfolio files (FSDL_TUI_MAX_FILE_MIB)"
        raise PortfolioLoadError([Problem(filename, 1, 1, message)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _loads_invalid_utf8(data, filename)
    return _loads(text, filename, digest(data) if cache.may_hold(len(data)) else None)


_MAX_ENCODING_PROBLEMS = 10


def _loads_invalid_utf8(data: bytes, filename: str) -> NoReturn:
    problems: list[Problem] = []
    pos = 0
    while True:
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
            line_start = data.rfind(b"\n", 0, bad) + 1
            line = data.count(b"\n", 0, bad) + 1
            col = len(data[line_start:bad].decode("utf-8", "replace")) + 1
            if len(problems) == _MAX_ENCODING_PROBLEMS:
                problems.append(
                    Problem(filename, line, col, "more bytes that are not UTF-8 follow: is this a text file?")
                )
                raise PortfolioLoadError(problems) from None
            problems.append(
                Problem(
                    filename, line, col, f"the file is not valid UTF-8 text (byte 0x{data[bad]:02x}); save it as UTF-8"
                )
            )
            pos = pos + exc.end
    # Report what else is wrong too, reading the undecodable bytes as U+FFFD.
    bad_lines = {p.line for p in problems}
    try:
        loads(data.decode("utf-8", "replace"), filename)
    except PortfolioLoadError as exc:
        problems.extend(p for p in exc.problems if not (p.line in bad_lines and "syntax" in p.message))
    raise PortfolioLoadError(sorted(problems, key=lambda p: (p.line, p.col)))


def _conflict_problems(text: str, filename: str, *, parsed: bool) -> list[Problem]:
    """Leftover git conflict markers. When the file parses, a lone `=======` (or `|||||||`) line is text
    inside a multi-line string, such as a Markdown underline; `<<<<<<<` and `>>>>>>>` are always reported."""
    found = [(m.start(), m.group(1)) for m in _CONFLICT_RE.finditer(text)]
    if parsed and not any(marker[0] in "<>" for _, marker in found):
        return []
    return [
        Problem(
            filename,
            text.count("\n", 0, start) + 1,
            1,
            f"leftover git conflict marker '{marker}': resolve "
            "the merge (or use `fsdl-tui git-setup` so git merges portfolios by project)",
        )
        for start, marker in found
    ]


def loads(text: str, filename: str = "<string>") -> PortfolioDocument:
    """Load a portfolio from its text. Raises PortfolioLoadError listing every problem found."""
    return _loads(text, filename, None)


def _loads(text: str, filename: str, sha: str | None, *, warnings: bool = False) -> PortfolioDocument:
    """`loads`, taking the parsed data from the cache (`cache.py`) when `sha`, the hash of the file's bytes,
    is given and has an entry, and storing it there after a parse; only the parse is ever skipped."""
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        problems.append(
            Problem(filename, 1, 1, "the file starts with a byte-order mark (BOM); save it as UTF-8 without a BOM")
        )
        text = text[1:]
    if (
        memo_holds_a_version()
    ):  # another version of the file was read in this memo: its unchanged projects need no parse
        sha = None
    with collector_paused():  # (the decoded entry: every project, made of some 40 objects each)
        cached = cache.get_parsed(sha) if sha is not None else None
    if cached is not None:
        header, items = cached
        remember_segments(text, items)
        found = _entry_warnings(items) if warnings else None
        return _from_data(header, text, filename, problems, warnings, iter(items), found)
    if sha is None:  # nothing to cache: each project is built as soon as its segment is parsed
        streamed = _load_by_segment(text, filename, problems, warnings)
        if streamed is not None:
            return streamed
    try:
        data, checked = parse_text(text, by_segment=sha is not None)  # (else tried just now)
    except tomllib.TOMLDecodeError as exc:
        conflicts = _conflict_problems(text, filename, parsed=False)
        if conflicts:  # the markers are the cause: the parser's complaint about them would only add noise
            raise PortfolioLoadError(problems + conflicts) from None
        msg = str(exc)
        m = _AT_RE.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()].strip()
        else:
            line, col = text.count("\n") + 1, 1
            msg = msg.replace("(at end of document)", "").strip() + " at the end of the file"
        problems.append(Problem(filename, line, col, f"TOML syntax error: {msg[:1].lower() + msg[1:]}"))
        raise PortfolioLoadError(problems) from None
    except RecursionError:
        line, col = limits.deep_nesting_position(text)
        problems.append(Problem(filename, line, col, f"values are nested more than {limits.MAX_DEPTH} levels deep"))
        raise PortfolioLoadError(problems) from None
    except ValueError:  # Python's limit on converting long digit strings (an integer of over 4,300 digits)
        line, col = limits.huge_integer_position(text)
        problems.append(
            Problem(filename, line, col, "an integer beyond 64 bits; integers must be from -2^63 to 2^63-1")
        )
        raise PortfolioLoadError(problems) from None
    hostile = [] if checked else limits.value_issues(data)
    if hostile:  # the model is not built from values it cannot hold
        problems.extend(problems_at(PortfolioDocument(Portfolio(name=""), text), filename, hostile))
        raise PortfolioLoadError(sorted(problems, key=lambda p: (p.line, p.col)))
    if sha is None:
        return _from_data(data, text, filename, problems, warnings)
    try:  # only data within the limits is cached: a hit needs no second look at them
        doc = _from_data(data, text, filename, problems, warnings)
    except PortfolioLoadError:
        cache_parsed(sha, text, data, None)  # its tables: a warm load finds the same problems
        raise
    cache_parsed(sha, text, data, doc.portfolio.projects)
    return doc


def cache_parsed(sha: str, text: str, data: dict[str, Any], projects: tuple[Project, ...] | None) -> None:
    """Put the parsed `data` of the file whose bytes hash to `sha` (its `text`) in the cache, with the `projects` built
    from it when it loaded without a problem (else None)."""
    tables = data.get("projects", [])
    if isinstance(tables, list):
        with collector_paused():  # (the flat form: some 30 small lists per project, no cycles)
            cache.put_parsed(sha, text, {k: v for k, v in data.items() if k != "projects"}, tables, projects)


def _entry_warnings(items: cache.Items) -> list[Issue]:
    """The warnings of the projects of a cache entry: those it keeps as tables (the others have none)."""
    found: list[Issue] = []
    for i, item in enumerate(items):
        if type(item) is not Project:
            found.extend(project_key_warnings(item, ("projects", i)))
    return found


def _from_data(
    data: dict[str, Any],
    text: str,
    filename: str,
    problems: list[Problem],
    warnings: bool = False,
    projects_data: Iterator[Any] | None = None,
    project_warnings: list[Issue] | None = None,
) -> PortfolioDocument:
    """The document for parsed `data` of `text`: conflict markers, validation and the model. With
    `projects_data`, the project tables (or projects built already) come from it, one at a time (and their
    warnings, once it is spent, are in `project_warnings`)."""
    if "<<<<<<<" in text or ">>>>>>>" in text:
        problems.extend(_conflict_problems(text, filename, parsed=True))
    with collector_paused():  # building ~100 small immutable objects per project creates no cycles
        portfolio, issues = portfolio_from_data(data, built_memo(), projects_data)
    doc = PortfolioDocument(portfolio, text)
    if warnings:
        from ..domain.codec import unknown_key_warnings

        doc._warnings = unknown_key_warnings(data) + (project_warnings or [])
    del data
    if issues:
        problems.extend(problems_at(doc, filename, issues))
    if problems:
        raise PortfolioLoadError(sorted(problems, key=lambda p: (p.line, p.col)))
    return doc


def _load_by_segment(text: str, filename: str, problems: list[Problem], warnings: bool) -> PortfolioDocument | None:
    """`_from_data(*parse_text(text))` without holding the parsed data of every project at once (at 100,000
    projects that is over a GiB): each project is built as soon as its segment is parsed, and its table
    let go. None where reading by segment might not read as the whole file would (then nothing of this
    attempt is kept)."""
    split = split_for_streaming(text)
    if split is None:
        return None
    header, count, pieces = split
    if not count:
        return _from_data(header, text, filename, problems, warnings)
    found: list[Issue] = []

    def tables() -> Iterator[dict[str, Any]]:
        for i, piece in enumerate(pieces):
            got = project_table(piece)
            if warnings:
                found.extend(project_key_warnings(got, ("projects", i)))
            yield got

    try:
        return _from_data(header, text, filename, list(problems), warnings, tables(), found)
    except NotBySegment:
        return None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, which otherwise rescans the parsed data again and again while the
    model is built (half the validation time at 10,000 projects); restore it as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def problems_at(doc: PortfolioDocument, filename: str, issues: list[Issue]) -> list[Problem]:
    """The `issues` found in `doc` (each with a data path) as problems at FILE:LINE:COL, in file order."""
    lay = layout(doc.text)  # positions come from the headers, whatever the parser made of them
    lay.standard = True
    out = []
    for issue in issues:
        line, col = locate(lay, issue.path)
        out.append(Problem(filename, line, col, issue.message))
    return sorted(out, key=lambda p: (p.line, p.col))


def lint(doc: PortfolioDocument, filename: str | None = None) -> list[Problem]:
    """Warnings for a valid document: unknown keys where a typo is likely (see `unknown_key_warnings`)."""
    from ..domain.codec import unknown_key_warnings

    if doc._warnings is not None:
        issues = doc._warnings
    else:
        cacheable = doc.digest is not None and cache.may_hold(len(doc.text))
        cached = cache.get_parsed(doc.digest) if doc.digest is not None and cacheable else None
        if cached is not None:
            issues = unknown_key_warnings(cached[0]) + _entry_warnings(cached[1])
        else:
            issues = unknown_key_warnings(tomllib.loads(doc.text))
    return problems_at(doc, filename or doc.label, issues) if issues else []
