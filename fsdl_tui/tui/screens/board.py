"""The lifecycle board: a column per stage of FSDL lecture 1, plus on-hold and killed, and the timeline
of the selected project's moves (loop-backs included, with their reasons)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain import framework as fw
from ...domain.model import Project
from ..base import fsdl_app
from ..view import marked, one_line

COLUMNS: tuple[tuple[str, str], ...] = tuple((s.id, s.id.capitalize()) for s in fw.STAGES) + (
    ("on-hold", "On hold"),
    ("killed", "Killed"),
)


def column_of(p: Project) -> str:
    return p.status if p.status in ("on-hold", "killed") else p.stage


def timeline(p: Project | None) -> Text:
    """The project's moves, oldest first (the box scrolls to the newest)."""
    if p is None:
        return Text("No project selected.", style="dim")
    out = Text.assemble((f"History of {one_line(p.title)}", "bold"), f"  (now: {p.stage}, {p.status})\n")
    if not p.lifecycle.history:
        out.append("No moves yet: still in its first stage.", style="dim")
    for m in p.lifecycle.history:
        arrow = "↩" if m.is_backward else "→"
        style = "yellow" if m.is_backward else ""
        out.append(f"{m.date.isoformat()}  {m.from_stage} {arrow} {m.to_stage}", style=style or None)
        if m.note:
            out.append(f"  {one_line(m.note)}", style="dim")
        out.append("\n")
    if p.lifecycle.loop_backs:
        out.append(f"{p.lifecycle.loop_backs} loop-back(s): normal for ML projects (FSDL lecture 1).", style="dim")
    return out


class BoardScreen(Screen[None]):
    """Move projects with `]` (forward) and `[` (back); left/right change column."""

    BINDINGS = [
        Binding(
            "left,h", "column(-1)", "Prev column", id="board.left", tooltip="Focus the column to the left", show=False
        ),
        Binding(
            "right,l", "column(1)", "Next column", id="board.right", tooltip="Focus the column to the right", show=False
        ),
        Binding("escape", "app.view('table')", "Table", id="board.close", tooltip="Back to the ranked table"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="board"):
            for key, label in COLUMNS:
                with Vertical(classes="board-column"):
                    yield Label(label, classes="board-title", id=f"title-{key}")
                    yield OptionList(id=f"col-{key}", classes="board-list")
        with VerticalScroll(id="timeline-box"):
            yield Static(id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_board, init=True)

    def refresh_board(self) -> None:
        app = fsdl_app(self)
        if app.session is None:
            return
        portfolio = app.session.portfolio
        selected = app.selected_id
        order = {r.project.id: i for i, r in enumerate(app.workspace.ranked)}
        by_col: dict[str, list[Project]] = {key: [] for key, _ in COLUMNS}
        for p in portfolio.projects:
            by_col[column_of(p)].append(p)
        focus_col = None
        for key, label in COLUMNS:
            projects = sorted(by_col[key], key=lambda p: order.get(p.id, 0))
            ol = self.query_one(f"#col-{key}", OptionList)
            with self.prevent(OptionList.OptionHighlighted):
                marks = app.workspace.marks
                ol.set_options([Option(Text(marked(p.title, marks(p.id))), id=p.id) for p in projects])
                ids = [p.id for p in projects]
                if selected in ids:
                    ol.highlighted = ids.index(selected)
                    focus_col = ol
            self.query_one(f"#title-{key}", Label).update(f"{len(projects)} {label}")
        if focus_col is not None and self.focused is not focus_col:
            focus_col.focus()
        self.show_timeline(selected)

    def show_timeline(self, project_id: str | None) -> None:
        session = fsdl_app(self).session
        project = session.portfolio.get(project_id) if session is not None and project_id else None
        self.query_one("#timeline", Static).update(timeline(project))
        self.call_after_refresh(self.query_one("#timeline-box").scroll_end, animate=False)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            fsdl_app(self).select(event.option.id)
            self.show_timeline(event.option.id)

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        fsdl_app(self).action_edit()

    def action_column(self, delta: int) -> None:
        lists = list(self.query(OptionList))
        current = self.focused if isinstance(self.focused, OptionList) else lists[0]
        i = lists.index(current)
        for step in range(1, len(lists) + 1):  # skip empty columns
            nxt = lists[(i + delta * step) % len(lists)]
            if nxt.option_count:
                nxt.focus()
                if nxt.highlighted is None:
                    nxt.highlighted = 0
                oid = nxt.get_option_at_index(nxt.highlighted or 0).id
                if oid:
                    fsdl_app(self).select(oid)
                    self.show_timeline(oid)
                return
