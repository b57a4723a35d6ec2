"""The ranked portfolio table: sortable by key or by clicking a header, updated in place when it can be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rich.text import Text
from textual import on
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from ...scoring.base import Ranked
from ..view import COLUMNS, COLUMN_KEYS, apply_sort, next_sort, row_cells

MARKS = {"asc": " ▲", "desc": " ▼"}


class PortfolioTable(DataTable[str]):
    """Rows keyed by project id. The screen hands it filtered rows; the table sorts them."""

    # (column key, "asc" | "desc"), or (None, None): the ranking's order
    sort_state: reactive[tuple[str | None, str | None]] = reactive((None, None))

    @dataclass
    class ProjectHighlighted(Message):
        project_id: str | None

    @dataclass
    class ProjectChosen(Message):
        project_id: str

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._rows: list[Ranked] = []
        self._shown: list[str] = []
        self._cells: dict[str, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        for key, header, width in COLUMNS:
            self.add_column(header, key=key, width=width)

    # --- content --------------------------------------------------------------------------------------

    def show(self, rows: Sequence[Ranked], keep: str | None = None) -> None:
        """Show `rows` (already filtered) in the current sort order, keeping the highlighted project."""
        self._rows = list(rows)
        keep = keep or self.current_id
        ordered = apply_sort(self._rows, self.sort_state[0], self.sort_state[1])
        ids = [r.project.id for r in ordered]
        cells = {r.project.id: row_cells(r) for r in ordered}
        if ids == self._shown:  # same rows in the same order: update only the cells that changed
            for pid in ids:
                old, new = self._cells.get(pid), cells[pid]
                if old != new:
                    for key, before, after in zip(COLUMN_KEYS, old or (), new):
                        if before != after:
                            self.update_cell(pid, key, after)
            self._cells = cells
            if keep in cells and keep != self.current_id:
                self.select_id(keep)
            return
        self.clear()
        for pid in ids:
            self.add_row(*cells[pid], key=pid)
        self._shown, self._cells = ids, cells
        if keep in cells:
            self.move_cursor(row=ids.index(keep), animate=False)
        elif ids:
            self.move_cursor(row=0, animate=False)
        self.post_message(self.ProjectHighlighted(self.current_id))

    @property
    def current_id(self) -> str | None:
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= len(self._shown):
            return None
        return self._shown[self.cursor_row]

    def select_id(self, project_id: str) -> bool:
        if project_id in self._cells and project_id != self.current_id:
            self.move_cursor(row=self._shown.index(project_id), animate=False)
            return True
        return False

    # --- sorting ---------------------------------------------------------------------------------------

    def sort_by(self, column: str) -> None:
        """Cycle `column` through ascending, descending and the original ranking."""
        self.sort_state = next_sort(*self.sort_state, column)

    def watch_sort_state(self) -> None:
        for key, header, _ in COLUMNS:
            mark = MARKS.get(self.sort_state[1] or "", "") if key == self.sort_state[0] else ""
            self.columns[key].label = Text(header + mark)  # type: ignore[index]
        self._require_update_dimensions = True
        self.refresh()
        if self.is_mounted:
            self.show(self._rows)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.ProjectHighlighted(self.current_id))  # where the cursor is now, not was

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.ProjectChosen(event.row_key.value))
