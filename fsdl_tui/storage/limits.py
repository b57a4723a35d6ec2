"""Limits on what a portfolio file may hold, so a hostile or broken file is a message, not a crash or a hang.

- nesting: values (arrays, inline tables, tables) at most `MAX_DEPTH` levels deep;
- integers: 64-bit, as TOML 1.0 says (Python would take any size, and then fail to write it back);
- floats: finite where a number is stored: `nan` and `inf` cannot be compared, ranked or written back;
- file size: at most `max_file_bytes()`, 512 MiB unless `$FSDL_TUI_MAX_FILE_MIB` says otherwise.

The size limit guards against memory bombs: a parser holds several times a file's size in memory, so a
file of gigabytes (or a sparse one that only claims to be) would exhaust it before anything could be said.
100,000 fully filled projects are about 362 MiB and open within the default. `atomic.read_file` applies the
limit (and refuses FIFOs and devices).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any

from ..domain.codec import Issue

MAX_DEPTH = 32
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

ENV_MAX_FILE = "FSDL_TUI_MAX_FILE_MIB"
DEFAULT_MAX_FILE_MIB = 512


def max_file_bytes(env: Mapping[str, str] | None = None) -> int:
    """The largest portfolio file read, in bytes: `$FSDL_TUI_MAX_FILE_MIB` MiB (a positive number, such as
    `1024` or `0.5`) if set, else `DEFAULT_MAX_FILE_MIB`. A value that is not a positive number is ignored."""
    raw = (os.environ if env is None else env).get(ENV_MAX_FILE, "").strip()
    try:
        mib = float(raw) if raw else 0.0
    except ValueError:
        mib = 0.0
    if not math.isfinite(mib) or mib <= 0:
        mib = DEFAULT_MAX_FILE_MIB
    return max(1, int(mib * 2**20))


def size_text(size: int) -> str:
    """A size in bytes as people read it: `512 MiB`, `0.5 MiB`, `2,000 bytes`."""
    mib = size / 2**20
    if mib >= 10:
        return f"{mib:.0f} MiB"
    if mib >= 0.01:
        return f"{mib:.2f}".rstrip("0").rstrip(".") + " MiB"
    return f"{size:,} bytes"


def _name(path: tuple[Any, ...]) -> str:
    keys = [p for p in path if isinstance(p, str)]
    name = keys[-1] if keys else "value"
    return name if len(name) <= 60 else name[:57] + "..."


def value_issues(data: dict[str, Any], limit: int = 20) -> list[Issue]:
    """Values the rest of fsdl-tui cannot handle: too deep, integers beyond 64 bits, NaN or infinity.

    One iterative walk (no recursion, so no depth can break it); at most `limit` issues. A quick look
    first (`_within`): data with nothing beyond the limits, nearly all of it, is never walked with paths.
    """
    if isinstance(data, (dict, list)) and _within(data, 0):
        return []
    issues: list[Issue] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack and len(issues) < limit:
        value, path = stack.pop()
        if isinstance(value, dict):
            if len(path) >= MAX_DEPTH:
                issues.append(Issue(path, f"'{_name(path)}' is nested more than {MAX_DEPTH} levels deep"))
                continue
            stack.extend((v, (*path, k)) for k, v in reversed(value.items()) if not isinstance(v, str))
        elif isinstance(value, list):
            if len(path) >= MAX_DEPTH:
                issues.append(Issue(path, f"'{_name(path)}' is nested more than {MAX_DEPTH} levels deep"))
                continue
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(value))) if not isinstance(v, str))
        elif type(value) is float:
            if math.isnan(value):
                issues.append(Issue(path, f"'{_name(path)}' = nan is not a number; write a number (or quoted text)"))
            elif math.isinf(value):
                issues.append(
                    Issue(path, f"'{_name(path)}' = {value} is infinite (or too large); write a finite number")
                )
        elif type(value) is int and not INT_MIN <= value <= INT_MAX:
            issues.append(
                Issue(path, f"'{_name(path)}' is an integer beyond 64 bits; integers must be from -2^63 to 2^63-1")
            )
    return issues


_INF = math.inf


def _within(value: dict[str, Any] | list[Any], depth: int) -> bool:
    """Whether this container at `depth` (the length of its path) and all in it are within the limits, as
    `value_issues` judges them: True means it would find nothing. It recurses at most `MAX_DEPTH` deep."""
    if depth >= MAX_DEPTH:
        return False
    for v in value.values() if isinstance(value, dict) else value:
        t = type(v)
        if t is str or t is bool:
            continue
        if t is int:
            if v < INT_MIN or v > INT_MAX:
                return False
        elif t is float:
            if v != v or v == _INF or v == -_INF:
                return False
        elif isinstance(v, (dict, list)) and not _within(v, depth + 1):
            return False
    return True


# --- positions for what the TOML parser itself cannot get through ---------------------------------------

_BIG_INT_RE = re.compile(r"(?<![\w.])[+-]?[0-9](?:_?[0-9]){4299,}")
_INTERESTING_RE = re.compile(r"""[\[\]{}#"'\n]""")


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("\n", 0, pos) + 1, pos - line_start + 1


def huge_integer_position(text: str) -> tuple[int, int]:
    """(line, col) of the first integer written with more than 4,300 digits (Python refuses to convert it)."""
    m = _BIG_INT_RE.search(text)
    return _line_col(text, m.start()) if m else (1, 1)


def _string_end(text: str, i: int) -> int:
    """Index just after the string that starts at `i` (or the end of the text)."""
    q = text[i]
    delim = q * 3 if text.startswith(q * 3, i) else q
    j = i + len(delim)
    while True:
        k = text.find(delim, j)
        if k < 0:
            return len(text)
        if q == '"':
            b = k
            while b > j and text[b - 1] == "\\":
                b -= 1
            if (k - b) % 2:
                j = k + 1
                continue
        if len(delim) == 1 and "\n" in text[j:k]:
            return text.find("\n", j)  # an unclosed single-line string ends at its line
        return k + len(delim)


def deep_nesting_position(text: str, limit: int = MAX_DEPTH) -> tuple[int, int]:
    """(line, col) of the bracket that opens nesting level `limit + 1` (outside strings and comments)."""
    depth = 0
    pos = 0
    while True:
        m = _INTERESTING_RE.search(text, pos)
        if m is None:
            return 1, 1
        i, ch = m.start(), m.group()
        if ch == "#":
            nl = text.find("\n", i)
            pos = len(text) if nl < 0 else nl
        elif ch in "\"'":
            pos = _string_end(text, i)
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return _line_col(text, i)
            pos = i + 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
            pos = i + 1
        else:
            pos = i + 1
