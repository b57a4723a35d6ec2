"""The column chooser (`C` on the table): which optional columns the table shows when they fit. Rank, title,
score and quadrant are always shown. The choice is kept in the user's `app.toml` (`columns = [...]`)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from ..view import COLUMN_HEADERS, COLUMN_PRIORITY
from .modals import Dialog

LONG_NAMES = {"impact": "Impact", "feasibility": "Feasibility", "id": "Id (wide screens)"}


class ColumnsModal(Dialog):
    """Tick the columns to show (`enter` or `space` on one; the tick is a character, not only a colour); OK
    (or `ctrl+s`) answers the set, `escape` None."""

    BINDINGS = [
        Binding("space", "tick", "Tick", id="columns.toggle", tooltip="Tick or untick the highlighted column"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel", tooltip="Close without changing the columns"),
        Binding("ctrl+s", "done", "Apply", id="columns.apply", tooltip="Show the ticked columns"),
    ]

    def __init__(self, wanted: frozenset[str]) -> None:
        super().__init__()
        self.wanted = set(wanted)

    def _prompt(self, key: str) -> str:
        return f"[{'x' if key in self.wanted else ' '}] {LONG_NAMES.get(key, COLUMN_HEADERS[key])}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.header(
                "Columns",
                "Rank, title, score and quadrant are always shown. The others show when the terminal is wide "
                "enough, the first ones here first. Enter or space ticks or unticks ([x] shown when it fits).",
            )
            yield OptionList(*(Option(Text(self._prompt(k)), id=k) for k in COLUMN_PRIORITY), id="columns-list")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._toggle(event.option_index)

    def action_tick(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._toggle(options.highlighted)

    def _toggle(self, index: int) -> None:
        options = self.query_one(OptionList)
        key = COLUMN_PRIORITY[index]
        self.wanted ^= {key}
        options.replace_option_prompt_at_index(index, Text(self._prompt(key)))  # plain text: "[x]" is no markup

    def action_done(self) -> None:
        self.dismiss(frozenset(self.wanted))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.action_done()
        else:
            self.dismiss(None)
