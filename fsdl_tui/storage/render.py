"""Canonical TOML text for values and for new projects: the one layout `docs/format.md` describes.

Existing text is never re-rendered: the writer uses this only for what it adds (a new project, a new value).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

from ..domain import framework as fw
from ..domain.codec import project_to_data
from ..domain.model import Project

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def key(k: str) -> str:
    return k if _BARE_KEY.match(k) else string(k)


def string(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def multiline_string(s: str) -> str:
    """A multi-line basic string. Quotes stay readable; one is escaped where three would meet, and at the end."""
    body = []
    run = 0  # unescaped quotes just written
    last = len(s) - 1
    for i, ch in enumerate(s):
        if ch == '"':
            if run == 2 or i == last:
                body.append('\\"')
                run = 0
            else:
                body.append('"')
                run += 1
            continue
        run = 0
        if ch == "\\":
            body.append("\\\\")
        elif ch in "\n\t":
            body.append(ch)
        elif ch == "\r":
            body.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            body.append(f"\\u{ord(ch):04x}")
        else:
            body.append(ch)
    return '"""\n' + "".join(body) + '"""'


def value(v: Any, *, inline: bool = False) -> str:
    """A TOML value. Lists of tables become one item per line unless `inline`; strings with newlines
    become multi-line strings unless `inline`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write the number {v!r}")
        return repr(v)
    if isinstance(v, str):
        return multiline_string(v) if "\n" in v and not inline else string(v)
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat()
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {value(x, inline=True)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        if not inline and any(isinstance(x, dict) for x in v):
            return "[\n" + "".join(f"  {value(x, inline=True)},\n" for x in v) + "]"
        return "[" + ", ".join(value(x, inline=True) for x in v) + "]"
    raise TypeError(f"cannot write a value of type {type(v).__name__} to TOML")


def _assign(k: str, v: Any, comment: str = "") -> str:
    line = f"{key(k)} = {value(v)}"
    return f"{line}  # {comment}\n" if comment else line + "\n"


_TABLE_COMMENTS = {
    "impact": "1 low .. 5 high. Lenses: cheap prediction, product friction, automation, peers (FSDL lecture 1)",
    "cost": "cost drivers, 1-5 in their natural direction; data availability matters most",
    "questions": "answers to the archetype's key questions",
    "gate": "before starting: ready? needed? ethical?",
    "feasibility": "feasibility assessment, steps A-G",
    "metrics": "one optimizing metric, satisficing thresholds, baselines",
    "effort": "what it would take, for `fsdl-tui plan`",
    "lifecycle": "planning -> data -> training -> deploying -> production; moving back is normal",
    "plugins": "",
}
_SCORE_COMMENTS = {lens.id: lens.question for lens in fw.IMPACT_LENSES} | {
    d.id: f"1 {d.low} .. 5 {d.high}" for d in fw.COST_DRIVERS
}
_CHECK_COMMENTS = {i.id: i.question for i in fw.GATE_ITEMS + fw.FEASIBILITY_STEPS}


def project(p: Project) -> str:
    """A new project as text, in canonical order with the schema as comments."""
    data = project_to_data(p)
    out = ["[[projects]]\n"]
    tables = []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
            continue
        comment = "software-2.0 | human-in-the-loop | autonomous" if k == "archetype" else ""
        out.append(_assign(k, v, comment))
    for name, table in tables:
        if name == "plugins":
            for plugin, fields in table.items():
                out.append(f"\n[projects.plugins.{key(plugin)}]\n")
                out.extend(_assign(k, v) for k, v in fields.items())
            continue
        comment = _TABLE_COMMENTS.get(name, "")
        out.append(f"\n[projects.{name}]" + (f"  # {comment}\n" if comment else "\n"))
        for k, v in table.items():
            if name in ("impact", "cost") and k in _SCORE_COMMENTS:
                out.append(_assign(k, v, _SCORE_COMMENTS[k]))
            elif name in ("gate", "feasibility"):
                out.append(_assign(k, v, _CHECK_COMMENTS.get(k, "")))
            else:
                out.append(_assign(k, v))
        if name == "effort" and not table:
            out.append("# weeks = 6      # person-weeks\n# gpu_days = 20  # where compute is the constraint\n")
        if name == "impact":
            out.extend(
                f"# {lens} = 1..5\n"
                for lens in ("overall",) + tuple(x.id for x in fw.IMPACT_LENSES)
                if lens not in table
            )
    return "".join(out)
