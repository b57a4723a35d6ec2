"""Load and save portfolio files: fast reads with `tomllib`, minimal-diff writes with `tomlkit`.

Reading parses the whole file once with `tomllib`; positions of keys are only worked out when there is a
problem to report or an edit to write (`scan.py`). Writing compares the edited portfolio with the loaded one
and hands `tomlkit` only the projects (or header tables) that changed: untouched bytes stay untouched, so
comments, spacing, key order and unknown keys survive, and a one-field edit is a one-line diff. Every
edited piece is read back and compared with what was asked before anything is written.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import gc
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.items import Array, Date, DateTime, InlineTable, Table, Time, Whitespace

from ..domain.codec import (
    TOP_KEYS,
    Issue,
    portfolio_from_data,
    portfolio_header_data,
    portfolio_to_data,
    project_from_data,
    project_key_warnings,
    project_to_data,
)
from ..domain.model import Portfolio, Project
from ..domain.schema import prunable_keys
from . import cache, limits, render
from .atomic import (
    FileTooLarge,
    NotRegularFile,
    atomic_write,
    digest,
    read_digest,
    read_file,
    remove_stale_temp_files,
    resolve,
)
from .errors import FileChangedError, PortfolioLoadError, Problem, SaveError, WriteBackError
from .lock import locked, tidy

try:  # a TOML 1.0 parser in Rust, about ten times as fast as tomllib; tomllib is the reference and the fallback
    import toml_rs as _fast
except ImportError:  # pragma: no cover - a declared dependency; without it everything still works, slower
    _fast = None  # type: ignore[assignment]
from .scan import Layout, header_match, layout, lines_with_offsets, locate

_CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |\r?$)", re.MULTILINE)
_AT_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass
class PortfolioDocument:
    """A portfolio as read from (or last saved to) a file: the text, its layout and the parsed model."""

    portfolio: Portfolio
    text: str
    path: Path | None = None
    digest: str | None = None  # of the bytes on disk when read or last written; None: not on disk yet
    _layout: Layout | None = field(default=None, repr=False)
    # `lint`'s findings, worked out at load time when asked (`load(path, warnings=True)`): no second parse
    _warnings: list[Issue] | None = field(default=None, repr=False, compare=False)

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            self._layout = layout(self.text, len(self.portfolio.projects), _top_keys(self.portfolio))
        return self._layout

    @cached_property
    def newline(self) -> str:
        """The line ending most lines have: what new lines get (edited lines keep their own)."""
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.text.count("\n") else "\n"

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "<new portfolio>"


def _top_keys(portfolio: Portfolio) -> set[str]:
    return set(TOP_KEYS) | set(portfolio.extra)


# --- reading ------------------------------------------------------------------------------------------


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
    doc = _loads(text, str(path), sha if cache.cacheable(text, size) else None, warnings=warnings)
    doc.path = path
    doc.digest = sha
    return doc


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
    return _loads(text, filename, digest(data) if cache.cacheable(text, len(data)) else None)


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
    cached = cache.get(sha) if sha is not None else None
    if cached is not None:
        return _from_data(cached, text, filename, problems, warnings)
    if sha is None:  # nothing to cache: each project is built as soon as its segment is parsed
        streamed = _load_by_segment(text, filename, problems, warnings)
        if streamed is not None:
            return streamed
    try:
        data, checked = _parse(text, by_segment=sha is not None)  # (else tried just now)
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
        problems.extend(_problems(PortfolioDocument(Portfolio(name=""), text), filename, hostile))
        raise PortfolioLoadError(sorted(problems, key=lambda p: (p.line, p.col)))
    if sha is not None:  # only data within the limits is cached: a hit needs no second look at them
        cache.put(sha, data)
    return _from_data(data, text, filename, problems, warnings)


def _from_data(
    data: dict[str, Any],
    text: str,
    filename: str,
    problems: list[Problem],
    warnings: bool = False,
    projects_data: Iterator[dict[str, Any]] | None = None,
    project_warnings: list[Issue] | None = None,
) -> PortfolioDocument:
    """The document for parsed `data` of `text`: conflict markers, validation and the model. With
    `projects_data`, the project tables come from it, one at a time (and their warnings, once it is spent,
    are in `project_warnings`)."""
    if "<<<<<<<" in text or ">>>>>>>" in text:
        problems.extend(_conflict_problems(text, filename, parsed=True))
    with _collector_paused():  # building ~100 small immutable objects per project creates no cycles
        portfolio, issues = portfolio_from_data(data, _BUILT_MEMO.get(), projects_data)
    doc = PortfolioDocument(portfolio, text)
    if warnings:
        from ..domain.codec import unknown_key_warnings

        doc._warnings = unknown_key_warnings(data) + (project_warnings or [])
    del data
    if issues:
        problems.extend(_problems(doc, filename, issues))
    if problems:
        raise PortfolioLoadError(sorted(problems, key=lambda p: (p.line, p.col)))
    return doc


_SEGMENT_MEMO: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("segment_memo", default=None)
# Beside it, the projects built from the memo's tables (see `portfolio_from_data`'s `built`).
_BUILT_MEMO: contextvars.ContextVar[dict[int, tuple[Any, Project]] | None] = contextvars.ContextVar(
    "built_memo", default=None
)


@contextlib.contextmanager
def segment_memo() -> Iterator[None]:
    """Within the block, `loads` and `load` parse a file project by project and reuse the data of a project
    segment whose exact text they parsed before: versions of one file (git's base, ours and theirs, or the
    commits `log` walks) share most of their projects, so each is parsed once. Blocks nest; the memo is
    dropped at the end of the outermost."""
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


def _parse_piece(piece: str) -> dict[str, Any]:
    """`tomllib.loads(piece)`, by the fast parser where that is safe. It reads TOML 1.0 as tomllib does
    (tests/test_cache.py compares them); any error it raises is left to tomllib to word."""
    if _fast is None or piece.count("[") + piece.count("{") > _FAST_MAX_BRACKETS or "\ufeff" in piece:
        return tomllib.loads(piece)
    try:
        return _fast.loads(piece, toml_version="1.0.0")
    except Exception:  # noqa: BLE001 - the fast parser's errors: tomllib gives the exact message and position
        return tomllib.loads(piece)


def _parse(text: str, *, by_segment: bool = True) -> tuple[dict[str, Any], bool]:
    """`tomllib.loads(text)`, project segment by project segment (reusing those of a `segment_memo`), and
    whether the values were checked against the limits already. Any file the segments do not read exactly
    as a whole (an unusual layout, an error or a value beyond the limits anywhere) is parsed whole by
    tomllib, so every problem is reported as it was."""
    memo = _SEGMENT_MEMO.get()
    data = _parse_by_segment(text, memo) if by_segment and (_fast is not None or memo is not None) else None
    return (data, True) if data is not None else (tomllib.loads(text), False)


def _parse_by_segment(text: str, memo: dict[str, Any] | None) -> dict[str, Any] | None:
    """The data of `text` read segment by segment (reusing and filling `memo`, by segment text, if given),
    or None where that might not read as the whole would."""
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
            got = memo.get(piece) if memo is not None else None
            if got is None:
                parsed = _parse_piece(piece)
                if list(parsed) != ["projects"] or len(parsed["projects"]) != 1 or limits.value_issues(parsed):
                    return None  # (the same depth as in the whole file: checked once, when first parsed)
                got = parsed["projects"][0]
                if memo is not None:  # (without a memo the pieces are not kept: a copy of the file less)
                    memo[piece] = got
            projects.append(got)
        header = _parse_piece(_join(before + after, "\n"))
        first = _parse_piece(_join(before, "\n")) if projects and after else header
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None
    if "projects" in header or limits.value_issues(header):
        return None
    if not projects:
        return header
    # The order tomllib gives: keys first defined before the first project, the projects, then the rest.
    data = {k: v for k, v in header.items() if k in first}
    data["projects"] = projects
    data.update((k, v) for k, v in header.items() if k not in first)
    return data


class _NotBySegment(Exception):
    """A project segment that does not read as it would in the whole file: parse the whole file instead."""


def _load_by_segment(text: str, filename: str, problems: list[Problem], warnings: bool) -> PortfolioDocument | None:
    """`_from_data(*_parse(text))` without holding the parsed data of every project at once (at 100,000
    projects that is over a GiB): each project is built as soon as its segment is parsed, and its table
    let go. None where `_parse_by_segment` would say None (then nothing of this attempt is kept)."""
    memo = _SEGMENT_MEMO.get()
    if _fast is None and memo is None:
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
        header = _parse_piece(_join(before + after, "\n"))
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None
    if "projects" in header or limits.value_issues(header):
        return None
    if not project_segments:
        return _from_data(header, text, filename, problems, warnings)
    found: list[Issue] = []

    def tables() -> Iterator[dict[str, Any]]:
        for i, seg in enumerate(project_segments):
            piece = lay.segment_text(seg)
            got = memo.get(piece) if memo is not None else None
            if got is None:
                try:
                    parsed = _parse_piece(piece)
                except (tomllib.TOMLDecodeError, RecursionError, ValueError):
                    raise _NotBySegment from None
                if list(parsed) != ["projects"] or len(parsed["projects"]) != 1 or limits.value_issues(parsed):
                    raise _NotBySegment
                got = parsed["projects"][0]
                if memo is not None:
                    memo[piece] = got
            if warnings:
                found.extend(project_key_warnings(got, ("projects", i)))
            yield got

    try:
        return _from_data(header, text, filename, list(problems), warnings, tables(), found)
    except _NotBySegment:
        return None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, which otherwise rescans the parsed data again and again while the
    model is built (half the validation time at 10,000 projects); restore it as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _problems(doc: PortfolioDocument, filename: str, issues: list[Issue]) -> list[Problem]:
    lay = layout(doc.text)  # positions come from the headers, whatever the parser made of them
    lay.standard = True
    out = []
    for issue in issues:
        line, col = locate(lay, issue.path)
        out.append(Problem(filename, line, col, issue.message))
    return sorted(out, key=lambda p: (p.line, p.col))


# --- writing ------------------------------------------------------------------------------------------

_MISSING = object()
_TABLE_PARENTS = ("plugins", "scoring")  # their sub-tables are written as [NAME.SUB] tables


def _is_empty(v: Any) -> bool:
    return v is None or (isinstance(v, (str, list, dict)) and not v)


# Keys whose absence reads back as empty, so a new value need not spell out their emptiness; the entries of
# the maps in _KEEP_ENTRIES are data (an empty answer or plugin field is still there), never left out.
_PRUNABLE = prunable_keys()
_KEEP_ENTRIES = frozenset(("questions", "gate", "feasibility", "plugins", "scoring"))


def _prune(v: Any, key: str) -> Any:
    """A new value without its empty parts: the reader's defaults fill them in, so the file stays short."""
    if not isinstance(v, dict) or key in _KEEP_ENTRIES:
        return v
    pruned = {k: _prune(x, k) for k, x in v.items()}
    return {k: x for k, x in pruned.items() if not (k in _PRUNABLE and _is_empty(x))}


def _to_item(v: Any, as_table: bool = False, super_table: bool = False) -> Any:
    """A tomlkit item for a new value: a `[table]` when `as_table` (with `[sub]` tables when `super_table`),
    else an inline value in canonical form."""
    if as_table and isinstance(v, dict):
        t = tomlkit.table(is_super_table=super_table and bool(v))
        for k, x in v.items():
            t[k] = _to_item(x, as_table=super_table)
        return t
    return _keep_space_after_dates(tomlkit.parse(f"v = {render.value(v)}\n")["v"])


def _keep_space_after_dates(item: Any) -> Any:
    """Work around tomlkit dropping the space in `{ date = 2024-01-01 }` (it keeps it as the date's comment
    whitespace, which an inline table does not write): give it back as the table's closing whitespace."""
    if isinstance(item, Array):
        for x in item:
            _keep_space_after_dates(x)
    elif isinstance(item, InlineTable):
        body = item.value.body
        if body and body[-1][0] is not None and isinstance(body[-1][1], (Date, DateTime, Time)):
            value = body[-1][1]
            if value.trivia.comment_ws:
                body.append((None, Whitespace(value.trivia.comment_ws)))
                value.trivia.comment_ws = ""
        for _, x in body:
            _keep_space_after_dates(x)
    return item


def _is_table(x: Any) -> bool:
    return isinstance(x, (Table, InlineTable, Container, OutOfOrderTableProxy, dict))


def apply_changes(
    container: Any,
    old: dict[str, Any],
    new: dict[str, Any],
    depth: int = 0,
    parent: str = "",
    inline: bool = False,
    prune: bool = True,
) -> None:
    """Make the tomlkit `container` hold `new`, given it held `old`, touching only what differs.

    Depth 0 is the project (or the document); dicts there become `[tables]`, as do `plugins.NAME` and
    `scoring.NAME`; deeper dicts are inline tables. A list that only grew at its end is appended to, so a new
    history entry is one new line. Keys the model does not know (not in `old`) are left alone. With
    `inline`, new values below depth 0 are always inline (for tables written with dotted keys).
    """
    for k in reversed([k for k in old if k not in new and k in container]):
        del container[k]  # last first: tomlkit loses its place deleting dotted keys front to back
    for k, nv in new.items():
        ov = old.get(k, _MISSING)
        if ov == nv:
            continue
        cur = container.get(k, _MISSING)
        if cur is _MISSING and prune:
            nv = _prune(nv, k)
            if k in _PRUNABLE and _is_empty(nv):
                continue  # absent reads back as empty
        if isinstance(nv, dict) and isinstance(ov, dict) and _is_table(cur):
            if isinstance(cur, InlineTable) and any(x not in cur for x in nv):
                # tomlkit squeezes `{ a = 1, b = 2}` when it adds to an inline table: write the line anew,
                # keeping the keys the model does not know
                merged = {x: y for x, y in cur.unwrap().items() if x not in ov or x in nv}
                merged.update(nv)
                container[k] = _to_item(merged)
            else:
                apply_changes(cur, ov, nv, depth + 1, k, inline, prune and k not in _KEEP_ENTRIES)
        elif (
            isinstance(nv, list)
            and isinstance(ov, list)
            and isinstance(cur, Array)
            and 0 < len(ov) < len(nv)
            and nv[: len(ov)] == ov
        ):
            for x in nv[len(ov) :]:
                cur.append(_to_item(x))
        else:
            as_table = depth == 0 or (depth == 1 and parent in _TABLE_PARENTS and not inline)
            container[k] = _to_item(nv, as_table=as_table, super_table=depth == 0 and k in _TABLE_PARENTS)


def _split_lines(text: str) -> list[str]:
    return lines_with_offsets(text)


def _restore_untouched(original: str, roundtrip: str, edited: str, newline: str = "\n") -> str:
    """`edited` with the lines it shares with `roundtrip` taken from `original`, and a blank line before
    each table header it adds. Untouched lines keep their bytes, line ending included; a changed line keeps
    the ending of the line it replaces, and an added line gets `newline` (so a file with mixed CRLF and LF
    endings changes only on the edited lines).

    tomlkit re-renders a few things it read (`date = 2024-01-01 }` loses its space, `[[ a ]]` its spaces,
    a table standing away from its parent moves next to it): `roundtrip` is tomlkit's output for the unedited
    text, so lines equal there are lines the edit did not touch, and their original bytes are put back.
    """
    if edited == roundtrip:
        return original
    orig, base, out = _split_lines(original), _split_lines(roundtrip), _split_lines(edited)
    source = base  # per line of `base`, the bytes to write when the edit left it alone
    if roundtrip != original:
        source = list(base)
        squeeze = ["".join(line.split()) for line in orig], ["".join(line.split()) for line in base]
        for i, j, n in difflib.SequenceMatcher(None, *squeeze, autojunk=False).get_matching_blocks():
            source[j : j + n] = orig[i : i + n]
    pieces: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base, out, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.extend(source[i1:i2])
            continue
        for n, line in enumerate(out[j1:j2]):
            if pieces and pieces[-1].strip() and header_match(line):
                if not pieces[-1].endswith("\n"):
                    pieces[-1] += newline
                pieces.append(newline)
            if line.endswith("\n"):
                replaced = source[i1 + n] if i1 + n < i2 else ""
                ending = _ending(replaced) or newline
                line = line.rstrip("\r\n") + ending
            pieces.append(line)
    return "".join(pieces)


def _ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""


def _edit_text(text: str, edit: Any, newline: str) -> str:
    """`text` parsed with tomlkit, changed by `edit(doc)`, written back with untouched lines as they were."""
    tdoc = tomlkit.parse(text)
    roundtrip = tomlkit.dumps(tdoc)
    edit(tdoc)
    return _restore_untouched(text, roundtrip, tomlkit.dumps(tdoc), newline)


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
            text = _edit_text(seg_text, edit, newline)
            _check_roundtrip(text, new, where)
            return text
        except Exception:  # noqa: BLE001, S112 - tomlkit raises many kinds of errors on odd layouts; try the next style
            continue
    head = seg_text[: len(seg_text) - len(seg_text.lstrip())]
    lines = _split_lines(seg_text)
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
    lay = doc.layout
    if not lay.standard:
        return _render_full(doc, new)
    pieces = [lay.segment_text(seg) for seg in lay.segments]
    old_h, new_h = portfolio_header_data(old), portfolio_header_data(new)
    if old_h != new_h:
        header_pieces = _render_header(doc, lay, pieces, old_h, new_h)
        if header_pieces is None:
            return _render_full(doc, new)
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
    return _join(pieces, doc.newline)


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


def _join(pieces: list[str], newline: str) -> str:
    """The pieces one after another, each starting on a line of its own."""
    out = [p for p in pieces if p]
    for i in range(len(out) - 1):
        if not out[i].endswith("\n"):
            out[i] += newline
    return "".join(out)


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
    return {} if value is _MISSING else {key: value}


def _render_header_pieces(
    doc: PortfolioDocument, lay: Layout, pieces: list[str], old_h: dict[str, Any], new_h: dict[str, Any]
) -> list[str] | None:
    segs = lay.segments
    for k in dict.fromkeys([*old_h, *new_h]):
        ov, nv = old_h.get(k, _MISSING), new_h.get(k, _MISSING)
        if ov == nv:
            continue
        holders = [i for i, s in enumerate(segs) if s.kind == "table" and s.key[0] == k]
        if not holders or [segs[i].key for i in holders] == [(k,)]:
            i = holders[0] if holders else 0  # a key of the preamble, or one [k] table
            pieces[i] = _edit_text(pieces[i], _edit_keys(_only(k, ov), _only(k, nv)), doc.newline)
            continue
        if not isinstance(ov, dict) or not isinstance(nv, dict):
            return None
        if any(len(segs[i].key) != 2 for i in holders):
            return None  # e.g. [plugins] and [plugins.x], or [plugins.x.y]
        by_name = {segs[i].key[1]: i for i in holders}
        if len(by_name) != len(holders):
            return None
        for name in dict.fromkeys([*ov, *nv]):
            osub, nsub = ov.get(name, _MISSING), nv.get(name, _MISSING)
            if osub == nsub:
                continue
            if name in by_name:
                i = by_name[name]
                if nsub is _MISSING:
                    _remove_piece(pieces, i)
                else:
                    o = {k: _only(name, osub)}
                    pieces[i] = _edit_text(pieces[i], _edit_keys(o, {k: {name: nsub}}), doc.newline)
            else:  # a new [k.name] table, after the last of its siblings
                i = max(holders)
                table = tomlkit.document()
                apply_changes(table, {}, {k: {name: nsub}})
                pieces[i] = _append_block(pieces[i], tomlkit.dumps(table), doc.newline)
    # The segments other than projects are self-contained: together they must read as the new header.
    header_text = _join([p for p, s in zip(pieces, segs, strict=False) if s.kind != "project"], doc.newline)
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


def _render_full(doc: PortfolioDocument, new: Portfolio) -> str:
    """Slow path for unusual layouts: one tomlkit parse of the whole file."""
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

    text = _edit_text(doc.text, edit, doc.newline)
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


def save(
    doc: PortfolioDocument, new: Portfolio, path: str | Path | None = None, *, force: bool = False
) -> PortfolioDocument:
    """Write `new` to `path` (default: where `doc` came from) atomically, as a minimal diff of `doc`.

    Holds the writers' lock (`lock.locked`) from the check to the replace. Refuses with FileChangedError when
    the file on disk is not what was read (a document not yet on disk: when a file is there), and with
    SaveError when the file cannot be written or should not be replaced (read-only, other hard links; those
    two go ahead with `force`, which also skips the check). A failed save leaves the file as it was.
    Returns the document for the saved state, to pass to the next save.
    """
    target = Path(path) if path is not None else doc.path
    if target is None:
        raise ValueError("no path to save to")
    with locked(target):
        return _save_locked(doc, new, target, force=force)


def _unwritable(doc: PortfolioDocument, new: Portfolio) -> list[Issue]:
    """What `new` holds beyond the limits a file is read with (`limits.py`), in the parts that changed: a save
    must never write a file that then does not load."""
    old = doc.portfolio
    if new is old:
        return []
    header = portfolio_header_data(new)
    issues = limits.value_issues(header) if header != portfolio_header_data(old) else []
    for p in new.projects:
        before = old.get(p.id)
        if before is not p:
            issues += limits.value_issues({"projects": [project_to_data(p)]})
    return issues


def _save_locked(doc: PortfolioDocument, new: Portfolio, target: Path, *, force: bool) -> PortfolioDocument:
    unwritable = _unwritable(doc, new)
    if unwritable:
        raise SaveError(str(target), "; ".join(issue.message for issue in unwritable))
    try:
        text = render_text(doc, new)
        data = text.encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:  # a value the writer cannot write (e.g. nan)
        raise SaveError(str(target), f"a value cannot be written as TOML ({exc})") from None
    remove_stale_temp_files(resolve(target))
    same_file = doc.path is not None and Path(target) == doc.path
    expected = doc.digest if same_file else None
    if not force:
        on_disk = read_digest(target)
        if on_disk != expected:
            raise FileChangedError(str(target))
    try:
        atomic_write(target, data, force=force, exclusive=expected is None and not force)
    except FileExistsError:  # created by someone else between the check and the write
        raise FileChangedError(str(target)) from None
    return PortfolioDocument(new, text, target, digest(data))


class Edit:
    """A read-modify-write of one file under its lock (see `edit_file`): `doc` is the file as it is now."""

    def __init__(self, doc: PortfolioDocument) -> None:
        self.doc = doc
        self.saved: PortfolioDocument | None = None

    def save(self, new: Portfolio) -> PortfolioDocument:
        """Write `new` (computed from `self.doc`) now, still under the lock; returns the saved document.

        Once per transaction: the lock is on the file that was read, which the save replaces."""
        if self.saved is not None:
            raise RuntimeError("an Edit saves once; start another edit_file() for the next change")
        assert self.doc.path is not None
        self.saved = _save_locked(self.doc, new, self.doc.path, force=False)
        return self.saved


@contextlib.contextmanager
def edit_file(path: str | Path) -> Iterator[Edit]:
    """Read `path` under the writers' lock and hold the lock until the block ends:

        with edit_file("team.toml") as edit:
            p = edit.doc.portfolio.get("grasp-pose")
            edit.save(edit.doc.portfolio.with_project(changed(p)))

    Two writers never interleave: the second one reads the file only after the first one's save, so its edit
    is computed on the new content and nothing is lost. Raises what `load` and `save` raise.
    """
    with locked(path):
        yield Edit(load(path))


def update(path: str | Path, change: Callable[[Portfolio], Portfolio]) -> PortfolioDocument:
    """Apply `change` to the portfolio in `path` under the writers' lock and save the result (if it differs)."""
    with edit_file(path) as edit:
        new = change(edit.doc.portfolio)
        return edit.save(new) if new != edit.doc.portfolio else edit.doc


def new_document(portfolio: Portfolio) -> PortfolioDocument:
    """A document not yet on disk, in canonical layout. Its first save creates the file and refuses to
    replace an existing one."""
    base = loads(starter_text(portfolio))
    text = render_text(base, portfolio)
    return PortfolioDocument(portfolio, text)


def starter_text(portfolio: Portfolio) -> str:
    """A commented starter file for a portfolio with no projects yet."""
    s = portfolio.settings
    return (
        "# An ML project portfolio for fsdl-tui.\n"
        "# Prioritize by high impact and low cost, after Full Stack Deep Learning (2022, lecture 1).\n"
        "# Edit it in fsdl-tui, with `fsdl-tui set`, or by hand: comments and unknown keys are kept.\n"
        "# Format: docs/format.md\n"
        f"schema_version = {portfolio.schema_version}\n"
        f"name = {render.string(portfolio.name)}\n"
        f"description = {render.value(portfolio.description)}\n"
        "\n[settings]\n"
        f"default_scorer = {render.string(s.default_scorer)}  # fsdl | weighted | a plugin's scorer\n"
        f"impact_threshold = {render.value(float(s.impact_threshold))}  # impact at or above this is high\n"
        f"feasibility_threshold = {render.value(float(s.feasibility_threshold))}  # feasibility at or above this is high\n"
    )


def lint(doc: PortfolioDocument, filename: str | None = None) -> list[Problem]:
    """Warnings for a valid document: unknown keys where a typo is likely (see `unknown_key_warnings`)."""
    from ..domain.codec import unknown_key_warnings

    if doc._warnings is not None:
        issues = doc._warnings
    else:
        cacheable = doc.digest is not None and cache.cacheable(doc.text, len(doc.text))
        data = cache.get(doc.digest) if doc.digest is not None and cacheable else None
        issues = unknown_key_warnings(data if data is not None else tomllib.loads(doc.text))
    return _problems(doc, filename or doc.label, issues) if issues else []
