"""The 2x2 of FSDL lecture 1: impact (vertical) against feasibility (horizontal), one point per project."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...domain import framework as fw
from ...scoring.base import Ranked
from ..view import marked

ARCHETYPE_MARK = {"software-2.0": "S", "human-in-the-loop": "H", "autonomous": "A"}
STAGE_MARK = {"planning": "P", "data": "D", "training": "T", "deploying": "Y", "production": "R"}
LOW, HIGH = 1.0, 5.0


@dataclass(frozen=True)
class Point:
    project_id: str
    label: str
    mark: str
    x: int
    y: int


class Matrix(Widget, can_focus=True):
    """A character plot. Arrow keys walk the points, a click picks the nearest; both post `PointSelected`."""

    BINDINGS = [
        Binding("right,down,j", "step(1)", "Next point", id="matrix.next", tooltip="Select the next point", show=False),
        Binding(
            "left,up,k",
            "step(-1)",
            "Previous point",
            id="matrix.previous",
            tooltip="Select the previous point",
            show=False,
        ),
        Binding("v", "toggle_marks", "Mark by", id="matrix.marks", tooltip="Mark points by archetype or by stage"),
    ]

    mark_by: reactive[str] = reactive("archetype")
    selected: reactive[str | None] = reactive(None)

    @dataclass
    class PointSelected(Message):
        project_id: str

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[Ranked] = []
        self._thresholds = (3.0, 3.0)
        self._points: list[Point] = []
        self._marks: dict[str, str] = {}

    def show(
        self,
        rows: Sequence[Ranked],
        thresholds: tuple[float, float] = (3.0, 3.0),
        marks: Mapping[str, str] | None = None,
    ) -> None:
        self._rows = [r for r in rows if r.impact is not None and r.feasibility is not None]
        self._marks = dict(marks or {})  # the workspace's markers, before a point's label
        self._thresholds = thresholds
        self.refresh()

    def _mark(self, r: Ranked) -> str:
        if self.mark_by == "stage":
            return STAGE_MARK.get(r.project.stage, "?") if r.project.status == "active" else r.project.status[0]
        return ARCHETYPE_MARK.get(r.project.archetype or "", "·")

    def _layout(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Plot area: left, top, plot width, plot height (inside the axes)."""
        left, top = 3, 1
        return left, top, max(width - left - 1, 10), max(height - top - 3, 4)

    def _pos(self, value: float, size: int) -> int:
        return round((min(max(value, LOW), HIGH) - LOW) / (HIGH - LOW) * (size - 1))

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        left, top, pw, ph = self._layout(width, height)
        grid = [[" "] * width for _ in range(height)]
        styles: dict[tuple[int, int], str] = {}

        def put(x: int, y: int, text: str, style: str = "") -> None:
            for i, ch in enumerate(text):
                if 0 <= y < height and 0 <= x + i < width:
                    grid[y][x + i] = ch
                    if style:
                        styles[(x + i, y)] = style

        ti, tf = self._thresholds
        vx = left + self._pos(tf, pw)
        hy = top + (ph - 1 - self._pos(ti, ph))
        for y in range(top, top + ph):
            put(left - 1, y, "│", "dim")
            put(vx, y, "┊", "dim")
        for x in range(left, left + pw):
            put(x, top + ph, "─", "dim")
            if grid[hy][x] == " ":
                put(x, hy, "┈", "dim")
        put(left - 1, top + ph, "└", "dim")
        put(0, top, "5", "dim")
        put(0, top + ph - 1, "1", "dim")
        put(left, top + ph + 1, "1", "dim")
        put(left + pw - 1, top + ph + 1, "5", "dim")
        axis = "feasibility (low cost) →"
        put(left + (pw - len(axis)) // 2, top + ph + 1, axis, "bold")
        put(0, 0, "↑ impact", "bold")
        labels = {"high-priority": "HIGH PRIORITY", "moonshot": "MOONSHOT", "quick-win": "QUICK WIN", "avoid": "AVOID"}
        taken: set[tuple[int, int]] = set()
        for quadrant, x, y, style in (
            ("high-priority", left + pw - len(labels["high-priority"]), top, "bold green"),
            ("moonshot", left + 1, top, "bold yellow"),
            ("quick-win", left + pw - len(labels["quick-win"]), top + ph - 1, "bold cyan"),
            ("avoid", left + 1, top + ph - 1, "bold red"),
        ):
            put(x, y, labels[quadrant], style)
            taken.update((x + i, y) for i in range(len(labels[quadrant])))
        left_edge = left
        # points: best first, so that the best keep their labels when points crowd
        points = []
        for r in sorted(self._rows, key=lambda r: (r.rank is None, r.rank or 0)):
            assert r.impact is not None and r.feasibility is not None
            x = left + self._pos(r.feasibility, pw)
            y = top + (ph - 1 - self._pos(r.impact, ph))
            mark = self._mark(r)
            label = f"{r.rank or '-'} {marked(r.project.title, self._marks.get(r.project.id, ''))}"
            points.append(Point(r.project.id, label, mark, x, y))
        self._points = points
        for pt in points:
            style = "reverse bold" if pt.project_id == self.selected else "bold"
            put(pt.x, pt.y, pt.mark, style)
            taken.add((pt.x, pt.y))
        for pt in points:  # labels: to the right if there is room, else to the left, else none
            style = "reverse" if pt.project_id == self.selected else ""
            right = self._room(pt.x + 2, pt.y, 1, (left_edge, width), taken)
            left = self._room(pt.x - 2, pt.y, -1, (left_edge, width), taken)
            if right >= 4 or (right >= left and right >= 2):
                text = pt.label[: min(right, 20)]
                start = pt.x + 2
            elif left >= 2:
                text = pt.label[: min(left, 20)]
                start = pt.x - 1 - len(text)
            else:
                continue
            put(start, pt.y, text, style)
            taken.update((start + i, pt.y) for i in range(-1, len(text) + 1))
        out = Text()
        for y, row in enumerate(grid):
            line = Text()
            for x, ch in enumerate(row):
                line.append(ch, styles.get((x, y), ""))
            out.append_text(line)
            if y < height - 1:
                out.append("\n")
        return out

    @staticmethod
    def _room(x: int, y: int, step: int, bounds: tuple[int, int], taken: set[tuple[int, int]]) -> int:
        """Free cells from x in direction `step`, keeping one blank cell before the next point or label."""
        lo, hi = bounds
        room = 0
        while lo <= x + step * room < hi and (x + step * room, y) not in taken and room < 20:
            room += 1
        return room - 1 if lo <= x + step * room < hi else room

    def watch_selected(self) -> None:
        self.refresh()

    def watch_mark_by(self) -> None:
        self.refresh()

    def action_toggle_marks(self) -> None:
        self.mark_by = "stage" if self.mark_by == "archetype" else "archetype"

    def _order(self) -> list[str]:
        return [r.project.id for r in sorted(self._rows, key=lambda r: (r.rank is None, r.rank or 0))]

    def action_step(self, delta: int) -> None:
        order = self._order()
        if not order:
            return
        i = order.index(self.selected) + delta if self.selected in order else 0
        self.select(order[i % len(order)])

    def select(self, project_id: str) -> None:
        self.selected = project_id
        self.post_message(self.PointSelected(project_id))

    def on_click(self, event: Click) -> None:
        if not self._points:
            return
        best = min(self._points, key=lambda p: (abs(p.x - event.x) / 2) ** 2 + (p.y - event.y) ** 2)
        self.select(best.project_id)

    def legend(self) -> str:
        if self.mark_by == "stage":
            return "  ".join(f"{m} {s}" for s, m in STAGE_MARK.items()) + "  o on-hold  k killed"
        return "  ".join(f"{m} {fw.ARCHETYPE_BY_ID[a].label}" for a, m in ARCHETYPE_MARK.items()) + "  · none"
