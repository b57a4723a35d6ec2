"""The 2x2 screen: impact against feasibility, with the quadrants of FSDL lecture 1."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static

from ..base import fsdl_app
from ..view import one_line
from ..widgets.footer import Footer
from ..widgets.matrix import Matrix
from .reused import keep_styles, lay_out_and_paint_hidden, lay_out_hidden, still_hidden


class MatrixScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "escape,enter",
            "app.view('table')",
            "Table",
            id="matrix.close",
            tooltip="Back to the table, on the selected project",
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Matrix(id="matrix")
        yield Static(id="matrix-status")
        yield Footer()

    def __init__(self) -> None:
        super().__init__()
        self._drawn: tuple[object, ...] | None = None  # the rows the points show (see `_draw`)
        self._unplotted = 0  # how many of them have no score to plot

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_matrix, init=True)
        self.query_one(Matrix).marks = fsdl_app(self).workspace.marks
        self.query_one(Matrix).focus()
        self.watch(self.query_one(Matrix), "mark_by", self._status, init=False)

    def refresh_matrix(self) -> None:
        if self.is_current:  # else refreshed when it is shown again
            self._draw()

    def build_ahead(self) -> Iterator[None]:
        """Started hidden (`reused.start_hidden`): lay it out, draw the points, paint it off screen."""
        while not self.is_mounted:
            yield
        yield from lay_out_hidden(self)
        if still_hidden(self):
            self._draw()
            yield from lay_out_and_paint_hidden(self)

    def _draw(self) -> None:
        """The points again when the portfolio, the ranking or the plugins changed; when only the selection
        did, the points stay where they are (`Matrix` keeps their cells) and the picture is drawn again."""
        matrix = self.query_one(Matrix)
        app = fsdl_app(self)
        if app.session is None:
            return
        rows = (id(app.session), app.version, app.plugins_version)
        if rows == self._drawn and matrix.selected == app.selected_id:
            return
        if rows != self._drawn:
            self._drawn = rows
            s = app.session.portfolio.settings
            matrix.show(app.workspace.ranked, (s.impact_threshold, s.feasibility_threshold))
            self._unplotted = sum(1 for r in app.workspace.ranked if r.impact is None or r.feasibility is None)
        matrix.selected = app.selected_id
        self._status()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        keep_styles(self, event)
        self.refresh_matrix()  # the app reuses the 2x2: points again only when what they show changed

    def _status(self) -> None:
        matrix = self.query_one(Matrix)
        unplotted = self._unplotted
        current = fsdl_app(self).workspace.ranked_by_id.get(matrix.selected) if matrix.selected else None
        sel = f"{one_line(current.project.title)} ({current.project.id})" if current else "none"
        extra = f" · {unplotted} unscored, not plotted" if unplotted else ""
        self.query_one("#matrix-status", Static).update(
            Text(f"selected: {sel}{extra}\n{matrix.legend()} (v: mark by; arrows move, j/k by rank)")
        )

    @on(Matrix.PointSelected)
    def _point(self, event: Matrix.PointSelected) -> None:
        fsdl_app(self).select(event.project_id)
        self._status()
