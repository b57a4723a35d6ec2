"""A 3-way merge of portfolio files by project id and field: the git merge driver and the app's reload.

Each side is read as a portfolio; each project's canonical data (`project_to_data`) is compared leaf by
leaf with the base. A leaf changed on one side takes that side's value; changed the same way on both, it
is taken once; changed differently on both, it is a conflict. Lifecycle history entries appended on both
sides are united in date order. The merged portfolio is written as a minimal diff of ours, so ours'
formatting and comments stay. A conflict is written with standard git conflict markers around just the
lines that differ between taking ours' and taking theirs' value, and the merge is not clean.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from typing import Any

from ..domain.codec import portfolio_from_data, portfolio_header_data, project_from_data, project_to_data
from ..domain.model import Portfolio, Project
from ..storage import PortfolioDocument, PortfolioError, PortfolioLoadError, loads, render_text, segment_memo
from ..storage.scan import layout
from .diff import HISTORY
from .leaves import MISSING, Leaves, dotted, flatten, show, unflatten
from .textmerge import Key, join, last_keys, merge_file, merge_segments, raw_clashes
from .unchanged import SharedProjects


@dataclass(frozen=True)
class MergeResult:
    """`text` is the merged file (with conflict markers unless `clean`); `conflicts` says what conflicted."""

    text: str
    conflicts: list[str] = field(default_factory=list)
    clean: bool = True
    portfolio: Portfolio | None = None  # the merged portfolio, when clean


@dataclass(frozen=True)
class PortfolioMerge:
    """The merge of three portfolios: with every conflict resolved to ours, and to theirs."""

    ours: Portfolio
    theirs: Portfolio
    conflicts: list[str]

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _implicit_undone(path: tuple[str, ...], b: Any, o: Any, t: Any) -> bool:
    """A checklist item added on both sides where one side only wrote its note: that side's `done = false`
    came with the item, it is not an answer."""
    return (
        b is MISSING
        and len(path) == 3
        and path[0] in ("gate", "feasibility")
        and path[2] == "done"
        and (o is False or t is False)
        and o is not MISSING
        and t is not MISSING
    )


def _pick(b: Any, o: Any, t: Any, path: tuple[str, ...] = ()) -> tuple[Any, Any, bool]:
    """(value taking ours, value taking theirs, conflict?) for one leaf."""
    if o == t or t == b:
        return o, o, False
    if o == b:
        return t, t, False
    if _implicit_undone(path, b, o, t):
        return (t, t, False) if o is False else (o, o, False)
    return o, t, True  # changed two ways, or absent from base and added two ways: a conflict


def _merge_history(b: list[Any], o: list[Any], t: list[Any]) -> list[Any] | None:
    """Moves appended on either side, united in date order after the base's (identical ones once);
    None when a side rewrote the base's history."""
    if o[: len(b)] != b or t[: len(b)] != b:
        return None
    added = list(o[len(b) :])
    added += [m for m in t[len(b) :] if m not in added]
    return b + sorted(added, key=lambda m: m["date"])  # stable: ours first on the same date


def merge_leaves(base: Leaves, ours: Leaves, theirs: Leaves, label: str) -> tuple[Leaves, Leaves, list[str]]:
    """Leaf-by-leaf 3-way merge: (leaves taking ours on conflict, leaves taking theirs, conflict messages)."""
    to_ours: Leaves = {}
    to_theirs: Leaves = {}
    conflicts: list[str] = []
    for path in dict.fromkeys([*ours, *theirs, *base]):
        b, o, t = base.get(path, MISSING), ours.get(path, MISSING), theirs.get(path, MISSING)
        if path == HISTORY and isinstance(o, list) and isinstance(t, list) and o != t:
            united = _merge_history(b if isinstance(b, list) else [], o, t)
            if united is not None:
                o = t = b = united
        vo, vt, conflict = _pick(b, o, t, path)
        if conflict:
            conflicts.append(f"{label}{dotted(path)}: ours {show(o)}, theirs {show(t)} (base {show(b)})")
        if vo is not MISSING:
            to_ours[path] = vo
        if vt is not MISSING:
            to_theirs[path] = vt
    return to_ours, to_theirs, conflicts


def _project(leaves: Leaves, fallback: Project) -> Project:
    project, _ = project_from_data(unflatten(leaves))
    return project if project is not None else fallback


def _merge_project(
    b: Project | None, o: Project | None, t: Project | None
) -> tuple[Project | None, Project | None, list[str]]:
    if o is not None and o is t:  # one object (built once from the same text): nothing to merge
        return o, o, []
    pid = (o or t or b).id  # type: ignore[union-attr]
    data = {k: project_to_data(p) if p is not None else None for k, p in (("b", b), ("o", o), ("t", t))}
    if data["o"] == data["t"]:
        return o, o, []
    if data["t"] == data["b"]:
        return o, o, []
    if data["o"] == data["b"]:
        return t, t, []
    if o is None or t is None:
        kept, side = (t, "theirs") if o is None else (o, "ours")
        gone = "ours" if o is None else "theirs"
        msg = f"project '{pid}': removed in {gone}, changed in {side}"
        return (None, kept, [msg]) if o is None else (kept, None, [msg])
    do, dt = project_to_data(o), project_to_data(t)
    lo, lt, conflicts = merge_leaves(
        flatten(data["b"]) if data["b"] else {}, flatten(do), flatten(dt), f"project '{pid}': "
    )
    return _project(lo, o), _project(lt, t), conflicts


def merge_portfolios(base: Portfolio | None, ours: Portfolio, theirs: Portfolio) -> PortfolioMerge:
    """Merge by project id and field. Order: ours' projects, then the ones only theirs added."""
    hb = flatten(portfolio_header_data(base)) if base is not None else {}
    ho, ht, conflicts = merge_leaves(
        hb, flatten(portfolio_header_data(ours)), flatten(portfolio_header_data(theirs)), "portfolio: "
    )
    header_o = portfolio_from_data(unflatten(ho))[0] if ho != flatten(portfolio_header_data(ours)) else ours
    header_t = portfolio_from_data(unflatten(ht))[0] if ho != ht else header_o
    ids = list(dict.fromkeys([*(p.id for p in ours.projects), *(p.id for p in theirs.projects)]))
    picks_o: list[Project] = []
    picks_t: list[Project] = []
    for pid in ids:
        po, pt, found = _merge_project(base.get(pid) if base else None, ours.get(pid), theirs.get(pid))
        conflicts += found
        picks_o += [po] if po is not None else []
        picks_t += [pt] if pt is not None else []
    return PortfolioMerge(
        header_o.replace(projects=tuple(picks_o)), header_t.replace(projects=tuple(picks_t)), conflicts
    )


# --- text ---------------------------------------------------------------------------------------------


def with_markers(
    ours: str, theirs: str, marker_size: int = 7, labels: tuple[str, str] = ("ours", "theirs"), newline: str = "\n"
) -> str:
    """`ours` with git conflict markers around each run of lines that differs in `theirs`."""
    a, b = ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    for lines in (a, b):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += a[i1:i2]
            continue
        out.append(f"{'<' * marker_size} {labels[0]}{newline}")
        out += a[i1:i2]
        out.append(f"{'=' * marker_size}{newline}")
        out += b[j1:j2]
        out.append(f"{'>' * marker_size} {labels[1]}{newline}")
    return "".join(out)


def line_merge(
    base: str, ours: str, theirs: str, marker_size: int = 7, labels: tuple[str, str] = ("ours", "theirs")
) -> str:
    """A plain line-based 3-way merge (`git merge-file`), for files that cannot be read as portfolios;
    without git, the whole of both sides between conflict markers."""
    with tempfile.TemporaryDirectory(prefix="fsdl-tui-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
                f.write(text)
            paths.append(path)
        try:
            run = subprocess.run(
                [
                    "git",
                    "merge-file",
                    "-p",
                    f"--marker-size={marker_size}",
                    "-L",
                    labels[0],
                    "-L",
                    "base",
                    "-L",
                    labels[1],
                    *paths,
                ],
                capture_output=True,
                check=False,
            )
        except OSError:
            run = None
    if run is not None and run.returncode >= 0 and run.returncode < 128:
        return run.stdout.decode("utf-8", errors="surrogateescape")
    return with_markers(ours, theirs, marker_size, labels) if ours != theirs else ours


def _load(text: str, name: str, *, empty_ok: bool) -> PortfolioDocument | None:
    if empty_ok and not text.strip():
        return None  # no common ancestor: git passes an empty base
    return loads(text, name)


def _problems(exc: PortfolioError) -> list[str]:
    return [str(p) for p in exc.problems] if isinstance(exc, PortfolioLoadError) else [str(exc)]


def merge_texts(
    base_text: str,
    ours_text: str,
    theirs_text: str,
    marker_size: int = 7,
    *,
    path: str = "portfolio",
    labels: tuple[str, str] = ("ours", "theirs"),
    portfolio: bool = True,
) -> MergeResult:
    """Merge three versions of a portfolio file by project id and field, keeping ours' formatting.

    Clean: the text is a valid portfolio (checked by reading it back). Not clean: the text has git conflict
    markers (or, when a side is not a valid portfolio, is a plain line merge) and `conflicts` says why.
    Never raises on bad input.

    Without `portfolio` (git's driver needs only the text), the projects that are the same text in all
    three versions are set aside unread (`unchanged.py`) and the result carries no portfolio; the text,
    the conflicts and `clean` are what the full merge gives, which is run instead whenever the merge of
    the rest cannot stand for it (a version or the result not valid, a merge by field).
    """
    with segment_memo():  # the three versions and the result share most projects: each is parsed once
        if not portfolio:
            quick = _merge_unchanged_aside(base_text, ours_text, theirs_text, marker_size, path, labels)
            if quick is not None:
                return quick
        return _merge_texts(base_text, ours_text, theirs_text, marker_size, path, labels)


def _merge_unchanged_aside(
    base_text: str, ours_text: str, theirs_text: str, marker_size: int, path: str, labels: tuple[str, str]
) -> MergeResult | None:
    """The merge with the projects all three versions share set aside (`SharedProjects`), or None to run
    the full merge: the merge of what is read stands for the full one only when all of it is valid and the
    merge goes by segment (the paths of the full merge that report positions or compare whole texts are
    left to it)."""
    if not base_text.strip():
        return None
    shared = SharedProjects((base_text, ours_text, theirs_text), labels)
    if not shared.standard or not shared.shared:
        return None
    if not shared.close():
        return None
    merged = merge_reduced(shared.reduced(), shared.newlines, marker_size, path, labels)
    if merged is None:
        return None
    restored = shared.restore(merged[0])
    if restored is None:
        return None
    return MergeResult(restored, merged[1], not merged[1])


def merge_reduced(
    reduced: list[str], newlines: list[str], marker_size: int, path: str, labels: tuple[str, str]
) -> tuple[str, list[str]] | None:
    """The merge of the reduced versions (base, ours, theirs: `SharedProjects.reduced`) by segment, their
    line endings those of the whole files: (the text, with the stubs still in it, and the conflicts), or
    None when it cannot stand for the full merge."""
    try:
        docs = [loads(t, f"{path} ({side})") for t, side in zip(reduced, ("base", "ours", "theirs"), strict=True)]
    except (PortfolioError, ValueError):
        return None
    for doc, newline in zip(docs, newlines, strict=True):
        vars(doc)["newline"] = newline  # the line ending of the whole file (a cached property), not the stubs'
    base, ours, theirs = docs
    merged = merge_portfolios(base.portfolio, ours.portfolio, theirs.portfolio)
    try:
        joined = _join_segments(base, ours, theirs, merged, marker_size, labels, settle_header=False)
    except (PortfolioError, ValueError, TypeError):
        return None
    if joined is None:
        return None
    text, conflicts = joined
    if not conflicts:
        try:
            doc = loads(text, path)
        except (PortfolioError, ValueError):
            return None
        if merged.conflicts or not _agrees(doc.portfolio, merged.ours):
            return None
    return text, conflicts


def _merge_texts(
    base_text: str, ours_text: str, theirs_text: str, marker_size: int, path: str, labels: tuple[str, str]
) -> MergeResult:
    try:
        base = _load(base_text, f"{path} (base)", empty_ok=True)
        ours = _load(ours_text, f"{path} (ours)", empty_ok=False)
        theirs = _load(theirs_text, f"{path} (theirs)", empty_ok=False)
    except (PortfolioError, ValueError) as exc:
        problems = _problems(exc) if isinstance(exc, PortfolioError) else [str(exc)]
        return MergeResult(
            line_merge(base_text, ours_text, theirs_text, marker_size, labels),
            ["not a valid portfolio, merged line by line: " + p for p in problems],
            False,
        )
    assert ours is not None and theirs is not None
    merged = merge_portfolios(base.portfolio if base else None, ours.portfolio, theirs.portfolio)
    try:
        by_segment = _merge_by_segment(base, ours, theirs, merged, marker_size, labels, path)
    except (PortfolioError, ValueError, TypeError):
        by_segment = None
    if by_segment is not None:
        return by_segment
    try:
        text = render_text(ours, merged.ours)
        if merged.conflicts:
            other = render_text(ours, merged.theirs)
            return MergeResult(with_markers(text, other, marker_size, labels, ours.newline), merged.conflicts, False)
    except (PortfolioError, ValueError, TypeError) as exc:
        return MergeResult(
            line_merge(base_text, ours_text, theirs_text, marker_size, labels),
            ["could not write the merged portfolio, merged line by line: " + str(exc)],
            False,
        )
    try:
        doc = loads(text, path)
    except PortfolioLoadError as exc:  # each side is valid, the combination is not (e.g. a dangling depends_on)
        return MergeResult(text, ["the merged portfolio is not valid: " + p for p in _problems(exc)], False)
    return MergeResult(text, [], True, doc.portfolio)


# --- by segment: what either side changed in the text survives ------------------------------------------


def _project_segment(doc: PortfolioDocument, project: Project) -> str:
    """The text of `project`'s segment when `doc` is written with it (a minimal diff of doc's segment)."""
    text = render_text(doc, doc.portfolio.with_project(project))
    lay = layout(text)
    index = next(i for i, p in enumerate(doc.portfolio.projects) if p.id == project.id)
    seg = next(s for s in lay.segments if s.kind == "project" and s.project_index == index)
    return lay.segment_text(seg)


def _same_project(text: str, expected: Project) -> bool:
    """`text` is one project's segment (nothing else) that reads as `expected`."""
    try:
        data = tomllib.loads(text)
        projects = data["projects"]
        if set(data) != {"projects"} or not isinstance(projects, list) or len(projects) != 1:
            return False
        found, issues = project_from_data(projects[0])
    except (tomllib.TOMLDecodeError, KeyError, IndexError, TypeError):
        return False
    return not issues and found is not None and project_to_data(found) == project_to_data(expected)


def _settle_project(
    pid: str,
    base: PortfolioDocument | None,
    ours: PortfolioDocument,
    theirs: PortfolioDocument,
    texts: dict[Key, str | None],
    marker_size: int,
    labels: tuple[str, str],
) -> tuple[str, list[str]]:
    """A project changed on both sides that the line merge could not settle: merged by field, written into
    ours' segment; theirs' other text edits are brought in where they do not clash."""
    key: Key = ("project", pid)
    b = base.portfolio.get(pid) if base is not None else None
    o, t = ours.portfolio.get(pid), theirs.portfolio.get(pid)
    po, pt, conflicts = _merge_project(b, o, t)
    seg_b = next((p.text for p in _pieces(base) if p.key == key), "")
    seg_o = next((p.text for p in _pieces(ours) if p.key == key), "")
    seg_t = next((p.text for p in _pieces(theirs) if p.key == key), "")
    if conflicts:
        side_o = _project_segment(ours, po) if po is not None and o is not None else ("" if po is None else seg_o)
        side_t = _project_segment(ours, pt) if pt is not None and o is not None else (seg_t if pt is not None else "")
        return with_markers(side_o, side_t, marker_size, labels, ours.newline), conflicts
    if po is None:
        return "", []  # removed on one side; the other only moved its blank lines
    if o is None:
        return seg_t, []
    written = _project_segment(ours, po)
    known = {("projects", *path) for p in (b, o, t) if p is not None for path in flatten(project_to_data(p))}
    clashes = [c for c in raw_clashes(seg_b, seg_o, seg_t) if c[0] not in known]
    if clashes:  # a key fsdl-tui does not know, set two ways: only a person can tell
        marked = merge_file(seg_b, written, seg_t, marker_size, labels)
        if marked is not None and marked[1]:
            return marked[0], [
                f"project '{pid}': {dotted(path[1:])} (not an fsdl-tui field): ours {show(vo)}, theirs {show(vt)} "
                f"(base {show(vb)})"
                for path, vb, vo, vt in clashes
            ]
    for favor in ("union", "ours"):  # theirs' lines too where they fit, else ours' where both wrote
        with_theirs = merge_file(seg_b, written, seg_t, marker_size, labels, favor=favor)
        if with_theirs is not None and _same_project(with_theirs[0], po):
            return with_theirs[0], []
    return written, []


def _pieces(doc: PortfolioDocument | None) -> list[Any]:
    from .textmerge import pieces

    return pieces(doc) or []


def _settle_header(
    keys: list[Key],
    base: PortfolioDocument | None,
    ours: PortfolioDocument,
    theirs: PortfolioDocument,
    merged: PortfolioMerge,
    marker_size: int,
    labels: tuple[str, str],
) -> dict[Key, str | None] | None:
    """Parts of the header (the preamble, `[settings]`, ...) changed on both sides that the line merge could
    not settle: the field-level header written into ours' parts, with theirs' other text edits where they
    fit. None when the header itself conflicts (the caller merges by field, with markers)."""
    if any(c.startswith("portfolio: ") for c in merged.conflicts):
        return None
    with_header = merged.ours.replace(projects=ours.portfolio.projects)
    try:
        written_doc = loads(render_text(ours, with_header))
    except PortfolioLoadError:
        return None
    written = {p.key: p.text for p in _pieces(written_doc)}
    out: dict[Key, str | None] = {}
    for key in keys:
        seg_b = next((p.text for p in _pieces(base) if p.key == key), "")
        seg_t = next((p.text for p in _pieces(theirs) if p.key == key), "")
        mine = written.get(key)
        if mine is None:
            out[key] = None  # the merged header has no such table
            continue
        out[key] = mine
        for favor in ("union", "ours"):
            candidate = merge_file(seg_b, mine, seg_t, marker_size, labels, favor=favor)
            if candidate is not None and _parses(candidate[0]):
                out[key] = candidate[0]
                break
    return out


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _merge_by_segment(
    base: PortfolioDocument | None,
    ours: PortfolioDocument,
    theirs: PortfolioDocument,
    merged: PortfolioMerge,
    marker_size: int,
    labels: tuple[str, str],
    path: str,
) -> MergeResult | None:
    """The lossless merge (see `textmerge`), or None to merge by field instead."""
    joined = _join_segments(base, ours, theirs, merged, marker_size, labels)
    if joined is None:
        return None
    text, conflicts = joined
    if conflicts:
        return MergeResult(text, conflicts, False)
    try:
        doc = loads(text, path)
    except PortfolioLoadError as exc:  # each side is valid, the combination is not (e.g. a dangling depends_on)
        if merged.conflicts:
            return None
        return MergeResult(text, ["the merged portfolio is not valid: " + p for p in _problems(exc)], False)
    if merged.conflicts or not _agrees(doc.portfolio, merged.ours):
        return None
    return MergeResult(text, [], True, doc.portfolio)


def _join_segments(
    base: PortfolioDocument | None,
    ours: PortfolioDocument,
    theirs: PortfolioDocument,
    merged: PortfolioMerge,
    marker_size: int,
    labels: tuple[str, str],
    settle_header: bool = True,
) -> tuple[str, list[str]] | None:
    """The segments merged and joined: (text, conflicts), or None to merge by field instead (and, without
    `settle_header`, when the header changed on both sides in a way the line merge could not settle)."""
    seg = merge_segments(base, ours, theirs, marker_size, labels)
    if seg is None:
        return None
    conflicts: list[str] = []
    texts = dict(seg.texts)
    header_failed = [k for k in seg.failed if k[0] != "project"]
    if header_failed and not settle_header:
        return None
    if header_failed:
        settled = _settle_header(header_failed, base, ours, theirs, merged, marker_size, labels)
        if settled is None:
            return None  # the header changed on both sides in a way this cannot settle: merge by field
        texts.update(settled)
    for key in seg.failed:
        if key[0] != "project":
            continue
        text, found = _settle_project(key[1], base, ours, theirs, texts, marker_size, labels)
        texts[key] = text
        conflicts += found
    order = [k for k in seg.order if texts.get(k)]
    text = join(order, {k: v for k, v in texts.items() if v}, last_keys(base, ours, theirs), ours.newline)
    return text, conflicts


def _agrees(got: Portfolio, expected: Portfolio) -> bool:
    """The same header and the same projects by id (the order may differ: theirs may have reordered)."""
    if portfolio_header_data(got) != portfolio_header_data(expected):
        return False
    want = {p.id: project_to_data(p) for p in expected.projects}
    return len(got.projects) == len(want) and all(want.get(p.id) == project_to_data(p) for p in got.projects)
