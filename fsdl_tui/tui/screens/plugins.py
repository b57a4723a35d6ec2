"""The plugins screen: what is loaded, from where, what it provides, and every problem."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..base import fsdl_app
from ..view import one_line, printable


class PluginsScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="plugins.close", tooltip="Back to the portfolio")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="plugins-table", cursor_type="row")
        with VerticalScroll(id="plugin-problems-box"):
            yield Static(id="plugin-problems")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "plugins_version", self.refresh_plugins, init=True)

    def refresh_plugins(self) -> None:
        plugins = fsdl_app(self).workspace.plugins
        info = plugins.records if plugins is not None else None
        problems = plugins.problems if plugins is not None else ()
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Plugin", "Version", "Status", "Scorers", "Exporters", "Source")
        for rec in info or []:
            style = {"loaded": "green", "failed": "red", "disabled": "dim"}.get(rec["status"], "")
            table.add_row(
                Text(one_line(str(rec["name"]))),
                Text(one_line(str(rec.get("version") or "–"))),
                Text(str(rec["status"]), style=style),
                Text(", ".join(rec["provides"].get("scorers", [])) or "–"),
                Text(", ".join(rec["provides"].get("exporters", [])) or "–"),
                Text(one_line(str(rec["source"]))),
            )
        if info is None:
            body = Text("Loading plugins…", style="dim")
        elif problems:
            body = Text.assemble((f"{len(problems)} problem(s):\n", "bold red"))
            for p in problems:
                body.append(f"• {printable(p)}\n", style="")
        else:
            body = Text.assemble(("No plugin problems.\n", "green"))
        for rec in info or []:
            if rec.get("note"):
                body.append(printable(f"{rec['name']}: {rec['status']}: {rec['note']}\n"), style="dim")
        self.query_one("#plugin-problems", Static).update(body)
