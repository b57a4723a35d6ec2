"""Rating mode: a grid with one row per project and the four main numbers, typed blind.

A digit 1-5 sets the highlighted number and moves right (after the last number, to the next project);
arrows move; backspace clears; `n` writes a note. Another rater's numbers stay hidden until you have rated
that project, unless you reveal them (`v` this project, `V` all). `ctrl+s` writes your own file beside the
portfolio (`team.ratings/NAME.toml`). The grid's state is the core's `RatingDraft`.
"""

from __future__ import annotations

import statistics

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ...storage.ratings import MAIN_FIELDS
from ...workspace import RatingDraft
from ..base import fsdl_app
from ..view import one_line, printable

SHORT = {"impact": "Imp", "data_availability": "Data", "accuracy_requirement": "Acc", "problem_difficulty": "Diff"}
FIRST = 1  # the grid's column of the first number (column 0 is the project)
NOTE_COLUMN = FIRST + len(MAIN_FIELDS)
OTHERS_COLUMN = NOTE_COLUMN + 1
OTHER_COLUMNS_WIDTH = 58  # the numbers, the note and the others' medians, with the cells' padding


def _digit_bindings() -> list[Binding]:
    return [
        Binding(
            str(d),
            f"rate({d})",
            f"Rate {d}",
            id=f"rating.set_{d}",
            show=False,
            tooltip=f"Set the highlighted number to {d} and move on",
        )
        for d in range(1, 6)
    ]


def others_cell(draft: RatingDraft, project_id: str) -> Text:
    """The others' medians per field, or why they are hidden (blind)."""
    count = draft.others_count(project_id)
    if count == 0:
        return Text("–", style="dim")
    shown = draft.others_values(project_id)
    if shown is None:
        return Text(f"hidden ({count})", style="dim")
    medians = []
    for f in MAIN_FIELDS:
        values = [v[f] for _, v in shown if f in v]
        medians.append(f"{statistics.median(values):g}" if values else "·")
    mark = "◉ " if not draft.rated(project_id) else ""
    return Text(f"{mark}{' '.join(medians)} ({count})")


class RatingScreen(Screen[None]):
    """The rater's grid. Leaving it keeps the typed values (they count as unsaved changes)."""

    BINDINGS = [
        *_digit_bindings(),
        Binding("backspace,delete", "clear", "Clear", id="rating.clear", tooltip="Clear the highlighted number"),
        Binding("n", "note", "Note", id="rating.note", tooltip="A note with your rating of this project"),
        Binding(
            "v", "reveal", "Reveal", id="rating.reveal", tooltip="Show or hide the others' numbers for this project"
        ),
        Binding("V", "reveal_all", "Reveal all", id="rating.reveal_all", tooltip="Show or hide everyone's numbers"),
        Binding("ctrl+s,f2", "save_ratings", "Save ratings", id="rating.save", tooltip="Write your ratings file"),
        Binding("A", "app.agreement", "Agreement", id="rating.agreement", tooltip="The raters' agreement"),
        Binding("escape", "app.pop_screen", "Back", id="rating.close", tooltip="Back (your values are kept)"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="rating-status")
        yield DataTable(id="rating-grid", cursor_type="cell", zebra_stripes=True)
        yield Static(id="rating-detail")
        yield Footer()

    @property
    def draft(self) -> RatingDraft:
        draft = fsdl_app(self).workspace.rating
        assert draft is not None
        return draft

    @property
    def grid(self) -> DataTable[Text]:
        return self.query_one("#rating-grid", DataTable)

    def on_mount(self) -> None:
        app = fsdl_app(self)
        assert app.session is not None
        grid = self.grid
        title_width = max(16, min(40, self.app.size.width - OTHER_COLUMNS_WIDTH))
        grid.add_column("Project", key="project", width=title_width)
        for f in MAIN_FIELDS:
            grid.add_column(SHORT[f], key=f)
        grid.add_column("Note", key="note")
        grid.add_column("Others (median)", key="others")
        for p in app.session.portfolio.projects:
            grid.add_row(*self._cells(p.id, p.title), key=p.id)
        grid.move_cursor(row=0, column=FIRST)
        grid.focus()
        self._status()

    def _cells(self, project_id: str, title: str) -> list[Text]:
        draft = self.draft
        cells = [Text(one_line(title))]
        for f in MAIN_FIELDS:
            v = draft.value(project_id, f)
            cells.append(Text("·" if v is None else str(v), style="dim" if v is None else "bold"))
        cells.append(Text("✎" if project_id in draft.notes else ""))
        cells.append(others_cell(draft, project_id))
        return cells

    def _project_at(self, row: int) -> str | None:
        grid = self.grid
        if not 0 <= row < grid.row_count:
            return None
        key = grid.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return str(key) if key is not None else None

    @property
    def current(self) -> str | None:
        return self._project_at(self.grid.cursor_row)

    def _refresh_row(self, project_id: str) -> None:
        grid = self.grid
        row = grid.get_row_index(project_id)
        for col, cell in enumerate(self._cells(project_id, "")[1:], start=FIRST):
            grid.update_cell_at(Coordinate(row, col), cell, update_width=True)
        self._status()

    def _status(self) -> None:
        app = fsdl_app(self)
        draft = self.draft
        unsaved = len(draft.changes())
        target = app.workspace.ratings_target()
        where = f"{draft.path(target).parent.name}/{draft.path(target).name}" if target is not None else "-"
        head = Text.assemble("Rating as ", (one_line(draft.rater), "bold"), f" into {where}")
        head.append(
            f" · {unsaved} unsaved (ctrl+s saves)" if unsaved else " · saved", style="yellow" if unsaved else ""
        )
        head.append("\n")
        if draft.reveal_all:
            head.append("REVEALED: everyone's numbers are shown (V hides them)", style="bold reverse yellow")
        elif draft.revealed:
            head.append(f"BLIND, {len(draft.revealed)} project(s) revealed (◉)", style="bold yellow")
        else:
            head.append("BLIND: the others' numbers show once you rate a project (v reveals one, V all)", style="bold")
        self.query_one("#rating-status", Static).update(head)
        self._detail()

    def _detail(self) -> None:
        pid = self.current
        out = Text()
        if pid is not None:
            draft = self.draft
            shown = draft.others_values(pid)
            out.append(f"{pid}: ", style="bold")
            if shown is None:
                out.append(f"{draft.others_count(pid)} other rater(s), hidden until you rate it", style="dim")
            elif not shown:
                out.append("nobody else has rated it", style="dim")
            else:
                out.append(
                    "  ".join(
                        f"{one_line(name)} " + "/".join(str(v.get(f, "·")) for f in MAIN_FIELDS) for name, v in shown
                    )
                )
            note = draft.notes.get(pid)
            if note:
                out.append(f"\nnote: {printable(note)}", style="dim")
        self.query_one("#rating-detail", Static).update(out)

    @on(DataTable.CellHighlighted)
    def _moved(self) -> None:
        self._detail()

    # --- typing ------------------------------------------------------------------------------------

    def _field_column(self) -> int:
        col = self.grid.cursor_column
        return col if FIRST <= col < NOTE_COLUMN else FIRST

    def action_rate(self, value: int) -> None:
        pid = self.current
        if pid is None:
            return
        col = self._field_column()
        self.draft.set(pid, MAIN_FIELDS[col - FIRST], value)
        self._refresh_row(pid)
        row = self.grid.cursor_row
        if col + 1 < NOTE_COLUMN:
            self.grid.move_cursor(row=row, column=col + 1)
        elif row + 1 < self.grid.row_count:
            self.grid.move_cursor(row=row + 1, column=FIRST)
        fsdl_app(self).update_title()

    def action_clear(self) -> None:
        pid = self.current
        if pid is None:
            return
        col = self.grid.cursor_column
        if FIRST <= col < NOTE_COLUMN:
            self.draft.set(pid, MAIN_FIELDS[col - FIRST], None)
        elif col == NOTE_COLUMN:
            self.draft.set_note(pid, "")
        self._refresh_row(pid)
        fsdl_app(self).update_title()

    def action_note(self) -> None:
        from .modals import TextModal

        pid = self.current
        if pid is None:
            return

        def answer(text: str | None) -> None:
            if text is not None:
                self.draft.set_note(pid, text)
                self._refresh_row(pid)
                fsdl_app(self).update_title()

        self.app.push_screen(TextModal(f"Note on {pid} (empty removes it)", "why this rating", required=False), answer)

    def action_reveal(self) -> None:
        pid = self.current
        if pid is not None:
            self.draft.toggle_reveal(pid)
            self._refresh_row(pid)

    def action_reveal_all(self) -> None:
        self.draft.reveal_all = not self.draft.reveal_all
        for row in range(self.grid.row_count):
            pid = self._project_at(row)
            if pid is not None:
                self._refresh_row(pid)
        self._status()

    def action_save_ratings(self) -> None:
        if fsdl_app(self).save_ratings():
            for row in range(self.grid.row_count):
                pid = self._project_at(row)
                if pid is not None:
                    self._refresh_row(pid)
