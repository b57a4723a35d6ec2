"""A file that cannot be opened: its problems as FILE:LINE:COL, and reload once it is fixed."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...storage import Problem
from ..view import printable


class ProblemsScreen(Screen[None]):
    """Shown instead of the portfolio when the file does not load. Nothing is written while it is shown."""

    BINDINGS = [
        Binding("r,f5", "app.reload_broken", "Reload", id="problems.reload", tooltip="Read the file again"),
    ]

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        super().__init__()
        self.path, self.problems = path, problems

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="problems"):
            yield Static(id="problems-body")
        yield Footer()

    def on_mount(self) -> None:
        self.show(self.problems)

    def show(self, problems: list[Problem]) -> None:
        self.problems = problems
        text = Text.assemble(
            (f"{self.path} cannot be opened: {len(problems)} problem(s).\n", "bold red"),
            "Fix them in your editor (or resolve the merge), then press r to reload. Nothing is written until then.\n\n",
        )
        for p in problems:
            text.append(f"{p.file}:{p.line}:{p.col}", style="bold")
            text.append(f": {printable(p.message)}\n")
        self.query_one("#problems-body", Static).update(text)
