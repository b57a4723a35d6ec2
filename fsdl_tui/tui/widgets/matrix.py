"""The 2x2 of FSDL lecture 1: impact (vertical) against feasibility (horizontal), one point per project."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...domain import framework as fw
from ...scoring.base import Ranked
from ..view import titled

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
    """A character plot. Arrow keys go to the nearest point in their direction, `j`/`k` walk by rank, a click
    picks the nearest; each posts `PointSelected`. A point on a threshold is drawn inside its quadrant (the
    high side, as `quadrant_of` counts it); labels take the room there is."""

    BINDINGS = [
        Binding("right", "go(1, 0)", "Right", id="matrix.right", tooltip="The nearest point to the right", show=False),
        Binding("left", "go(-1, 0)", "Left", id="matrix.left", tooltip="The nearest point to the left", show=False),
        Binding("up", "go(0, -1)", "Up", id="matrix.up", tooltip="The nearest point above", show=False),
        Binding("down", "go(0, 1)", "Down", id="matrix.down", tooltip="The nearest point below", show=False),
        Binding("j,n", "step(1)", "Next point", id="matrix.next", tooltip="The next point by rank", show=False),
        Binding(
            "k,p", "step(-1)", "Previous point", id="matrix.previous", tooltip="The previous point by rank", show=False
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
        self.marks: Callable[[str], str] = lambda project_id: ""  # markers in front of a title
        self._picture: tuple[tuple[int, int], Text] | None = None  # the last render, for its size
        self._shown = 0  # counts `show` calls: the cells of the points are kept per rows and plot size
        self._cells: tuple[tuple[int, int, int], list[tuple[Ranked, int, int]]] | None = None

    def show(self, rows: Sequence[Ranked], thresholds: tuple[float, float] = (3.0, 3.0)) -> None:
        plotted = [r for r in rows if r.impact is not None and r.feasibility is not None]
        self._rows = sorted(plotted, key=lambda r: (r.rank is None, r.rank or 0))  # best first
        self._thresholds = thresholds
        self._shown += 1
        self._redraw()

    def _redraw(self) -> None:
        self._picture = None
        self.refresh()

    def _layout(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Plot area: left, top, plot width, plot height (inside the axes)."""
        left, top = 3, 1
        return left, top, max(width - left - 1, 10), max(height - top - 3, 4)

    def _pos(self, value: float, size: int) -> int:
        return round((min(max(value, LOW), HIGH) - LOW) / (HIGH - LOW) * (size - 1))

    def render(self) -> Text:
        """The plot at the widget's size (drawn again only when the points, the selection, the marks or the
        size changed: a paint of the same picture costs nothing)."""
        size = (self.size.width, self.size.height)
        if self._picture is None or self._picture[0] != size:
            self._picture = (size, self._draw(*size))
        return self._picture[1]

    def _draw(self, width: int, height: int) -> Text:
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
        shown: list[Point] = []  # one point a cell (the best ranked, or the selected one): the others lie under it
        cells: set[tuple[int, int]] = set()
        selected, marks = self.selected, self.marks
        mark = self._marker()
        for r, x, y in self._cells_of_points(left, top, pw, ph, vx, hy):
            pid = r.project.id
            visible = (x, y) not in cells or pid == selected
            label = f"{r.rank or '-'} {titled(marks(pid), r.project.title)}" if visible else ""
            points.append(Point(pid, label, mark(r), x, y))
            if visible:
                cells.add((x, y))
                shown.append(points[-1])
        self._points = points
        for pt in shown:
            style = "reverse bold" if pt.project_id == self.selected else "bold"
            put(pt.x, pt.y, pt.mark, style)
            taken.add((pt.x, pt.y))
        for pt in shown:  # labels: to the right if there is room, else to the left, else none
            style = "reverse" if pt.project_id == self.selected else ""
            right = self._room(pt.x + 2, pt.y, 1, (left_edge, width), taken)
            left = self._room(pt.x - 2, pt.y, -1, (left_edge, width), taken)
            if right >= 2 and (right >= len(pt.label) or right >= left):  # the side with room for it
                text = pt.label[:right]
                start = pt.x + 2
            elif left >= 2:
                text = pt.label[:left]
                start = pt.x - 1 - len(text)
            else:
                continue
            put(start, pt.y, text, style)
            taken.update((start + i, pt.y) for i in range(-1, len(text) + 1))
        out = Text()
        for y, row in enumerate(grid):  # a run of cells of one style is appended at once
            x = 0
            while x < width:
                style = styles.get((x, y), "")
                end = x + 1
                while end < width and styles.get((end, y), "") == style:
                    end += 1
                out.append("".join(row[x:end]), style)
                x = end
            if y < height - 1:
                out.append("\n")
        return out

    def _cells_of_points(
        self, left: int, top: int, pw: int, ph: int, vx: int, hy: int
    ) -> list[tuple[Ranked, int, int]]:
        """Each plotted project with its cell, best first: kept while the rows and the plot's size are the same
        (the selection and the marks change what is drawn there, not where)."""
        key = (self._shown, pw, ph)
        if self._cells is not None and self._cells[0] == key:
            return self._cells[1]
        ti, tf = self._thresholds
        out = []
        for r in self._rows:
            assert r.impact is not None and r.feasibility is not None
            x = left + self._pos(r.feasibility, pw)
            y = top + (ph - 1 - self._pos(r.impact, ph))
            # never on a threshold line: on the side of the quadrant the project is in
            x = max(x, vx + 1) if r.feasibility >= tf else min(x, vx - 1)
            y = min(y, hy - 1) if r.impact >= ti else max(y, hy + 1)
            out.append((r, min(max(x, left), left + pw - 1), min(max(y, top), top + ph - 1)))
        self._cells = (key, out)
        return out

    def _marker(self) -> Callable[[Ranked], str]:
        """The mark of a point, by archetype or by stage (`mark_by`)."""
        if self.mark_by == "stage":
            return lambda r: (
                STAGE_MARK.get(r.project.stage, "?") if r.project.status == "active" else r.project.status[0]
            )
        return lambda r: ARCHETYPE_MARK.get(r.project.archetype or "", "·")

    @staticmethod
    def _room(x: int, y: int, step: int, bounds: tuple[int, int], taken: set[tuple[int, int]]) -> int:
        """Free cells from x in direction `step`, keeping one blank cell before the next point or label."""
        lo, hi = bounds
        room = 0
        while lo <= x + step * room < hi and (x + step * room, y) not in taken:
            room += 1
        return room - 1 if lo <= x + step * room < hi else room

    def watch_selected(self) -> None:
        self._redraw()

    def watch_mark_by(self) -> None:
        self._redraw()

    def action_toggle_marks(self) -> None:
        self.mark_by = "stage" if self.mark_by == "archetype" else "archetype"

    def _order(self) -> list[str]:
        return [r.project.id for r in self._rows]

    def action_step(self, delta: int) -> None:
        order = self._order()
        if not order:
            return
        i = order.index(self.selected) + delta if self.selected in order else 0
        self.select(order[i % len(order)])

    def action_go(self, dx: int, dy: int) -> None:
        """Select the nearest point in direction (dx, dy) on screen; stay when there is none."""
        current = next((p for p in self._points if p.project_id == self.selected), None)
        if current is None:
            self.action_step(1)
            return

        def cost(p: Point) -> float | None:
            along = (p.x - current.x) * dx / 2 + (p.y - current.y) * dy  # a cell is twice as tall as wide
            across = abs(p.x - current.x) / 2 if dy else abs(p.y - current.y)
            return None if along <= 0 else along + 2 * across

        costs = [(c, p.project_id) for p in self._points if (c := cost(p)) is not None]
        if costs:
            self.select(min(costs)[1])

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
            marks = "  ".join(f"{m} {s}" for s, m in STAGE_MARK.items()) + "  o on-hold  k killed"
        else:
            marks = "  ".join(f"{m} {fw.ARCHETYPE_BY_ID[a].label}" for a, m in ARCHETYPE_MARK.items()) + "  · none"
        ti, tf = self._thresholds
        return f"{marks}  ┈ impact {ti:g}  ┊ feasibility {tf:g}"
