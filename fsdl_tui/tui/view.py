"""What the portfolio table shows: rows from a ranking, filtered and sorted. Pure functions, no UI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import framework as fw
from ..scoring.base import Ranked

# The sort keys 1-9 and their columns, always in this order whether or not the column is shown: (key, header, width)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("rank", "#", 3),
    ("title", "Title", 26),
    ("archetype", "Archetype", 10),
    ("stage", "Stage", 12),
    ("impact", "Imp", 3),
    ("feasibility", "Feas", 4),
    ("score", "Score", 5),
    ("quadrant", "Quadrant", 13),
    ("owner", "Owner", 10),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
# What the table can show, left to right: the sort columns and the project's id.
TABLE_COLUMNS: tuple[tuple[str, str, int], ...] = (COLUMNS[0], ("id", "Id", 16), *COLUMNS[1:])
COLUMN_HEADERS = {k: h for k, h, _ in TABLE_COLUMNS}
REQUIRED_COLUMNS = frozenset({"rank", "title", "score", "quadrant"})  # always shown, whatever the width
# The optional columns, most wanted first: when the terminal is narrow the last ones are left out.
COLUMN_PRIORITY = ("impact", "feasibility", "stage", "owner", "archetype", "id")
TITLE_MIN = 14
GAP = 1  # blank cells between two columns (and before the first)


def fit_columns(width: int, wanted: frozenset[str] | set[str] | None = None) -> list[tuple[str, str, int]]:
    """The columns for a table `width` cells wide, left to right as (key, header, width): rank, title, score
    and quadrant always; then the `wanted` optional columns (default: all) in `COLUMN_PRIORITY` order while
    they fit; the title takes what is left."""
    wanted = set(COLUMN_PRIORITY) if wanted is None else set(wanted)
    widths = {k: w for k, _, w in TABLE_COLUMNS}
    used = GAP + sum(widths[k] + GAP for k in REQUIRED_COLUMNS if k != "title") + TITLE_MIN + GAP
    shown = set(REQUIRED_COLUMNS)
    for key in COLUMN_PRIORITY:
        if key in wanted and used + widths[key] + GAP <= width:
            shown.add(key)
            used += widths[key] + GAP
    title = TITLE_MIN + max(width - used, 0)
    return [(k, h, title if k == "title" else w) for k, h, w in TABLE_COLUMNS if k in shown]


SORT_CYCLE = ("asc", "desc", None)  # clicking a header again: ascending, descending, back to the ranking

ARCHETYPE_SHORT = {"software-2.0": "sw 2.0", "human-in-the-loop": "human-loop", "autonomous": "autonomous"}


# Control characters (an ANSI escape in a title, a stray carriage return) would reach the terminal as they
# are and garble it: the app shows them as their Unicode control pictures (ESC as ␛) instead.
_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if c != 0x0A} | {0x09: " ", 0x7F: "\u2421"}
_PICTURES |= {c: "\ufffd" for c in range(0x80, 0xA0)}


def printable(text: str) -> str:
    """`text` with every control character but the newline made visible (safe to hand to the terminal)."""
    return text.translate(_PICTURES)


def one_line(text: str) -> str:
    """`printable`, on one line: for table cells, options and labels."""
    return printable(text.replace("\r\n", " ").replace("\n", " "))


def num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


STATUS_MARK = {"on-hold": "‖ ", "killed": "✗ "}


def stage_text(r: Ranked) -> str:
    """The stage, marked when the project is on hold (‖) or killed (✗)."""
    return STATUS_MARK.get(r.project.status, "") + r.project.stage


def titled(marks: str, title: str) -> str:
    """A title on one line with the project's markers (`Workspace.marks`) in front of it."""
    return f"{one_line(marks)} {one_line(title)}" if marks else one_line(title)


def row_cells(r: Ranked, marks: str = "") -> dict[str, str]:
    """The text of every table column for one project, by column key."""
    p = r.project
    return {
        "rank": "–" if r.rank is None else str(r.rank),
        "id": p.id,
        "title": titled(marks, p.title),
        "archetype": ARCHETYPE_SHORT.get(p.archetype or "", p.archetype or "–"),
        "stage": stage_text(r),
        "impact": num(r.impact),
        "feasibility": num(r.feasibility),
        "score": ("err" if r.score.error else "–") if r.score.value is None else f"{r.score.value:.2f}",
        "quadrant": fw.QUADRANT_BY_ID[r.quadrant].label if r.quadrant else "–",
        "owner": one_line(p.owner) or "–",
    }


@dataclass(frozen=True)
class Filter:
    text: str = ""
    stage: str | None = None  # a stage id, "on-hold" or "killed"
    archetype: str | None = None  # an archetype id or "none"
    quadrant: str | None = None  # a quadrant id or "unscored"

    @property
    def active(self) -> bool:
        return bool(self.text.strip() or self.stage or self.archetype or self.quadrant)


def _matches_text(r: Ranked, words: list[str]) -> bool:
    p = r.project
    hay = " ".join((p.id, p.title, p.summary, p.owner, p.archetype or "", p.stage, p.status)).lower()
    tags = {t.lower() for t in p.tags}
    for w in words:
        if w.startswith(("#", "tag:")):
            tag = w.split(":", 1)[1] if w.startswith("tag:") else w[1:]
            if tag and tag not in tags:
                return False
        elif w not in hay and not any(w in t for t in tags):
            return False
    return True


def apply_filter(rows: Sequence[Ranked], f: Filter) -> list[Ranked]:
    if not f.active:
        return list(rows)
    words = f.text.lower().split()
    out = []
    for r in rows:
        p = r.project
        if f.stage in ("on-hold", "killed"):
            if p.status != f.stage:
                continue
        elif f.stage and (p.stage != f.stage or p.status != "active"):
            continue
        if f.archetype and (p.archetype or "none") != f.archetype:
            continue
        if f.quadrant and (r.quadrant or "unscored") != f.quadrant:
            continue
        if words and not _matches_text(r, words):
            continue
        out.append(r)
    return out


def _sort_key(column: str) -> Callable[[Ranked], Any]:
    def numeric(x: float | None) -> tuple[int, float]:
        return (x is None, x or 0.0)

    keys: dict[str, Callable[[Ranked], Any]] = {
        "rank": lambda r: numeric(r.rank),
        "id": lambda r: r.project.id,
        "title": lambda r: r.project.title.lower(),
        "archetype": lambda r: (r.project.archetype is None, r.project.archetype or ""),
        "stage": lambda r: (fw.STATUSES.index(r.project.status), fw.STAGE_INDEX.get(r.project.stage, 0)),
        "impact": lambda r: numeric(r.impact),
        "feasibility": lambda r: numeric(r.feasibility),
        "score": lambda r: numeric(r.score.value),
        "quadrant": lambda r: [q.id for q in fw.QUADRANTS].index(r.quadrant) if r.quadrant else 9,
        "owner": lambda r: (not r.project.owner, r.project.owner.lower()),
    }
    return keys[column]


def apply_sort(rows: list[Ranked], column: str | None, order: str | None) -> list[Ranked]:
    """Sort by a column (stable); `order` None keeps the ranking. Unset values stay last both ways."""
    if column is None or order is None:
        return rows
    key = _sort_key(column)
    present = [r for r in rows if not _is_unset(column, r)]
    missing = [r for r in rows if _is_unset(column, r)]
    return sorted(present, key=key, reverse=(order == "desc")) + missing


def _is_unset(column: str, r: Ranked) -> bool:
    return {
        "rank": r.rank is None,
        "impact": r.impact is None,
        "feasibility": r.feasibility is None,
        "score": r.score.value is None,
        "quadrant": r.quadrant is None,
        "owner": not r.project.owner,
        "archetype": r.project.archetype is None,
    }.get(column, False)


def next_sort(column: str | None, order: str | None, clicked: str) -> tuple[str | None, str | None]:
    """Ascending, then descending, then the original order, for the clicked column."""
    if clicked != column or order is None:
        return clicked, "asc"
    nxt = SORT_CYCLE[(SORT_CYCLE.index(order) + 1) % len(SORT_CYCLE)]
    return (clicked, nxt) if nxt else (None, None)


def summary_counts(rows: Sequence[Ranked]) -> dict[str, dict[str, int]]:
    """Counts by stage (active projects), status, and quadrant."""
    stages = {s: 0 for s in fw.STAGE_IDS}
    statuses = {s: 0 for s in fw.STATUSES}
    quadrants = {q.id: 0 for q in fw.QUADRANTS} | {"unscored": 0}
    for r in rows:
        p = r.project
        status = p.status
        statuses[status] = statuses.get(status, 0) + 1
        if status == "active":
            stage = p.stage
            stages[stage] = stages.get(stage, 0) + 1
        quadrants[r.quadrant or "unscored"] += 1
    return {"stages": stages, "statuses": statuses, "quadrants": quadrants}
