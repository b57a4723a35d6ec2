"""The tomlkit pass: make a tomlkit document of a piece of a file hold new values, touching only what
differs, and write it back with every line the edit did not touch exactly as it was.

`minimal_diff.py` calls it on the one project (or header table) that changed, never on the whole file
unless its layout is too unusual for anything else.
"""

from __future__ import annotations

import difflib
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.items import Array, Date, DateTime, InlineTable, Table, Time, Whitespace

from ..domain.schema import prunable_keys
from . import render
from .scan import header_match, lines_with_offsets

MISSING = object()  # a key that is not there
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
        ov = old.get(k, MISSING)
        if ov == nv:
            continue
        cur = container.get(k, MISSING)
        if cur is MISSING and prune:
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
    orig, base, out = lines_with_offsets(original), lines_with_offsets(roundtrip), lines_with_offsets(edited)
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


def edit_text(text: str, edit: Any, newline: str) -> str:
    """`text` parsed with tomlkit, changed by `edit(doc)`, written back with untouched lines as they were."""
    tdoc = tomlkit.parse(text)
    roundtrip = tomlkit.dumps(tdoc)
    edit(tdoc)
    return _restore_untouched(text, roundtrip, tomlkit.dumps(tdoc), newline)
