"""The ranked portfolio table: a virtual list that paints only the lines on screen.

Sorting and filtering reorder a list of ids and repaint the visible lines, so they stay fast at 1,000s of
projects (Textual's DataTable measures and lays out every cell it is given). Sort by key or by clicking a
header: ascending, descending, then back to the ranking, with a mark on the sorted header. The columns fit
the width (`view.fit_columns`): rank, title, score and quadrant always, the others while there is room.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...scoring.base import Ranked
from ..view import COLUMN_HEADERS, COLUMN_PRIORITY, GAP, apply_sort, fit_columns, next_sort, row_cells

MARKS = {"asc": " ▲", "desc": " ▼"}


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells, cut with an ellipsis when too long."""
    if cell_len(text) > width:
        return set_cell_size(text, max(width - 1, 0)) + "…"
    return set_cell_size(text, width)


class PortfolioTable(ScrollView, can_focus=True):
    """Rows keyed by project id. The screen hands it filtered rows; the table sorts them."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", id="table.up", tooltip="Highlight the project above", show=False),
        Binding("down,j", "cursor(1)", "Down", id="table.down", tooltip="Highlight the project below", show=False),
        Binding("pageup", "page(-1)", "Page up", id="table.page_up", tooltip="One page up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="table.page_down", tooltip="One page down", show=False),
        Binding("home", "edge(0)", "First", id="table.first", tooltip="The first project", show=False),
        Binding("end", "edge(-1)", "Last", id="table.last", tooltip="The last project", show=False),
        Binding("enter", "choose", "Edit", id="table.choose", tooltip="Edit the highlighted project", show=False),
    ]
    COMPONENT_CLASSES = {"portfolio-table--header", "portfolio-table--cursor", "portfolio-table--even-row"}
    DEFAULT_CSS = """
    PortfolioTable { background: $surface; }
    PortfolioTable > .portfolio-table--header { background: $panel; color: $foreground; text-style: bold; }
    PortfolioTable > .portfolio-table--cursor { background: $block-cursor-blurred-background; }
    PortfolioTable:focus > .portfolio-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    PortfolioTable > .portfolio-table--even-row { background: $surface-lighten-1; }
    """

    cursor: reactive[int] = reactive(0, init=False)
    # (column key, "asc" | "desc"), or (None, None): the ranking's order
    sort_state: reactive[tuple[str | None, str | None]] = reactive((None, None), init=False)

    @dataclass
    class ProjectHighlighted(Message):
        project_id: str | None

    @dataclass
    class ProjectChosen(Message):
        project_id: str

    class Sorted(Message):
        """The sort changed (a key or a header click)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[Ranked] = []
        self._shown: list[str] = []
        self._ranked: dict[str, Ranked] = {}  # the rows shown, by id
        # The cells of the rows painted so far, made as they are first painted (not for every row at each
        # `show`: 10,000 rows, a screenful painted), with the ranked value and the markers they were made of.
        self._cells: dict[str, tuple[Ranked, str, dict[str, str]]] = {}
        self.wanted: frozenset[str] = frozenset(COLUMN_PRIORITY)  # the optional columns the user wants
        self.marks: Callable[[str], str] = lambda project_id: ""  # markers in front of a title
        self.columns = fit_columns(self.size.width, self.wanted)

    # --- content -------------------------------------------------------------------------------------

    def show(self, rows: Sequence[Ranked], keep: str | None = None) -> None:
        """Show `rows` (already filtered) in the current sort order, keeping the highlighted project."""
        keep = keep or self.current_id
        self._rows = list(rows)
        ordered = apply_sort(self._rows, *self.sort_state)
        self._shown = [r.project.id for r in ordered]
        self._ranked = {r.project.id: r for r in ordered}
        # A Ranked is immutable: cells made of the same object (and markers) stay; the others are made anew.
        self._cells = {pid: c for pid, c in self._cells.items() if self._ranked.get(pid) is c[0]}
        self._resize_virtual()
        index = self._shown.index(keep) if keep in self._ranked else 0
        if index != self.cursor:
            self.cursor = index
        else:
            self._scroll_to_cursor()
            self.post_message(self.ProjectHighlighted(self.current_id))
        self.refresh()

    @property
    def current_id(self) -> str | None:
        return self._shown[self.cursor] if 0 <= self.cursor < len(self._shown) else None

    def cells(self, project_id: str) -> dict[str, str]:
        """The text of each column of a row shown (`view.row_cells`), made when first asked for."""
        r, marks = self._ranked[project_id], self.marks(project_id)
        cached = self._cells.get(project_id)
        if cached is None or cached[0] is not r or cached[1] != marks:
            cached = self._cells[project_id] = (r, marks, row_cells(r, marks))
        return cached[2]

    def select_id(self, project_id: str) -> bool:
        if project_id in self._ranked and project_id != self.current_id:
            self.cursor = self._shown.index(project_id)
            return True
        return False

    def header_label(self, key: str) -> str:
        header = COLUMN_HEADERS[key]
        return header + (MARKS.get(self.sort_state[1] or "", "") if key == self.sort_state[0] else "")

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns on screen, left to right."""
        return [k for k, _, _ in self.columns]

    def want_columns(self, wanted: frozenset[str]) -> None:
        """Show these optional columns when they fit (the column chooser)."""
        self.wanted = wanted
        self._resize_virtual()
        self.refresh()

    # --- geometry -----------------------------------------------------------------------------------

    def _resize_virtual(self) -> None:
        self.columns = fit_columns(self.scrollable_content_region.width or self.size.width, self.wanted)
        self.virtual_size = Size(sum(w + GAP for _, _, w in self.columns) + GAP, len(self._shown) + 1)

    def on_resize(self) -> None:
        self._resize_virtual()
        self._scroll_to_cursor()

    @property
    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self._page:
            self.scroll_to(y=self.cursor - self._page + 1, animate=False, immediate=True)

    # --- painting -------------------------------------------------------------------------------------

    def _line(self, cells: Callable[[str], str]) -> str:
        gap = " " * GAP
        return gap + "".join(fit(cells(k), w) + gap for k, _, w in self.columns)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("portfolio-table--header")
            text = self._line(self.header_label)
        else:
            index = scroll_y + y - 1
            if index >= len(self._shown):
                return Strip.blank(width, base)
            style = base
            if index == self.cursor:
                style = base + self.get_component_rich_style("portfolio-table--cursor")
            elif index % 2:
                style = base + self.get_component_rich_style("portfolio-table--even-row")
            text = self._line(self.cells(self._shown[index]).__getitem__)
        strip = Strip([Segment(text, style)], cell_len(text))
        return strip.crop_extend(scroll_x, scroll_x + width, style if y == 0 else Style())

    # --- cursor ---------------------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._shown) - 1)) if self._shown else 0

    def watch_cursor(self) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.ProjectHighlighted(self.current_id))

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, delta: int) -> None:
        self.cursor += delta * self._page

    def action_edge(self, which: int) -> None:
        self.cursor = 0 if which == 0 else len(self._shown) - 1

    def action_choose(self) -> None:
        if self.current_id:
            self.post_message(self.ProjectChosen(self.current_id))

    # --- sorting --------------------------------------------------------------------------------------

    def sort_by(self, column: str) -> None:
        """Cycle `column` through ascending, descending and the original ranking."""
        self.sort_state = next_sort(*self.sort_state, column)

    def watch_sort_state(self) -> None:
        if self.is_mounted:
            self.show(self._rows)
            self.post_message(self.Sorted())

    # --- mouse ----------------------------------------------------------------------------------------

    def column_at(self, x: int) -> str | None:
        x += int(self.scroll_x) - GAP
        for key, _, w in self.columns:
            if x < w + GAP:
                return key
            x -= w + GAP
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            key = self.column_at(event.x)
            if key:
                self.sort_by(key)
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._shown):
            self.cursor = index
            if event.chain >= 2:
                self.action_choose()
