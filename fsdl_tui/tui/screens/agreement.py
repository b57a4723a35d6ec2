"""The raters' agreement: each field's Krippendorff's alpha and Kendall's W, each project's median and
spread, the disputed projects with who is at each end, and the rank odds under the raters' disagreement.

Computed by the core (`fsdl_tui.workspace.compute_decisions`) on a thread worker; this screen only shows
`workspace.decisions` and follows the app's `version`.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...storage.ratings import MAIN_FIELDS, RATING_FIELDS
from ...workspace import Decisions
from ..base import fsdl_app
from ..view import one_line

SHORT = {
    "impact": "impact",
    "data_availability": "data",
    "accuracy_requirement": "accuracy",
    "problem_difficulty": "difficulty",
}


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _table(*columns: str, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, title_style="bold")
    for i, c in enumerate(columns):
        t.add_column(c, no_wrap=i == 0, overflow="fold")
    return t


def _row(t: Table, *cells: str) -> None:
    t.add_row(*(Text(one_line(c)) for c in cells))


def agreement_view(decisions: Decisions, project_ids: list[str]) -> Group:
    """Plain-text tables (every cell a `Text`: names and ids are never markup)."""
    ag = decisions.agreement
    parts: list[Text | Table] = [Text(f"{len(ag.raters)} raters: {', '.join(ag.raters)}")]
    t = _table("field", "alpha (ordinal)", "Kendall's W", "projects", "raters", title="Agreement by field")
    for name, fa in ag.fields.items():
        alpha = _num(fa.alpha) + (" *" if fa.alpha_note else "")
        w = _num(fa.kendall_w) + (f" (over {fa.w_projects})" if fa.kendall_w is not None else "")
        _row(t, RATING_FIELDS[name][1], alpha, w, str(fa.projects), str(fa.raters))
    parts.append(t)
    for name, fa in ag.fields.items():
        if fa.alpha_note:
            parts.append(Text(f"* {RATING_FIELDS[name][1]}: {fa.alpha_note}", style="dim"))
    shown = [f for f in MAIN_FIELDS if f in ag.fields]
    t = _table("id", *(SHORT[f] for f in shown), title="Median ±spread (max - min); ! a spread of 2 or more")
    for pid in project_ids:
        cells = []
        for f in shown:
            pc = ag.consensus(pid, f)
            cells.append("–" if pc is None else f"{pc.median:g} ±{pc.spread}" + (" !" if pc.disputed else ""))
        if any(c != "–" for c in cells):
            _row(t, pid, *cells)
    parts.append(t)
    if ag.disputed:
        t = _table("id", "field", "spread", "low", "high", title="Disputed: who disagrees")
        for pid, name, pc in ag.disputed[:12]:
            low = ", ".join(f"{r} {pc.values[r]}" for r in pc.low)
            high = ", ".join(f"{r} {pc.values[r]}" for r in pc.high)
            _row(t, pid, SHORT.get(name, name), str(pc.spread), low, high)
        parts.append(t)
    else:
        parts.append(Text("No disputed projects: every rated field is within one point across raters."))
    odds = decisions.odds
    if odds is not None:
        title = f"Rank odds: {odds.draws} draws of the raters' numbers (seed {odds.seed}), top {odds.top_k}"
        t = _table("#", "id", f"p(top {odds.top_k})", "90% rank", "tied with (≈)", title=title)
        for o in odds.projects:
            lo, hi = o.rank_interval
            span = f"{lo}" if lo == hi else f"{lo}-{hi}"
            _row(t, str(o.point_rank or "–"), o.project_id, f"{o.p_top_k:.2f}", span, ", ".join(o.tied_with))
        parts.append(t)
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
