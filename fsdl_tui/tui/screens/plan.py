"""The plan as a view: the budget (person-weeks, remembered for the session), the chosen projects and their
totals, the next best left out, and the projects without an effort. The chosen projects are marked ◆ in the
table, the board and the 2x2. The plan is the core's (`decide.plan.plan` with the portfolio's scorer, run on
a thread worker)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from ...domain.model import Portfolio
from ..base import fsdl_app
from ..view import one_line
from ..widgets.plain import PlainInput

if TYPE_CHECKING:  # pragma: no cover - without importing numpy at start
    from ...decide.plan import Plan


def _table(*columns: str, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, title_style="bold")
    for i, c in enumerate(columns):
        t.add_column(c, no_wrap=i == 0, overflow="fold")
    return t


def plan_view(result: Plan, portfolio: Portfolio) -> Group:
    parts: list[Text | Table] = []
    t = _table("id", "title", "score", "weeks", title=f"Chosen within {result.budget:g} weeks (scorer {result.scorer})")
    for c in result.rows:
        p = portfolio.get(c.id)
        t.add_row(Text(c.id), Text(one_line(p.title) if p else ""), Text(f"{c.score:.2f}"), Text(f"{c.weeks:g}"))
    if result.rows:
        parts.append(t)
    elif result.next:
        parts.append(Text("Nothing fits the budget.", style="yellow"))
    else:
        parts.append(Text("No project to plan: no active candidate has an effort (effort.weeks).", style="yellow"))
    extra = "".join(f", {k} {v:g}" for k, v in result.totals.items() if k != "weeks")
    parts.append(
        Text(
            f"Total: score {result.total_score:.2f}, {result.total_weeks:g} of {result.budget:g} weeks{extra}",
            style="bold",
        )
    )
    if result.next:
        t = _table("id", "score", "weeks", "to include it", title="Next best, left out")
        for n in result.next:
            t.add_row(Text(n.id), Text(f"{n.score:.2f}"), Text(f"{n.weeks:g}"), Text(n.needs))
        parts.append(t)
    if result.no_effort:
        parts.append(Text(f"Without an effort (set effort.weeks to plan them): {', '.join(result.no_effort)}"))
    return Group(*parts)


def parse_budget(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


class PlanScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="plan.close", tooltip="Back (the ◆ marks stay)"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="plan-bar"):
            yield Label("Budget (person-weeks):", id="plan-label")
            yield PlainInput(placeholder="e.g. 26, enter", id="plan-budget", restrict=r"[0-9.]*")
            yield Label("(empty + enter: no plan)", id="plan-hint")
        yield Label("", id="plan-error", markup=False)
        with VerticalScroll(id="plan-box"):
            yield Static(id="plan")
        yield Footer()

    def on_mount(self) -> None:
        ws = fsdl_app(self).workspace
        field = self.query_one("#plan-budget", Input)
        if ws.plan_budget is not None:
            field.value = f"{ws.plan_budget:g}"
        field.focus()
        self.watch(self.app, "version", self.refresh_plan, init=True)

    @on(Input.Submitted, "#plan-budget")
    def _submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#plan-error", Label)
        if not event.value.strip():  # an empty budget clears the plan and its marks
            error.update("")
            self.action_clear_plan()
            return
        budget = parse_budget(event.value)
        if budget is None:
            error.update("the budget is a number of person-weeks, 0 or more")
            return
        error.update("")
        self.query_one("#plan", Static).update(Text("Planning…", style="dim"))
        fsdl_app(self).run_plan(budget)

    def refresh_plan(self) -> None:
        app = fsdl_app(self)
        result = app.workspace.last_plan
        body = self.query_one("#plan", Static)
        if app.session is None:
            return
        if result is None:
            body.update(Text("Type a budget and press enter: the best set of projects that fits it.", style="dim"))
            return
        body.update(plan_view(result, app.session.portfolio))

    def action_clear_plan(self) -> None:
        app = fsdl_app(self)
        app.workspace.adopt_plan(None)
        app.version += 1
