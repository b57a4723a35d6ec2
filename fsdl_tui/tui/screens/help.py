"""Help (F1 or ?): the keys of the current screen and of the app, and the framework behind the app."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...domain import framework as fw


def framework_text() -> Text:
    t = Text()
    t.append("The framework\n", style="bold")
    t.append(fw.CREDIT + "\n\n", style="italic")
    t.append("Prioritize projects with high impact and low cost (high feasibility): the 2x2.\n")
    t.append("Impact lenses: ", style="bold")
    t.append("; ".join(lens.question for lens in fw.IMPACT_LENSES) + "\n")
    t.append("Cost drivers, most important first: ", style="bold")
    t.append(", ".join(d.label for d in fw.COST_DRIVERS) + " (accuracy cost grows super-linearly).\n")
    t.append("Before starting (the gate): ", style="bold")
    t.append("; ".join(g.question for g in fw.GATE_ITEMS) + "\n")
    t.append("Archetypes: ", style="bold")
    t.append("; ".join(f"{a.label} ({a.on_2x2})" for a in fw.ARCHETYPES) + "\n")
    t.append("Lifecycle: ", style="bold")
    t.append(" → ".join(s.label for s in fw.STAGES) + ". Moving back is normal and is recorded with its reason.\n")
    return t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss", "Close", id="help.close", tooltip="Close help")]

    def __init__(self, bindings: list[tuple[str, str, str, str]]) -> None:
        """`bindings`: (keys, description, id, tooltip) of the screen below and of the app."""
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        keys = Table(
            title="Keys (remap by id in $XDG_CONFIG_HOME/fsdl-tui/keymap.toml)",
            title_justify="left",
            title_style="bold",
            box=None,
            expand=True,
            padding=(0, 1),
        )
        keys.add_column("keys", style="bold", width=18)
        keys.add_column("does", ratio=1)
        keys.add_column("id", style="dim", width=20)
        for key, desc, bid, tip in self.bindings:
            keys.add_row(key, tip or desc, bid)
        with VerticalScroll(classes="dialog help"):
            yield Static(keys)
            yield Static(
                Text(
                    "Also: ctrl+p opens the command palette (every action, scorers, themes); the mouse "
                    "works everywhere (click a header to sort, a point to select it).\n"
                )
            )
            yield Static(framework_text())

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
