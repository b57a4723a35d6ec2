"""The lifecycle board: a column per stage of FSDL lecture 1 and the timeline of the selected project's moves
(loop-backs included, with their reasons). A card shows the rank, the title (wrapped at word boundaries),
the score and the owner; on-hold (‖) and killed (✗) projects stay in their stage with their marker, and `f`
shows all projects, the active ones only, or only those on hold or killed."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Label, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from ...domain import framework as fw
from ...domain.model import Project
from ...scoring.base import Ranked
from ..base import fsdl_app
from ..view import STATUS_MARK, one_line, titled
from ..widgets.footer import Footer
from .reused import keep_styles, lay_out_and_paint_hidden, lay_out_hidden, still_hidden

COLUMNS: tuple[tuple[str, str], ...] = tuple((s.id, s.id.capitalize()) for s in fw.STAGES)
# Cards a column shows: the best ranked (and the selected project); the table lists the rest. A card is
# wrapped text, so a column of thousands of them takes seconds to lay out.
CARDS_PER_COLUMN = 100
SHOW = ("all", "active", "held or killed")  # what `f` cycles through


def column_of(p: Project) -> str:
    return p.stage


def shown_on_board(p: Project, show: str) -> bool:
    if show == "active":
        return p.status == "active"
    if show == "held or killed":
        return p.status != "active"
    return True


def card(r: Ranked | None, p: Project, marks: str, width: int) -> Text:
    """A board card: `#rank ‖ title` wrapped at word boundaries to `width`, then score and owner (dim)."""
    rank = "#–" if r is None or r.rank is None else f"#{r.rank}"
    head = " ".join(x for x in (rank, STATUS_MARK.get(p.status, "").strip(), titled(marks, p.title)) if x)
    lines = textwrap.wrap(head, max(width, 8), break_on_hyphens=False) or [head]
    score = "–" if r is None or r.score.value is None else f"{r.score.value:.2f}"
    owner = one_line(p.owner) or "no owner"
    text = Text("\n".join(lines))
    text.append(f"\nscore {score} · {owner}", style="dim")
    return text


def timeline(p: Project | None) -> Text:
    """The project's moves, oldest first (the box scrolls to the newest)."""
    if p is None:
        return Text("No project selected.", style="dim")
    out = Text.assemble((f"History of {one_line(p.title)}", "bold"), f"  (now: {p.stage}, {p.status})\n")
    if not p.lifecycle.history:
        out.append("No moves yet: still in its first stage.", style="dim")
    for m in p.lifecycle.history:
        if m.is_status_change:  # hold, resume, kill, revive: in the stage it happened in
            mark = STATUS_MARK.get(m.status, "").strip() or "▶"
            out.append(f"{m.date.isoformat()}  {mark} {m.status} (in {m.to_stage})", style="magenta")
        else:
            arrow = "↩" if m.is_backward else "→"
            style = "yellow" if m.is_backward else ""
            out.append(f"{m.date.isoformat()}  {m.from_stage} {arrow} {m.to_stage}", style=style or None)
        if m.note:
            out.append(f"  {one_line(m.note)}", style="dim")
        out.append("\n")
    if p.lifecycle.loop_backs:
        out.append(f"{p.lifecycle.loop_backs} loop-back(s): normal for ML projects (FSDL lecture 1).", style="dim")
    return out


def card_index(column: OptionList, project_id: str | None) -> int | None:
    """The index of the project's card in a column, if it is there."""
    try:
        return None if project_id is None else column.get_option_index(project_id)
    except OptionDoesNotExist:
        return None


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
        Binding(
            "f",
            "show_next",
            "Show",
            id="board.show",
            tooltip="Show all projects, the active ones, or those on hold or killed",
        ),
    ]

    show: reactive[str] = reactive("all", init=False)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="board"):
            for key, label in COLUMNS:
                with Vertical(classes="board-column"):
                    yield Label(label, classes="board-title", id=f"title-{key}")
                    yield OptionList(id=f"col-{key}", classes="board-list")
        yield Static(id="board-show")
        with VerticalScroll(id="timeline-box"):
            yield Static(id="timeline")
        yield Footer()

    def __init__(self) -> None:
        super().__init__()
        self._drawn: tuple[object, ...] | None = None  # what the cards show (see refresh_board)
        self._drawn_selected: str | None = None  # the project highlighted when they were drawn
        self._extra: str | None = None  # a card shown past a column's first cards because it was selected

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_board, init=True)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        keep_styles(self, event)
        self.refresh_board()  # the app reuses the board: cards again only when what they show changed

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_board)  # cards wrap to the columns' new width

    def watch_show(self) -> None:
        self.refresh_board()

    def action_show_next(self) -> None:
        self.show = SHOW[(SHOW.index(self.show) + 1) % len(SHOW)]

    def refresh_board(self) -> None:
        if fsdl_app(self).session is None or not self.is_current:
            return  # refreshed when it is shown again
        if not self.query_one(f"#col-{COLUMNS[0][0]}", OptionList).size.width:
            self.call_after_refresh(self.refresh_board)  # laid out first: the cards wrap to the columns' width
            return
        for _ in self._draw():
            pass

    def build_ahead(self) -> Iterator[None]:
        """Started hidden (`reused.start_hidden`): lay the board out, fill a column per step, lay it out and
        paint it off screen. Shown (or gone) meanwhile, it stops: showing it draws what is missing."""
        while not self.is_mounted:
            yield
        yield from lay_out_hidden(self)
        if not still_hidden(self) or fsdl_app(self).session is None:
            return
        for _ in range(2):  # again when the first cards made scroll bars, which narrow the columns
            for _ in self._draw():
                yield
                if not still_hidden(self):
                    return
            yield from lay_out_hidden(self)
            if not still_hidden(self) or self._state() == self._drawn:
                break
        yield from lay_out_and_paint_hidden(self)

    def _state(self) -> tuple[object, ...]:
        """What the cards show: the board is drawn again only when it changed (a change of the selection alone
        moves the highlight, `_highlight`)."""
        app = fsdl_app(self)
        widths = tuple(self.query_one(f"#col-{key}", OptionList).scrollable_content_region.width for key, _ in COLUMNS)
        return (id(app.session), app.version, app.plugins_version, self.show, widths)

    def _draw(self) -> Iterator[None]:
        """Draw the cards, a column at a time (a `yield` after each)."""
        app = fsdl_app(self)
        assert app.session is not None
        shown = self._state()
        selected = app.selected_id
        if shown == self._drawn and (selected == self._drawn_selected or self._highlight(selected)):
            return
        portfolio = app.session.portfolio
        extra = None
        order = {r.project.id: i for i, r in enumerate(app.workspace.ranked)}
        by_col: dict[str, list[Project]] = {key: [] for key, _ in COLUMNS}
        for p in portfolio.projects:
            if shown_on_board(p, self.show):
                by_col[column_of(p)].append(p)
        focus_col = None
        ranked = app.workspace.ranked_by_id
        for key, label in COLUMNS:
            in_column = sorted(by_col[key], key=lambda p: order.get(p.id, 0))
            projects = in_column[:CARDS_PER_COLUMN]
            beyond = [p for p in in_column[CARDS_PER_COLUMN:] if p.id == selected]
            projects += beyond
            extra = beyond[0].id if beyond else extra
            ol = self.query_one(f"#col-{key}", OptionList)
            width = (ol.scrollable_content_region.width or ol.size.width or 14) - 1
            options: list[Option | None] = []
            for p in projects:
                if options:
                    options.append(None)  # a separator between two cards
                options.append(Option(card(ranked.get(p.id), p, app.workspace.marks(p.id), width), id=p.id))
            if len(in_column) > len(projects):
                more = Text(f"… {len(in_column) - len(projects):,} more (the table lists them)", style="dim")
                options += [None, Option(more, disabled=True)]
            with self.prevent(OptionList.OptionHighlighted):
                ol.set_options(options)
                ids = [p.id for p in projects]
                if selected in ids:
                    ol.highlighted = ids.index(selected)
                    focus_col = ol
            self.query_one(f"#title-{key}", Label).update(f"{len(in_column)} {label}")
            yield
        self.query_one("#board-show", Static).update(
            Text(f"showing {self.show} projects (f changes) · ‖ on hold · ✗ killed", style="dim")
        )
        if focus_col is not None and self.focused is not focus_col:
            focus_col.focus()
        self.show_timeline(selected)
        self._drawn, self._drawn_selected, self._extra = shown, selected, extra

    def _highlight(self, selected: str | None) -> bool:
        """Move the highlight to `selected` on the cards drawn, as drawing them again would leave it; False when
        they must be drawn again (its card is not there yet, or one is there only for the last selection)."""
        app = fsdl_app(self)
        assert app.session is not None
        lists = [self.query_one(f"#col-{key}", OptionList) for key, _ in COLUMNS]
        at = {ol: i for ol in lists if (i := card_index(ol, selected)) is not None}
        project = app.session.portfolio.get(selected) if selected else None
        if self._extra is not None or (not at and project is not None and shown_on_board(project, self.show)):
            return False
        with self.prevent(OptionList.OptionHighlighted):
            for ol in lists:  # as `set_options` leaves a list: at the top, nothing highlighted; then the card
                ol.highlighted = None
                ol.scroll_y = 0
                if ol in at:
                    ol.highlighted = at[ol]
        focus = next(iter(at), None)
        if focus is not None and self.focused is not focus:
            focus.focus()
        self.show_timeline(selected)
        self._drawn_selected = selected
        return True

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
