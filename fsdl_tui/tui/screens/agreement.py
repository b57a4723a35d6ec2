"""The raters' agreement: each field's Krippendorff's alpha and Kendall's W, each project's median and
spread, the disputed projects with who is at each end, and the rank odds under the raters' disagreement.

Computed by the core (`fsdl_tui.workspace.compute_decisions`) on a thread worker; this screen only shows
`workspace.decisions` and follows the app's `version`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...workspace import Decisions, agreement_rows
from ..base import fsdl_app
from ..view import one_line


def _table(*columns: str, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, title_style="bold")
    for i, c in enumerate(columns):
        t.add_column(c, no_wrap=i == 0, overflow="fold")
    return t


def _rows(t: Table, rows: Sequence[Sequence[str]]) -> Table:
    for cells in rows:
        t.add_row(*(Text(one_line(c)) for c in cells))
    return t


def agreement_view(decisions: Decisions, project_ids: list[str]) -> Group:
    """The core's rows (`agreement_rows`, as `fsdl-tui ratings` prints them) and the rank odds, every cell a
    `Text`: names and ids are never markup."""
    ag = decisions.agreement
    rows = agreement_rows(ag, project_ids)
    parts: list[Text | Table] = [Text(f"{len(ag.raters)} raters: {', '.join(ag.raters)}")]
    columns = ("field", "alpha (ordinal)", "Kendall's W", "projects", "raters")
    parts.append(_rows(_table(*columns, title="Agreement by field"), rows.fields))
    parts += [Text(line, style="dim") for line in rows.notes]
    title = "Median ±spread (max - min); ! a spread of 2 or more"
    parts.append(_rows(_table(*rows.consensus_header, title=title), rows.consensus))
    if rows.disputed:
        columns = ("id", "field", "spread", "low", "high")
        parts.append(_rows(_table(*columns, title="Disputed: who disagrees"), rows.disputed))
    else:
        parts.append(Text("No disputed projects: every rated field is within one point across raters."))
    odds = decisions.odds
    if odds is not None:
        title = f"Rank odds: {odds.draws} draws of the raters' numbers (seed {odds.seed}), top {odds.top_k}"
        t = _table("#", "id", f"p(top {odds.top_k})", "90% rank", "tied with (≈)", title=title)
        cells = []
        for o in odds.projects:
            lo, hi = o.rank_interval
            span = f"{lo}" if lo == hi else f"{lo}-{hi}"
            cells.append((str(o.point_rank or "-"), o.project_id, f"{o.p_top_k:.2f}", span, ", ".join(o.tied_with)))
        parts.append(_rows(t, cells))
    return Group(*parts)


class AgreementScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "app.rate", "Rate", id="agreement.rate", tooltip="Rate the projects (blind)"),
        Binding("P", "app.plan", "Plan", id="agreement.plan", tooltip="The plan within a budget"),
        Binding("escape", "app.pop_screen", "Back", id="agreement.close", tooltip="Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="agreement-box"):
            yield Static(id="agreement")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_agreement, init=True)

    def refresh_agreement(self) -> None:
        app = fsdl_app(self)
        body = self.query_one("#agreement", Static)
        if app.session is None:
            return
        decisions = app.workspace.decisions
        if app.decisions_pending and decisions is None:
            body.update(Text("Computing the agreement…", style="dim"))
        elif decisions is None:
            body.update(Text("Nobody has rated yet: press r to rate the projects (blind).", style="dim"))
        else:
            body.update(agreement_view(decisions, [p.id for p in app.session.portfolio.projects]))
