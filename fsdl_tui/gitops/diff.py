"""A semantic diff of two portfolios, keyed by project id: projects added and removed, each changed field
(old -> new, as dotted paths of `project_to_data`), stage moves, and rank changes under the default
FSDL scorer. Rendered as text, JSON or Markdown (for a pull request), and as a line-per-field "show" text
that git's textconv diff driver compares line by line.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import present
from ..domain.codec import portfolio_header_data, project_to_data
from ..domain.model import Portfolio, Project
from ..present import is_empty
from ..present import md as _md
from ..present import num as _num
from ..scoring.base import FsdlScorer, Ranked, Scorer, rank
from ..storage import PortfolioDocument
from ..storage.scan import walk_line
from .leaves import MISSING, Leaves, dotted, flatten, plain, show

HISTORY = ("lifecycle", "history")


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    old: Any  # MISSING when the field was not there
    new: Any


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a project stands under the default scorer."""

    rank: int | None
    score: float | None
    impact: float | None
    feasibility: float | None
    quadrant: str | None

    @classmethod
    def of(cls, r: Ranked) -> Standing:
        return cls(r.rank, r.score.value, r.impact, r.feasibility, r.quadrant)


@dataclass(frozen=True, slots=True)
class ProjectChange:
    id: str
    title: str
    kind: str  # added | removed | changed | moved (only its rank changed)
    fields: tuple[FieldChange, ...] = ()
    stage: tuple[str, str] | None = None
    moves: tuple[dict[str, Any], ...] = ()  # history entries appended
    old: Standing | None = None
    new: Standing | None = None

    @property
    def rank_changed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.rank != self.new.rank


@dataclass(frozen=True)
class PortfolioDiff:
    header: tuple[FieldChange, ...] = ()
    projects: tuple[ProjectChange, ...] = ()
    scorer: str = FsdlScorer.name
    old_name: str = ""
    new_name: str = ""
    old_count: int = 0
    new_count: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.header and not self.projects

    def of_kind(self, kind: str) -> list[ProjectChange]:
        return [c for c in self.projects if c.kind == kind]


def field_changes(old: Leaves, new: Leaves) -> list[FieldChange]:
    return [
        FieldChange(dotted(path), old.get(path, MISSING), new.get(path, MISSING))
        for path in dict.fromkeys([*old, *new])
        if old.get(path, MISSING) != new.get(path, MISSING)
    ]


def standings(
    portfolio: Portfolio | None,
    scorer: Scorer | None = None,
    ranked: dict[int, tuple[Portfolio, dict[str, Standing]]] | None = None,
) -> dict[str, Standing]:
    """Where each project stands under `scorer` (default: the built-in FSDL scorer). With `ranked` (by `id()`
    of a portfolio, with the portfolio itself, under one scorer), a portfolio ranked before is not ranked
    again; the caller must not change the scorer between calls."""
    if portfolio is None:
        return {}
    seen = ranked.get(id(portfolio)) if ranked is not None else None
    if seen is not None and seen[0] is portfolio:
        return seen[1]
    out = {r.project.id: Standing.of(r) for r in rank(portfolio, scorer or FsdlScorer())}
    if ranked is not None:
        ranked[id(portfolio)] = (portfolio, out)
    return out


def _project_change(before: Project, after: Project, old: Standing, new: Standing) -> ProjectChange | None:
    if before is after:  # one object (built once from the same text): no field changed
        return None if old.rank == new.rank else ProjectChange(after.id, after.title, "moved", old=old, new=new)
    ob, nb = flatten(project_to_data(before)), flatten(project_to_data(after))
    oh, nh = ob.pop(HISTORY, []), nb.pop(HISTORY, [])
    moves: tuple[dict[str, Any], ...] = ()
    if oh != nh:
        if nh[: len(oh)] == oh:
            moves = tuple(nh[len(oh) :])
        else:
            ob[HISTORY], nb[HISTORY] = oh, nh
    fields = field_changes(ob, nb)
    stage = None
    for f in fields:
        if f.path == "lifecycle.stage":
            stage = (f.old, f.new)
    fields = [f for f in fields if f.path != "lifecycle.stage"]
    if not fields and stage is None and not moves and old.rank == new.rank:
        return None
    kind = "changed" if fields or stage or moves else "moved"
    return ProjectChange(after.id, after.title, kind, tuple(fields), stage, moves, old, new)


def diff_portfolios(
    old: Portfolio | None,
    new: Portfolio | None,
    scorer: Scorer | None = None,
    ranked: dict[int, tuple[Portfolio, dict[str, Standing]]] | None = None,
) -> PortfolioDiff:
    """What changed from `old` to `new` (None: no file, e.g. /dev/null for an added file); ranks under
    `scorer` (default: the built-in FSDL scorer). `ranked` (see `standings`) keeps the standings of the
    portfolios seen, for a caller that diffs many versions (`log`): each is ranked once."""
    empty = Portfolio()
    o, n = old or empty, new or empty
    header = field_changes(
        flatten(portfolio_header_data(o)) if old else {}, flatten(portfolio_header_data(n)) if new else {}
    )
    os_, ns = standings(old, scorer, ranked), standings(new, scorer, ranked)
    changes: list[ProjectChange] = []
    for p in n.projects:
        before = o.get(p.id)
        if before is None:
            changes.append(ProjectChange(p.id, p.title, "added", new=ns[p.id]))
        else:
            c = _project_change(before, p, os_[p.id], ns[p.id])
            if c is not None:
                changes.append(c)
    for p in o.projects:
        if p.id not in n:
            changes.append(ProjectChange(p.id, p.title, "removed", old=os_[p.id]))
    return PortfolioDiff(
        tuple(header),
        tuple(changes),
        old_name=o.name if old else "",
        new_name=n.name if new else "",
        old_count=len(o.projects),
        new_count=len(n.projects),
        scorer=(scorer or FsdlScorer()).name,
    )


# --- rendering ------------------------------------------------------------------------------------------


def _rank(x: int | None) -> str:
    return present.rank(x, "unranked", mark="#")


def standing_text(s: Standing) -> str:
    if s.score is None:
        return "not scorable"
    return f"rank {_rank(s.rank)}, score {_num(s.score)}, {s.quadrant}"


def _move_text(m: dict[str, Any]) -> str:
    """A history entry: a move between stages, or a change of status (`{ status, date, note }`)."""
    note = f' "{m["note"]}"' if m.get("note") else ""
    if "status" in m:
        return f"{m['status']} on {plain(m['date'])}{note}"
    return f"{m.get('from')} -> {m.get('to')} on {plain(m['date'])}{note}"


def _entry_kind(m: dict[str, Any]) -> str:
    return "status" if "status" in m else "move"


def _standing_change(old: Standing, new: Standing) -> list[str]:
    out = []
    if old.rank != new.rank:
        out.append(f"rank {_rank(old.rank)} -> {_rank(new.rank)}")
    if old.score != new.score:
        out.append(f"score {_num(old.score)} -> {_num(new.score)}")
    if old.quadrant != new.quadrant:
        out.append(f"quadrant {old.quadrant or '-'} -> {new.quadrant or '-'}")
    return out


def _change_lines(c: ProjectChange) -> list[str]:
    lines = [f"{f.path}: {show(f.old)} -> {show(f.new)}" for f in c.fields]
    if c.stage:
        lines.append(f"stage: {c.stage[0]} -> {c.stage[1]}")
    lines += [f"{_entry_kind(m)}: {_move_text(m)}" for m in c.moves]
    if c.old and c.new:
        standing = _standing_change(c.old, c.new)
        if standing:
            lines.append(", ".join(standing))
    return lines


def format_text(d: PortfolioDiff) -> str:
    if d.empty:
        return "no changes\n"
    out: list[str] = []
    for f in d.header:
        out.append(f"{f.path}: {show(f.old)} -> {show(f.new)}")
    if d.header:
        out.append("")
    added, removed = d.of_kind("added"), d.of_kind("removed")
    changed = [c for c in d.projects if c.kind in ("changed", "moved")]
    out.append(
        f"{len(added)} added, {len(removed)} removed, {len(d.of_kind('changed'))} changed "
        f"(ranks under the {d.scorer} scorer)"
    )
    for c in added:
        assert c.new is not None
        out.append(f"+ {c.id}: {c.title!r} added ({standing_text(c.new)})")
    for c in removed:
        assert c.old is not None
        out.append(f"- {c.id}: {c.title!r} removed (was {standing_text(c.old)})")
    for c in changed:
        out.append(f"~ {c.id}: {c.title!r}" + (" (rank only)" if c.kind == "moved" else ""))
        out += [f"    {line}" for line in _change_lines(c)]
    return "\n".join(out) + "\n"


def format_markdown(d: PortfolioDiff) -> str:
    title = d.new_name or d.old_name or "portfolio"
    out = [f"### Portfolio changes: {_md(title)}", ""]
    if d.empty:
        return "\n".join(out + ["No changes.", ""])
    added, removed = d.of_kind("added"), d.of_kind("removed")
    changed = d.of_kind("changed")
    out.append(
        f"{len(added)} added, {len(removed)} removed, {len(changed)} changed; "
        f"{d.old_count} -> {d.new_count} projects. Ranks under the `{d.scorer}` scorer."
    )
    out.append("")
    if d.header:
        out += ["| Setting | Before | After |", "|---|---|---|"]
        out += [f"| `{f.path}` | {_md(show(f.old))} | {_md(show(f.new))} |" for f in d.header]
        out.append("")
    if added:
        out += ["#### Added", "", "| Project | Title | Rank | Score | Quadrant |", "|---|---|---|---|---|"]
        for c in added:
            assert c.new is not None
            out.append(
                f"| `{c.id}` | {_md(c.title)} | {_rank(c.new.rank)} | {_num(c.new.score)} | {c.new.quadrant or '-'} |"
            )
        out.append("")
    if removed:
        out += ["#### Removed", ""]
        out += [f"- `{c.id}` {_md(c.title)} (was {standing_text(c.old)})" for c in removed if c.old]
        out.append("")
    for c in changed:
        out += [f"#### `{c.id}` {_md(c.title)}", "", "| Field | Before | After |", "|---|---|---|"]
        out += [f"| `{f.path}` | {_md(show(f.old))} | {_md(show(f.new))} |" for f in c.fields]
        if c.stage:
            out.append(f"| stage | {c.stage[0]} | {c.stage[1]} |")
        out += [f"| {_entry_kind(m)} | | {_md(_move_text(m))} |" for m in c.moves]
        if c.old and c.new:
            if c.old.rank != c.new.rank:
                out.append(f"| rank | {_rank(c.old.rank)} | {_rank(c.new.rank)} |")
            if c.old.score != c.new.score:
                out.append(f"| score | {_num(c.old.score)} | {_num(c.new.score)} |")
            if c.old.quadrant != c.new.quadrant:
                out.append(f"| quadrant | {c.old.quadrant or '-'} | {c.new.quadrant or '-'} |")
        out.append("")
    moved = d.of_kind("moved")
    if moved:
        out += ["#### Rank changes", ""]
        out += [f"- `{c.id}` {_rank(c.old.rank)} -> {_rank(c.new.rank)}" for c in moved if c.old and c.new]
        out.append("")
    return "\n".join(out)


def _standing_data(s: Standing | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"rank": s.rank, "score": s.score, "impact": s.impact, "feasibility": s.feasibility, "quadrant": s.quadrant}


def to_data(d: PortfolioDiff) -> dict[str, Any]:
    def fields(fs: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
        return [{"path": f.path, "old": plain(f.old), "new": plain(f.new)} for f in fs]

    return {
        "scorer": d.scorer,
        "header": fields(d.header),
        "projects": [
            {
                "id": c.id,
                "title": c.title,
                "kind": c.kind,
                "fields": fields(c.fields),
                "stage": list(c.stage) if c.stage else None,
                "moves": [plain(m) for m in c.moves],
                "old": _standing_data(c.old),
                "new": _standing_data(c.new),
            }
            for c in d.projects
        ],
    }


def format_json(d: PortfolioDiff) -> str:
    return json.dumps(to_data(d), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": format_text, "json": format_json, "markdown": format_markdown}

# --- the textconv view: one line per field, so that git's line diff is a field diff ---------------------

# Hunk headers name the project: the textconv view's `project ID` lines, or `id = "..."` in the raw TOML
# (git searches backwards from a hunk for the nearest matching line). POSIX extended regex, for git config.
XFUNCNAME = r'^(project [a-z0-9][a-z0-9_-]*.*|id *= *"[^"]*".*)$'


def _field_lines(prefix: str, path: tuple[str, ...], value: Any) -> list[str]:
    if path == HISTORY and isinstance(value, list):
        return [f"{prefix}{dotted(path)}: {_move_text(m)}" for m in value]
    return [f"{prefix}{dotted(path)} = {show(value, limit=10**9)}"]


def show_text(portfolio: Portfolio, scorer: Scorer | None = None, doc: PortfolioDocument | None = None) -> str:
    """The portfolio as one line per field, each named `PROJECT.FIELD`, under a `project ID: "title"` line
    with its rank and score: what `git diff` compares when fsdl-tui is the textconv diff driver.

    With the document's text (`doc`), the view also shows what the fields do not: each comment
    (`ID # ...`) and each key fsdl-tui does not know (`ID.cost.vendor_quote = ...`), so that a commit that
    only changes those does not look empty in `git log -p`. (Git's patch ids, which `git rebase` uses to
    skip commits already upstream, are computed from the raw text, never from this view.)"""
    source = _doc_source(doc) if doc is not None else None
    lines = "".join(show_lines(portfolio, scorer, source))
    if doc is not None and source is None:  # a layout the scanner does not split: the text itself
        lines += "\n# the file's text (an unusual layout):\n"
        lines += "".join(f"| {line}\n" for line in doc.text.splitlines())
    return lines


# What the view shows of a file's text: the lines for its header (what is not a project), and an iterator
# of each project's lines, in the file's order (the portfolio's).
Source = tuple[list[str], Callable[[], Iterator[list[str]]]]


def show_lines(portfolio: Portfolio, scorer: Scorer | None = None, source: Source | None = None) -> Iterator[str]:
    """`show_text`'s lines one at a time, each with its line ending, the file's comments and unknown keys
    taken from `source` (`file_source`: read from the file as they are shown, never held)."""
    sc = scorer or FsdlScorer()
    yield f"# fsdl-tui portfolio, ranked by the {sc.name} scorer\n"
    out: list[str] = []
    for path, value in flatten(portfolio_header_data(portfolio)).items():
        if not is_empty(value):
            out += _field_lines("", path, value)
    projects = None
    if source is not None:
        out += source[0]
        projects = source[1]()
    ranks = standings(portfolio, sc)
    for p in portfolio.projects:
        s = ranks[p.id]
        out += ["", f"project {p.id}: {show(p.title)}"]
        out.append(
            f"{p.id}: {standing_text(s)}"
            + (f", impact {_num(s.impact)}, feasibility {_num(s.feasibility)}" if s.score is not None else "")
        )
        for path, value in flatten(project_to_data(p)).items():
            if path != ("id",) and not is_empty(value):
                out += _field_lines(f"{p.id}.", path, value)
        if projects is not None:
            out += next(projects)
        yield "".join(line + "\n" for line in out)
        out = []
    if out:
        yield "".join(line + "\n" for line in out)


def _comments(text: str) -> list[str]:
    """The comments in TOML text, in order (full-line and end-of-line), outside strings."""
    found: list[str] = []
    state: str | None = None
    for line in text.splitlines():
        state, at = walk_line(line, state)
        if at >= 0:
            found.append(line[at:].rstrip())
    return found


def _unknown(raw: Any, known: Leaves) -> list[tuple[tuple[str, ...], Any]]:
    if not isinstance(raw, dict):
        return []
    return [(path, value) for path, value in flatten(raw).items() if path not in known]


def _doc_source(doc: PortfolioDocument) -> Source | None:
    """The view's lines for what the fields do not show, from the document's text; None for a layout the
    scanner does not split."""
    lay = doc.layout
    if not lay.standard:
        return None
    header_text: list[str] = []
    projects: list[list[str]] = []
    for seg in lay.segments:
        text = lay.segment_text(seg)
        if seg.kind != "project":
            header_text.append(text)
            continue
        projects.append(project_lines(text, doc.portfolio.projects[seg.project_index]))
    return header_lines("".join(header_text), doc.portfolio), lambda: iter(projects)


def project_lines(text: str, p: Project) -> list[str]:
    """The view's lines for the comments and unknown keys of project `p`'s segment `text`."""
    try:
        raw = tomllib.loads(text).get("projects", [{}])[0]
    except (tomllib.TOMLDecodeError, IndexError, AttributeError):
        raw = {}
    return _extra_lines(text, f"{p.id} ", f"{p.id}.", raw, flatten(project_to_data(p)))


def header_lines(rest: str, portfolio: Portfolio) -> list[str]:
    """The view's lines for the comments and unknown keys of the file's text that is not a project's."""
    try:
        raw_header = tomllib.loads(rest)
    except tomllib.TOMLDecodeError:
        raw_header = {}
    return _extra_lines(rest, "portfolio ", "", raw_header, flatten(portfolio_header_data(portfolio)))


def _extra_lines(text: str, comment_prefix: str, key_prefix: str, raw: Any, known: Leaves) -> list[str]:
    """The comments of `text`, then each key of `raw` that `known` (the fields read) does not hold."""
    lines = [f"{comment_prefix}{c}" for c in _comments(text)]
    lines += [
        f"{key_prefix}{dotted(path)} = {show(value, limit=10**9)}  (not an fsdl-tui field)"
        for path, value in _unknown(raw, known)
    ]
    return lines
