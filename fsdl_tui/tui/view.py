"""What the portfolio table shows: rows from a ranking, filtered and sorted. Pure functions, no UI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import framework as fw
from ..scoring.base import Ranked

# (key, header, width)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("rank", "#", 4),
    ("title", "Title", 26),
    ("archetype", "Archetype", 11),
    ("stage", "Stage", 10),
    ("impact", "Imp", 4),
    ("feasibility", "Feas", 5),
    ("score", "Score", 6),
    ("quadrant", "Quadrant", 13),
    ("owner", "Owner", 12),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
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


def marked(title: str, marks: str) -> str:
    """A title (one line, printable) with the workspace's markers before it: `◆±2! Title`."""
    return f"{marks} {one_line(title)}" if marks else one_line(title)


def row_cells(r: Ranked, marks: str = "") -> tuple[str, ...]:
    """The table's cells; `marks` (the workspace's markers: plan ◆, spread ±N, disputed !) before the title."""
    p = r.project
    return (
        "–" if r.rank is None else str(r.rank),
        marked(p.title, marks),
        ARCHETYPE_SHORT.get(p.archetype or "", p.archetype or "–"),
        stage_text(r),
        num(r.impact),
        num(r.feasibility),
        ("err" if r.score.error else "–") if r.score.value is None else f"{r.score.value:.2f}",
        fw.QUADRANT_BY_ID[r.quadrant].label if r.quadrant else "–",
        one_line(p.owner) or "–",
    )


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
        statuses[r.project.status] = statuses.get(r.project.status, 0) + 1
        if r.project.status == "active":
            stages[r.project.stage] = stages.get(r.project.stage, 0) + 1
        quadrants[r.quadrant or "unscored"] += 1
    return {"stages": stages, "statuses": statuses, "quadrants": quadrants}
