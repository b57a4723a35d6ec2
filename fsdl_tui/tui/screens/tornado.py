"""Does the order hold? The share of draws that keep the same top k when the scorer's weights move by up to
±20%, and a tornado: for each adjacent pair around the cut, the smallest change to one input that would
swap the two, as a horizontal bar, the pairs that swap most easily first.

The numbers are the core's (`decide.uncertainty.sensitivity`, as `fsdl-tui rank --sensitivity` prints them,
seeded), computed on a thread worker (`DecideFlows.ensure_sensitivity`); this screen shows
`app.sensitivity_result` and a status line, and follows the app's `version`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from ..base import fsdl_app
from ..view import one_line

if TYPE_CHECKING:  # pragma: no cover - without importing numpy at start
    from ...decide.uncertainty import SensitivityResult

BAR = "█"
GAPS = 9  # three column separators of the table, " │ "


def column_widths(width: int, pair: int, change: int) -> tuple[int, int, int]:
    """(pair, change, bar) column widths that fit `width` cells: each label column at most about a third of
    the width (longer labels wrap), the bars the rest, at least 4 cells."""
    inner = max(20, width - 6)  # the screen's padding, the scroll bar and the table's own edges
    third = max(10, (inner - GAPS - 3) * 35 // 100)
    pair, change = min(pair, third), min(change, third)
    return pair, change, max(4, inner - GAPS - 3 - pair - change)


def tornado_view(result: SensitivityResult, width: int) -> Group:
    """The stable share and one bar per pair, every cell a `Text`: ids are never markup."""
    from ...decide.uncertainty import swap_label, tornado

    parts: list[Text | Table] = [Text(f"Top {result.top_k} by {result.scorer}: {', '.join(result.top)}")]
    if result.stable_share is not None:
        parts.append(
            Text(
                f"The same top {result.top_k} in {result.stable_share:.1%} of {result.draws} draws with every "
                f"weight moved by up to ±{result.perturb:.0%}.",
                style="bold",
            )
        )
    if result.note:
        parts.append(Text(one_line(result.note), style="dim"))
    bars = tornado(result)
    if not bars:
        parts.append(Text("No single input change swaps the neighbours around the cut."))
        return Group(*parts)
    top = set(result.top)
    pairs = [
        one_line(f"{s.above} > {s.below}" + (" (the cut)" if s.above in top and s.below not in top else ""))
        for s in bars
    ]
    changes = [one_line(swap_label(s)) for s in bars]
    pair_w, change_w, bar_w = column_widths(width, max(map(len, pairs)), max(map(len, changes)))
    longest = max(abs(s.change) for s in bars)
    t = Table(
        title="What would swap the neighbours around the cut (the smallest change first)",
        title_justify="left",
        title_style="bold",
        show_edge=False,
        pad_edge=False,
    )
    t.add_column("pair", width=pair_w, overflow="fold")
    t.add_column("change", width=change_w, overflow="fold")
    t.add_column("by", width=3, justify="right", no_wrap=True)
    t.add_column("", width=bar_w, no_wrap=True)
    for s, pair, change in zip(bars, pairs, changes, strict=True):
        cells = max(1, (bar_w - 1) * abs(s.change) // longest)
        style = "yellow" if abs(s.change) == 1 else "cyan"
        t.add_row(Text(pair), Text(change), Text(f"{s.change:+d}"), Text(BAR * cells, style=style))
    parts.append(t)
    parts.append(
        Text("The bar's length is the change: a short bar, an order that one small change reverses.", style="dim")
    )
    return Group(*parts)


class SensitivityScreen(Screen[None]):
    BINDINGS = [
        Binding("A", "app.agreement", "Agreement", id="sensitivity.agreement", tooltip="The raters' agreement"),
        Binding("P", "app.plan", "Plan", id="sensitivity.plan", tooltip="The plan within a budget"),
        Binding("escape", "app.pop_screen", "Back", id="sensitivity.close", tooltip="Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="tornado-status", markup=False)
        with VerticalScroll(id="tornado-box"):
            yield Static(id="tornado")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_tornado, init=True)

    def on_resize(self) -> None:
        self.refresh_tornado()

    def refresh_tornado(self) -> None:
        app = fsdl_app(self)
        if app.session is None:
            return
        app.ensure_sensitivity()  # a no-op when the portfolio and the scorer are those of the last run
        status = self.query_one("#tornado-status", Label)
        body = self.query_one("#tornado", Static)
        result = app.sensitivity_result
        status.update(app.sensitivity_status)
        if app.sensitivity_pending:
            if result is None:
                body.update(Text("Computing…", style="dim"))
            return
        if result is None:
            body.update(Text("Nothing to show.", style="dim"))
        else:
            body.update(tornado_view(result, self.size.width))
