"""A fast line scanner over portfolio TOML: where each table starts, and where a key stands.

`tomllib` gives the data but no positions, and `tomlkit` gives positions at ~10x the cost. This scanner
finds table headers (outside multi-line strings) in one pass, so the writer can hand tomlkit only the
project that changed, and error messages can point at the line of the offending key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_INTERESTING_RE = re.compile(r"^[ \t]*\[|\"\"\"|'''", re.M)
_BARE = r"[A-Za-z0-9_-]+"
_KEYPART = rf'(?:{_BARE}|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
_KEY_RE = re.compile(rf"[ \t]*({_KEYPART}(?:[ \t]*\.[ \t]*{_KEYPART})*)[ \t]*=")
_HEADER_RE = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_KEYPART}(?:[ \t]*\.[ \t]*{_KEYPART})*)[ \t]*(\]\]?)")
_SPLIT_RE = re.compile(rf"[ \t]*({_KEYPART})[ \t]*\.?")


def split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for m in _SPLIT_RE.finditer(dotted):
        part = m.group(1)
        if part[0] in "\"'":
            part = part[1:-1].encode().decode("unicode_escape") if part[0] == '"' else part[1:-1]
        parts.append(part)
    return tuple(parts)


def lines_with_offsets(text: str) -> list[str]:
    return _LINE_RE.findall(text)


def _string_state_after(line: str, state: str | None) -> str | None:
    """Multi-line string state after `line`: None outside, or the open delimiter.

    Walks single-line strings and comments so a quote inside them does not count.
    """
    i, n = 0, len(line)
    while i < n:
        if state is not None:
            j = line.find(state, i)
            if j < 0:
                return state
            if state == '"""':
                # skip escaped quotes: count backslashes before j
                k = j - 1
                bs = 0
                while k >= i and line[k] == "\\":
                    bs += 1
                    k -= 1
                if bs % 2:
                    i = j + 1
                    continue
            # a closing delimiter may be followed by up to two more quotes that belong to the string
            end = j + 3
            while end < n and line[end] == state[0] and end - j < 5:
                end += 1
            i, state = end, None
            continue
        ch = line[i]
        if ch == "#":
            return None
        if ch in "\"'":
            if line.startswith(ch * 3, i):
                state = ch * 3
                i += 3
                continue
            # single-line string
            j = i + 1
            while j < n and line[j] != ch:
                if ch == '"' and line[j] == "\\":
                    j += 1
                j += 1
            i = j + 1
            continue
        i += 1
    return state


@dataclass(slots=True)
class Header:
    line: int  # 0-based line index
    key: tuple[str, ...]
    array: bool


def scan_headers(text: str) -> list[Header]:
    """All table headers outside multi-line strings, in order, with 0-based line numbers."""
    headers: list[Header] = []
    state: str | None = None
    # Only lines that start a header or contain a triple quote can change anything: visit just those.
    last_line_end = -1
    line_no, counted_to = 0, 0
    for m in _INTERESTING_RE.finditer(text):
        if m.start() <= last_line_end:
            continue  # this line was already handled
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start())
        end = len(text) if end < 0 else end
        last_line_end = end
        line = text[start:end]
        if state is None:
            hm = header_match(line)
            if hm:
                line_no += text.count("\n", counted_to, start)
                counted_to = start
                headers.append(Header(line_no, split_key(hm.group(2)), hm.group(1) == "[["))
                continue
        if '"""' in line or "'''" in line:
            state = _string_state_after(line, state)
    return headers


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


@dataclass(slots=True)
class Layout:
    lines: list[str]
    segments: list[Segment] = field(default_factory=list)
    standard: bool = True  # projects written as [[projects]] entries, one segment each

    def segment_text(self, seg: Segment) -> str:
        return "".join(self.lines[seg.start : seg.end])

    def project_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "project"]


def layout(text: str, project_count: int) -> Layout:
    lines = lines_with_offsets(text)
    headers = scan_headers(text)
    segs: list[Segment] = []
    standard = True
    project_index = -1
    starts: list[tuple[int, str, tuple[str, ...], int]] = []
    for h in headers:
        if h.key == ("projects",) and h.array:
            project_index += 1
            starts.append((h.line, "project", h.key, project_index))
        elif h.key[0] == "projects":
            if project_index < 0 or h.key == ("projects",):
                standard = False
            continue  # a sub-table of the current project
        else:
            starts.append((h.line, "table", h.key, -1))
    if project_index + 1 != project_count:
        standard = False
    # Attach the comment block directly above a header to the segment it introduces.
    bounds = []
    for line_no, kind, key, idx in starts:
        s = line_no
        while s > 0 and lines[s - 1].lstrip().startswith("#"):
            s -= 1
        bounds.append((s, kind, key, idx))
    first = bounds[0][0] if bounds else len(lines)
    segs.append(Segment("preamble", 0, first))
    for n, (s, kind, key, idx) in enumerate(bounds):
        e = bounds[n + 1][0] if n + 1 < len(bounds) else len(lines)
        segs.append(Segment(kind, s, e, key, idx))
    return Layout(lines, segs, standard)


# --- finding the line of a key ---------------------------------------------------------------------


def _key_lines(lines: list[str], start: int, end: int, base: tuple[str, ...]) -> Iterator[tuple[int, int, tuple[Any, ...]]]:
    """(line, col, full key path) of every header and `key =` line in [start, end), outside strings."""
    table: tuple[str, ...] = base
    state: str | None = None
    for n in range(start, end):
        line = lines[n]
        if state is not None:
            state = _string_state_after(line, state)
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
            state = _string_state_after(line[km.end() :], None)
        elif '"""' in line or "'''" in line:
            state = _string_state_after(line, None)


def locate(lay: Layout, path: tuple[Any, ...]) -> tuple[int, int]:
    """1-based (line, col) that best matches a data path such as ("projects", 3, "cost", "data_availability")."""
    if not path:
        return 1, 1
    if path[0] == "projects" and len(path) > 1 and isinstance(path[1], int) and lay.standard:
        seg = next((s for s in lay.segments if s.project_index == path[1]), None)
        if seg is None:
            return 1, 1
        rest = tuple(p for p in path[2:])
        target = ("projects",) + rest
        start, end = seg.start, seg.end
    else:
        target = tuple(path)
        start, end = 0, len(lay.lines)
    best = (start + 1, 1)
    best_len = -1
    str_target = tuple(p for p in target if not isinstance(p, int))
    first_index = next((i for i, p in enumerate(target) if isinstance(p, int)), None)
    for n, col, key in _key_lines(lay.lines, start, end, ()):
        k = len(key)
        if k > best_len and str_target[:k] == key:
            best, best_len = (n + 1, col), k
            if k == len(str_target):
                break
    # An index into an array written one item per line: step down to that item.
    if first_index is not None and best_len == first_index:
        item = target[first_index]
        n = best[0]  # the line after the key, 0-based
        seen = -1
        while n < end and n < len(lay.lines):
            stripped = lay.lines[n].strip()
            if stripped.startswith("{") or stripped.startswith('"'):
                seen += 1
                if seen == item:
                    return n + 1, len(lay.lines[n]) - len(lay.lines[n].lstrip()) + 1
            if stripped.startswith("]"):
                break
            n += 1
    return best
