"""How values read as text, the same everywhere: the CLI, the exporters, git's text output and the app.

Standard library only, no rich and no Textual, so every layer above the domain may use it.

- numbers, scores, ranks and dates: `num`, `score`, `rank`, `iso`;
- empty values: `is_empty` (None, an empty string, list, tuple, set or dict) and `or_dash`;
- user text (anything from a file, a plugin or git): `plain` makes it safe to print on a terminal (control
  characters and bidirectional overrides shown as escapes, never run) and rich must get it as `Text`, never
  as markup; `md` makes it one literal line of Markdown, HTML included.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Mapping
from typing import Any

DASH = "-"

# Bidirectional embeddings, overrides and isolates reorder the text around them on screen.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def num(x: float | None, digits: int = 2, missing: str = DASH) -> str:
    """A number with `digits` decimals (`3.25`), `missing` when unset."""
    return missing if x is None else f"{x:.{digits}f}"


def short_num(x: float | None, missing: str = DASH) -> str:
    """A number as short as it reads (`0.85`, `80`), `missing` when unset."""
    return missing if x is None else f"{x:g}"


def score(v: int | None, missing: str = DASH) -> str:
    """A 1-5 score as `4/5`, `missing` when unset."""
    return missing if v is None else f"{v}/5"


def rank(r: int | None, missing: str = DASH, mark: str = "") -> str:
    """A rank (`3`, or `#3` with `mark="#"`), `missing` when unranked."""
    return missing if r is None else f"{mark}{r}"


def iso(value: Any) -> Any:
    """A date, datetime or time as ISO 8601 text (a date as YYYY-MM-DD, as in the file); other values as they are."""
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    return value


def iso_data(value: Any) -> Any:
    """Plain data with every date inside it as ISO text (for JSON)."""
    if isinstance(value, Mapping):
        return {k: iso_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [iso_data(v) for v in value]
    return iso(value)


def json_default(value: Any) -> Any:
    """`json.dumps(..., default=json_default)`: dates as YYYY-MM-DD, as in the file."""
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def is_empty(value: Any) -> bool:
    """Not set: None, an empty string, an empty collection (`0` and `false` are values). A string of blanks
    is a value too; test `not s.strip()` where blank text should count as missing."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, set, frozenset, dict)):
        return not value
    return False


def or_dash(value: Any, missing: str = DASH) -> str:
    """`value` as text, `missing` when it is empty."""
    return missing if is_empty(value) else str(value)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def plain(text: Any) -> str:
    """User text made safe to print: control characters (ANSI escapes), bidirectional overrides and other
    invisible format characters are shown as `\\x1b`-style escapes; newlines and tabs are kept.

    The result is still to be given to rich as `Text` (never as markup): rich reads `[bold]` as markup.
    """
    s = "" if text is None else str(text).replace("\r\n", "\n")
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in "\n\t":
            out.append(ch)
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: Any) -> str:
    """User text on one line: whitespace runs (line breaks included) become one space."""
    return " ".join(plain(text).split())


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#<>!~"})


def md(text: Any) -> str:
    """User text as one literal line of Markdown (a table cell or a list item): HTML is escaped (`&lt;`),
    Markdown syntax and table column breaks are backslash-escaped, line breaks become spaces."""
    s = one_line(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.translate(_MD_SPECIAL)
