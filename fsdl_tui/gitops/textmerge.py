"""The lossless part of the merge: each version split into text segments, merged as text.

A portfolio file is split by the storage line scanner into its preamble, its other tables (`[settings]`,
`[scoring.x]`, ...) and one segment per project (with the comments above its `[[projects]]` line and every
`[projects.x]` sub-table). Segments are matched by key (a project by its id). A segment changed on one side
only is taken verbatim from that side, so everything in it survives: comments, blank lines, unknown keys,
formatting. A segment changed on both sides is merged line by line (diff3, `git merge-file`, or, where both sides
wrote at the same place, both sides' lines); that result is kept only when its data is the leaf-by-leaf
3-way merge of the three versions' raw data.
The order of the segments is ours', or theirs' when only theirs reordered; a segment only one side added is
placed after the one before it on that side.

`merge_segments` answers None when the files are not in the usual layout; the caller then merges by field.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..storage import PortfolioDocument
from .leaves import MISSING, flatten

Key = tuple[str, ...]


@dataclass(frozen=True)
class Piece:
    key: Key  # ("preamble",), ("table", *table key) or ("project", id)
    text: str
    last: bool  # the last segment of its file


def pieces(doc: PortfolioDocument | None) -> list[Piece] | None:
    """The segments of a document, or None when its layout is unusual (or keys repeat)."""
    if doc is None:
        return []
    lay = doc.layout
    if not lay.standard:
        return None
    out: list[Piece] = []
    segs = lay.segments
    for n, seg in enumerate(segs):
        if seg.kind == "project":
            if seg.project_index >= len(doc.portfolio.projects):
                return None
            key: Key = ("project", doc.portfolio.projects[seg.project_index].id)
        elif seg.kind == "table":
            key = ("table", *seg.key)
        else:
            key = ("preamble",)
        out.append(Piece(key, lay.segment_text(seg), n == len(segs) - 1))
    if len({p.key for p in out}) != len(out):
        return None
    return out


def merge_file(
    base: str,
    ours: str,
    theirs: str,
    marker_size: int = 7,
    labels: tuple[str, str] = ("ours", "theirs"),
    favor: str | None = None,
) -> tuple[str, int] | None:
    """`git merge-file`: (merged text, number of conflicts), or None when git cannot be run."""
    with tempfile.TemporaryDirectory(prefix="fsdl-tui-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
                f.write(text)
            paths.append(path)
        args = ["git", "merge-file", "-p", f"--marker-size={marker_size}"]
        args += [f"--{favor}"] if favor else []
        args += ["-L", labels[0], "-L", "base", "-L", labels[1], *paths]
        try:
            run = subprocess.run(args, capture_output=True, check=False)
        except OSError:
            return None
    if run.returncode < 0 or run.returncode >= 128:
        return None
    return run.stdout.decode("utf-8", errors="surrogateescape"), run.returncode


def _raw(text: str) -> dict[str, Any] | None:
    """A segment's raw TOML data; a project segment's one `[[projects]]` entry as a table, so that its
    leaves are compared one by one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    projects = data.get("projects")
    if isinstance(projects, list) and len(projects) == 1 and isinstance(projects[0], dict):
        data["projects"] = projects[0]
    return data


def raw_clashes(base: str, ours: str, theirs: str) -> list[tuple[tuple[str, ...], Any, Any, Any]]:
    """The raw leaves changed two different ways: (path, base, ours, theirs)."""
    data = [_raw(t) for t in (base, ours, theirs)]
    if any(d is None for d in data):
        return []
    b, o, t = (flatten(d) for d in data if d is not None)
    out = []
    for path in dict.fromkeys([*o, *t, *b]):
        vb, vo, vt = b.get(path, MISSING), o.get(path, MISSING), t.get(path, MISSING)
        if vo != vt and vt != vb and vo != vb:
            out.append((path, vb, vo, vt))
    return out


def raw_leaf_merge(base: str, ours: str, theirs: str) -> dict[Any, Any] | None:
    """The leaf-by-leaf 3-way merge of three segments' raw TOML data, or None on a clash (or bad TOML)."""
    data = [_raw(t) for t in (base, ours, theirs)]
    if any(d is None for d in data):
        return None
    b, o, t = (flatten(d) for d in data if d is not None)
    out: dict[Any, Any] = {}
    for path in dict.fromkeys([*o, *t, *b]):
        vb, vo, vt = b.get(path, MISSING), o.get(path, MISSING), t.get(path, MISSING)
        if vo == vt or vt == vb:
            v = vo
        elif vo == vb:
            v = vt
        else:
            return None
        if v is not MISSING:
            out[path] = v
    return out


def leaves_of(text: str) -> dict[Any, Any] | None:
    data = _raw(text)
    return None if data is None else flatten(data)


def _reordered(base: Sequence[Key], side: Sequence[Key]) -> bool:
    kept = set(side)
    in_base = set(base)
    return [k for k in base if k in kept] != [k for k in side if k in in_base]


def merge_order(base: Sequence[Key], ours: Sequence[Key], theirs: Sequence[Key]) -> list[Key]:
    """The keys of the merge, in order: ours' order (theirs' when only theirs reordered) without what the
    other side removed; what only the other side added goes after the key before it there, after what
    the first side added at that place."""
    in_base = set(base)
    if _reordered(base, theirs) and not _reordered(base, ours):
        first, second = theirs, ours
    else:
        first, second = ours, theirs
    in_second = set(second)
    result = [k for k in first if k not in in_base or k in in_second]
    for i, k in enumerate(second):
        if k in in_base or k in result:
            continue
        pos = 0
        for prev in reversed(second[:i]):
            if prev in result:
                pos = result.index(prev) + 1
                break
        while pos < len(result) and result[pos] not in in_base and result[pos] not in in_second:
            pos += 1  # the first side's own additions at this place come first
        result.insert(pos, k)
    return result


@dataclass
class SegmentMerge:
    """Per key, the merged text (None: removed); `both` lists the keys changed on both sides, merged by
    line; `failed` the keys changed on both sides that the line merge could not settle."""

    order: list[Key]
    texts: dict[Key, str | None]
    both: list[Key]
    failed: list[Key]


def merge_segments(
    base: PortfolioDocument | None,
    ours: PortfolioDocument,
    theirs: PortfolioDocument,
    marker_size: int = 7,
    labels: tuple[str, str] = ("ours", "theirs"),
) -> SegmentMerge | None:
    pb, po, pt = pieces(base), pieces(ours), pieces(theirs)
    if pb is None or po is None or pt is None:
        return None
    tb, to, tt = ({p.key: p.text for p in ps} for ps in (pb, po, pt))
    order = merge_order([p.key for p in pb], [p.key for p in po], [p.key for p in pt])
    texts: dict[Key, str | None] = {}
    both: list[Key] = []
    failed: list[Key] = []
    for key in dict.fromkeys([*order, *tb]):
        b, o, t = tb.get(key), to.get(key), tt.get(key)
        if o == t or t == b:
            texts[key] = o
        elif o == b:
            texts[key] = t
        else:
            both.append(key)
            if o is None or t is None:
                failed.append(key)
                continue
            expected = raw_leaf_merge(b or "", o, t)
            text = None
            if expected is not None:
                # diff3; where both sides wrote at one place (say, each a new key under the same table),
                # both sides' lines: kept only when the data is what it must be
                for favor in (None, "union"):
                    merged = merge_file(b or "", o, t, marker_size, labels, favor)
                    if merged is not None and merged[1] == 0 and leaves_of(merged[0]) == expected:
                        text = merged[0]
                        break
            if text is None:
                failed.append(key)
                continue
            texts[key] = text
    for key in failed:  # removed on one side, changed on the other: where the side that kept it has it
        if key not in order:
            side = [p.key for p in (po if key in to else pt)]
            prev = side[: side.index(key)]
            pos = next((order.index(k) + 1 for k in reversed(prev) if k in order), len(order))
            order.insert(pos, key)
    order = [k for k in order if texts.get(k) is not None or k in failed]
    return SegmentMerge(order, texts, both, failed) if order else None


def join(order: Sequence[Key], texts: dict[Key, str], last_in_source: set[Key], newline: str = "\n") -> str:
    """The segments in order. A segment that ended its file and is now followed by another gets a blank
    line after it; the file ends with one line ending."""
    out: list[str] = []
    for n, key in enumerate(order):
        text = texts[key]
        if not text:
            continue
        final = n == len(order) - 1
        if not final:
            if not text.endswith("\n"):
                text += newline
            if key in last_in_source and not text.endswith(newline + newline):
                text += newline
        elif key not in last_in_source:
            stripped = text.rstrip("\r\n")
            text = stripped + newline if stripped else text
        out.append(text)
    return "".join(out)


def last_keys(*docs: PortfolioDocument | None) -> set[Key]:
    """The keys that end their file in any of the documents."""
    found: set[Key] = set()
    for doc in docs:
        ps = pieces(doc) if doc is not None else None
        if ps:
            found.add(ps[-1].key)
    return found
