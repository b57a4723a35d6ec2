"""A fast line scanner over portfolio TOML: where each table starts, and where a key stands.

`tomllib` gives the data but no positions, and `tomlkit` gives positions at ~10x the cost. This scanner
finds the table headers that split a file into segments (the preamble, each `[[projects]]` entry with its
sub-tables, each other table) in one pass that skips multi-line strings, so the writer can hand tomlkit only
the project that changed, and error messages can point at the line of the offending key. One state
machine for TOML strings (`walk_line` and the functions around it: basic, literal and multi-line strings,
escapes, comments after strings) serves every caller here and elsewhere (the semantic diff's comments).

The scan is careful rather than clever: whenever the file is laid out in a way the fast writer does not
fully understand (a project sub-table away from its project, a header-like line it cannot place), the
layout says `standard = False` and the writer falls back to a full, slower, style-preserving rewrite.
"""

from __future__ import annotations

import heapq
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
# Lines that can matter to the segmentation: headers other than the many `[projects.x]` sub-tables (which
# never start a segment), and anything with a triple quote (which may open or close a multi-line string).
# Three searches that each start with a literal are several times faster than one alternation.
_HEADER_START_RE = re.compile(r"\n[ \t]*\[(?![ \t]*projects[ \t]*\.)")
_FIRST_HEADER_RE = re.compile(r"[ \t]*\[(?![ \t]*projects[ \t]*\.)")
_TRIPLE_QUOTES = ('"""', "'''")


def _interesting(text: str) -> Iterator[int]:
    """Positions, in order, on the lines that may start a segment or open or close a multi-line string."""
    first = [0] if _FIRST_HEADER_RE.match(text) else []
    headers = (m.start() + 1 for m in _HEADER_START_RE.finditer(text))
    quotes = [(m.start() for m in re.finditer(re.escape(q), text)) for q in _TRIPLE_QUOTES]
    return heapq.merge(first, headers, *quotes)


_PROJECT_SUBTABLE_RE = re.compile(r"""^[ \t]*\[[ \t]*(?:projects|"projects"|'projects')[ \t]*\.""", re.MULTILINE)
_BARE = r"[A-Za-z0-9_-]+"
_KEYPART = rf'(?:{_BARE}|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
_KEY_RE = re.compile(rf"[ \t]*({_KEYPART}(?:[ \t]*\.[ \t]*{_KEYPART})*)[ \t]*=")
_HEADER_RE = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_KEYPART}(?:[ \t]*\.[ \t]*{_KEYPART})*)[ \t]*(\]\]?)")
_SPLIT_RE = re.compile(rf"[ \t]*({_KEYPART})[ \t]*\.?")


def _unquote(part: str) -> str:
    if part[0] == "'":
        return part[1:-1]
    if part[0] == '"':
        if "\\" not in part:
            return part[1:-1]
        try:
            return str(tomllib.loads(f"k = {part}")["k"])
        except tomllib.TOMLDecodeError:
            return part[1:-1]
    return part


def split_key(dotted: str) -> tuple[str, ...]:
    """`a . "b.c" . 'd'` -> ("a", "b.c", "d")."""
    return tuple(_unquote(m.group(1)) for m in _SPLIT_RE.finditer(dotted))


def lines_with_offsets(text: str) -> list[str]:
    """The lines of `text`, each with its line ending (the last may have none)."""
    return _LINE_RE.findall(text)


# --- the state machine for TOML strings -------------------------------------------------------------
#
# One machine for every caller: a line is walked from a state (None outside any string, or the delimiter
# of the multi-line string it starts in, '"""' or "'''"), skipping basic strings (with their escapes),
# literal strings and multi-line strings of both kinds, and stopping at the `#` of a comment.

_QUOTE_OR_HASH_RE = re.compile(r"[\"'#]")


def string_end(line: str, i: int, delim: str) -> int:
    """Index just after the `delim` that closes a string whose body starts at `line[i]`, or -1 when it
    does not close on this line (a multi-line string going on, or an unclosed single-line one).

    In basic strings (one or three double quotes) a quote after an odd number of backslashes is escaped;
    the three quotes that close a multi-line string may be followed by up to two more, which belong to it."""
    while True:
        j = line.find(delim, i)
        if j < 0:
            return -1
        if delim[0] == '"':
            k = j
            while k > i and line[k - 1] == "\\":
                k -= 1
            if (j - k) % 2:
                i = j + 1
                continue
        end = j + len(delim)
        if len(delim) == 3:
            while end < len(line) and line[end] == delim[0] and end - j < 5:
                end += 1
        return end


def skip_string(line: str, i: int) -> tuple[int, str | None]:
    """Past the string whose opening quote is `line[i]`: (index just after it, None), or (`len(line)`,
    its delimiter) for a multi-line string that goes on past this line. An unclosed single-line string
    (not valid TOML) ends with its line."""
    q = line[i]
    delim = q * 3 if line.startswith(q * 3, i) else q
    j = string_end(line, i + len(delim), delim)
    if j >= 0:
        return j, None
    return len(line), delim if len(delim) == 3 else None


def walk_line(line: str, state: str | None = None) -> tuple[str | None, int]:
    """The state machine over one line, starting in `state`: (the state at its end, the index of the `#`
    that starts its comment or -1)."""
    i = 0
    if state is not None:
        i = string_end(line, 0, state)
        if i < 0:
            return state, -1
    search = _QUOTE_OR_HASH_RE.search
    while m := search(line, i):
        k = m.start()
        if line[k] == "#":
            return None, k
        i, state = skip_string(line, k)
        if state is not None:
            return state, -1
    return None, -1


def string_state_after(line: str, state: str | None = None) -> str | None:
    """The multi-line string state after `line`, starting in `state`: None outside, or the open delimiter.
    Quotes inside single-line strings and comments do not count."""
    return walk_line(line, state)[0]


_string_state_after = string_state_after  # the name it had before, kept for code written against it


@dataclass(slots=True)
class Header:
    line: int  # 0-based line index
    key: tuple[str, ...]
    array: bool
    offset: int = 0  # character offset of the start of the line


@dataclass(slots=True)
class Scan:
    headers: list[Header]
    # offsets of line starts that lie inside a multi-line string (only lines that close or reopen one)
    in_string: set[int]


def scan(text: str) -> Scan:
    """Segment-starting table headers outside multi-line strings, in order.

    `[projects.x]` sub-tables are skipped (they never start a segment); `layout` checks separately that
    none of them stands away from its project.
    """
    headers: list[Header] = []
    in_string: set[int] = set()
    state: str | None = None
    # Only lines that start a header or contain a triple quote can change anything: visit just those.
    last_line_end = -1
    line_no, counted_to = 0, 0
    find, rfind = text.find, text.rfind
    for pos in _interesting(text):
        if pos <= last_line_end:
            continue  # this line was already handled
        start = rfind("\n", 0, pos) + 1
        end = find("\n", pos)
        end = len(text) if end < 0 else end
        last_line_end = end
        line = text[start:end]
        if state is None:
            hm = header_match(line)
            if hm:
                line_no += text.count("\n", counted_to, start)
                counted_to = start
                headers.append(Header(line_no, split_key(hm.group(2)), hm.group(1) == "[[", start))
                continue
        else:
            in_string.add(start)
        if '"""' in line or "'''" in line:
            state = string_state_after(line, state)
    return Scan(headers, in_string)


def header_match(line: str) -> re.Match[str] | None:
    """The match of a `[table]` or `[[array]]` header line, or None (e.g. for an array value `[1],`)."""
    hm = _HEADER_RE.match(line)
    if not hm or (hm.group(1) == "[[") != (hm.group(3) == "]]"):
        return None
    rest = line[hm.end() :].strip()
    return hm if not rest or rest.startswith("#") else None


@dataclass(slots=True)
class Segment:
    """A run of lines: the preamble, one `[[projects]]` entry with its sub-tables, or another table."""

    kind: str  # "preamble" | "project" | "table"
    start: int  # first line (0-based), including comments attached above the header
    end: int  # one past the last line
    key: tuple[str, ...] = ()
    project_index: int = -1
    offset: int = 0  # character offsets of the segment in the text
    end_offset: int = 0


@dataclass
class Layout:
    text: str
    segments: list[Segment] = field(default_factory=list)
    standard: bool = True  # projects written as [[projects]] entries, one segment each

    @cached_property
    def lines(self) -> list[str]:
        return lines_with_offsets(self.text)

    def segment_text(self, seg: Segment) -> str:
        return self.text[seg.offset : seg.end_offset]


def join_pieces(pieces: list[str], newline: str) -> str:
    """The pieces (segments' texts, some emptied) one after another, each starting on a line of its own."""
    out = [p for p in pieces if p]
    for i in range(len(out) - 1):
        if not out[i].endswith("\n"):
            out[i] += newline
    return "".join(out)


def _attach_comments(text: str, offset: int, line: int, in_string: set[int]) -> tuple[int, int]:
    """Move a header's start up over the comment lines directly above it (not into a multi-line string)."""
    while offset > 0:
        prev = text.rfind("\n", 0, offset - 1) + 1
        if prev in in_string or not text[prev:offset].lstrip().startswith("#"):
            break
        offset, line = prev, line - 1
    return offset, line


def layout(text: str, project_count: int = -1, top_keys: Iterable[str] | None = None) -> Layout:
    """Split `text` into segments.

    `project_count` (the number of projects the parser saw, or -1) and `top_keys` (the top-level keys the
    parser saw, or None) let the layout check itself: any mismatch, such as a header-like line inside a
    multi-line array, makes it non-standard so that the writer takes the safe path.
    """
    sc = scan(text)
    known = set(top_keys) if top_keys is not None else None
    standard = True
    project_index = -1
    starts: list[tuple[Header, str, int]] = []
    for h in sc.headers:
        if h.key == ("projects",) and h.array:
            project_index += 1
            starts.append((h, "project", project_index))
        elif h.key[0] == "projects":
            standard = False  # [projects] or a quoted sub-table header: not the usual layout
        else:
            if known is not None and h.key[0] not in known:
                standard = False
            starts.append((h, "table", -1))
    if project_count >= 0 and project_index + 1 != project_count:
        standard = False
    segs: list[Segment] = []
    bounds = [(*_attach_comments(text, h.offset, h.line, sc.in_string), h, kind, idx) for h, kind, idx in starts]
    n_lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
    first_off, first_line = (bounds[0][0], bounds[0][1]) if bounds else (len(text), n_lines)
    segs.append(Segment("preamble", 0, first_line, (), -1, 0, first_off))
    for n, (off, line, h, kind, idx) in enumerate(bounds):
        end_off, end_line = (bounds[n + 1][0], bounds[n + 1][1]) if n + 1 < len(bounds) else (len(text), n_lines)
        segs.append(Segment(kind, line, end_line, h.key, idx, off, end_off))
    lay = Layout(text, segs, standard)
    if standard:
        # A [projects.x] sub-table outside a project segment belongs to a project elsewhere in the file.
        for seg in segs:
            if seg.kind != "project" and _PROJECT_SUBTABLE_RE.search(text, seg.offset, seg.end_offset):
                lay.standard = False
                break
    return lay


# --- finding the line of a key ---------------------------------------------------------------------


def _key_lines(
    lines: list[str], start: int, end: int, base: tuple[str, ...]
) -> Iterator[tuple[int, int, tuple[Any, ...]]]:
    """(line, col, full key path) of every header and `key =` line in [start, end), outside strings."""
    table: tuple[str, ...] = base
    state: str | None = None
    for n in range(start, end):
        line = lines[n]
        if state is not None:
            state = string_state_after(line, state)
            continue
        hm = header_match(line)
        if hm:
            table = split_key(hm.group(2))
            col = len(line) - len(line.lstrip()) + 1
            yield n, col, table
            continue
        km = _KEY_RE.match(line)
        if km:
            col = len(line) - len(line.lstrip()) + 1
            yield n, col, table + split_key(km.group(1))
            state = string_state_after(line[km.end() :])
        elif '"""' in line or "'''" in line:
            state = string_state_after(line)


def _array_item(lines: list[str], n: int, pos: int, end: int, item: int) -> tuple[int, int] | None:
    """0-based (line, col) of element `item` of the array whose value starts at lines[n][pos:]."""
    depth, count, expecting = 0, -1, False
    state: str | None = None
    while n < end and n < len(lines):
        line = lines[n]
        i = pos
        pos = 0
        while i < len(line):
            if state is not None:
                j = string_end(line, i, state)
                if j < 0:
                    break
                i, state = j, None
                continue
            ch = line[i]
            if ch == "#" or ch in "\r\n":
                break
            if ch in " \t":
                i += 1
                continue
            if depth == 1 and expecting and ch not in ",]":
                count += 1
                expecting = False
                if count == item:
                    return n, i
            if ch in "\"'":
                i, state = skip_string(line, i)
                continue
            if ch in "[{":
                depth += 1
                if depth == 1:
                    expecting = True
            elif ch in "]}":
                depth -= 1
                if depth <= 0:
                    return None
            elif ch == "," and depth == 1:
                expecting = True
            i += 1
        n += 1
    return None


def _refine_col(line: str, start: int, keys: tuple[str, ...]) -> int:
    """The 0-based column of the first of `keys` written as `key =` on `line` after `start`, else `start`."""
    if not keys:
        return start
    m = re.compile(
        rf"""(?<![\w"'-])(?:{re.escape(keys[0])}|"{re.escape(keys[0])}"|'{re.escape(keys[0])}')[ \t]*[=.]"""
    ).search(line, start)
    return m.start() if m else start


def locate(lay: Layout, path: tuple[Any, ...]) -> tuple[int, int]:
    """1-based (line, col) that best matches a data path such as ("projects", 3, "cost", "data_availability")."""
    if not path:
        return 1, 1
    lines = lay.lines
    if path[0] == "projects" and len(path) > 1 and isinstance(path[1], int) and lay.standard:
        seg = next((s for s in lay.segments if s.project_index == path[1]), None)
        if seg is None:
            return 1, 1
        target = ("projects",) + tuple(path[2:])
        ranges = [(seg.start, seg.end)]
    elif path[0] != "projects" and lay.standard:  # a header key: only the segments that are not projects
        target = tuple(path)
        ranges = [(s.start, s.end) for s in lay.segments if s.kind != "project"]
    else:
        target = tuple(path)
        ranges = [(0, len(lines))]
    start, end = ranges[0]
    first_index = next((i for i, p in enumerate(target) if isinstance(p, int)), None)
    str_target = target[:first_index] if first_index is not None else target
    best: tuple[int, int] | None = None  # 0-based line, 0-based col
    best_len = -1
    header_line: int | None = None
    for range_start, range_end in ranges:
        for n, col, key in _key_lines(lines, range_start, range_end, ()):
            if header_line is None and key == ("projects",):
                header_line = n
            k = len(key)
            if k > best_len and str_target[:k] == key:
                best, best_len, end = (n, col - 1), k, range_end
                if k == len(str_target):
                    break
        if best_len == len(str_target):
            break
    if best is None:
        if header_line is not None:
            return header_line + 1, 1
        return start + 1, 1
    n, col = best
    line = lines[n]
    is_header = header_match(line) is not None
    if first_index is not None and best_len == first_index and not is_header:
        # An index into an array value: find that element, then the key inside it.
        km = _KEY_RE.match(line)
        found = _array_item(lines, n, km.end() if km else 0, end, target[first_index]) if km else None
        if found is not None:
            n, col = found
            rest = tuple(p for p in target[first_index + 1 :] if not isinstance(p, int))
            return n + 1, _refine_col(lines[n], col, rest) + 1
        return n + 1, col + 1
    if best_len < len(str_target) and not is_header:
        # A key inside an inline table or a dotted key on this line: point at it.
        return n + 1, _refine_col(line, col, str_target[best_len:]) + 1
    return n + 1, col + 1
