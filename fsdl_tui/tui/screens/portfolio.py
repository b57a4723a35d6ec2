"""The first screen: the ranked table, the filter bar, the detail pane and summary counts."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, Static

from ...domain import framework as fw
from ...scoring.base import Ranked
from ..base import fsdl_app
from ..view import COLUMNS, Filter, apply_filter, summary_counts
from ..widgets.detail import ProjectDetail
from ..widgets.table import PortfolioTable

STAGE_OPTIONS = [(s.id, s.id) for s in fw.STAGES] + [("on-hold", "on-hold"), ("killed", "killed")]
ARCHETYPE_OPTIONS = [(a.label, a.id) for a in fw.ARCHETYPES] + [("none", "none")]
QUADRANT_OPTIONS = [(q.label, q.id) for q in fw.QUADRANTS] + [("unscored", "unscored")]


def _sort_bindings() -> list[Binding]:
    return [
        Binding(
            str(i),
            f"sort('{key}')",
            f"Sort {header}",
            id=f"table.sort_{key}",
            show=False,
            tooltip=f"Sort by {header}: ascending, descending, then back to the ranking",
        )
        for i, (key, header, _) in enumerate(COLUMNS, start=1)
    ]


class PortfolioScreen(Screen[None]):
    BINDINGS = [
        Binding("e", "app.edit", "Edit", id="table.edit", tooltip="Edit the highlighted project"),
        Binding("a", "app.add", "Add", id="table.add", tooltip="Add a project"),
        Binding(
            "c", "app.duplicate", "Copy", id="table.duplicate", tooltip="Duplicate the highlighted project", show=False
        ),
        Binding(
            "delete,D",
            "app.delete",
            "Delete",
            id="table.delete",
            tooltip="Delete the highlighted project (asks first)",
            show=False,
        ),
        Binding("slash", "focus_filter", "Filter", id="table.filter", tooltip="Type to filter: words, #tag"),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            id="table.clear_filter",
            show=False,
            tooltip="Clear the filter and go back to the table",
        ),
        Binding("tab", "app.focus_next", "Next pane", id="table.next_pane", show=False, tooltip="Focus the next pane"),
        *_sort_bindings(),
    ]

    filter: reactive[Filter] = reactive(Filter(), init=False)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filter-bar"):
            yield Input(placeholder="filter: words, #tag", id="filter-text")
            yield Select(STAGE_OPTIONS, prompt="stage", id="filter-stage")
            yield Select(ARCHETYPE_OPTIONS, prompt="archetype", id="filter-archetype")
            yield Select(QUADRANT_OPTIONS, prompt="quadrant", id="filter-quadrant")
        with Horizontal(id="main"):
            yield PortfolioTable(id="table")
            yield ProjectDetail(id="detail")
        yield Static(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_rows, init=True)
        self.watch(self.app, "selected_id", self._follow, init=False)
        self.watch(self.app, "ranking_status", self._ranking_status, init=False)
        self.query_one(PortfolioTable).focus()

    def _follow(self, project_id: str | None) -> None:
        """The selection changed elsewhere (the board, the 2x2, an added project): move the cursor to it."""
        if project_id:
            self.query_one(PortfolioTable).select_id(project_id)

    # --- content -----------------------------------------------------------------------------------------

    def refresh_rows(self) -> None:
        app = fsdl_app(self)
        ranked = app.workspace.ranked
        rows = apply_filter(ranked, self.filter)
        table = self.query_one(PortfolioTable)
        table.show(rows, keep=app.selected_id, marks=app.workspace.marks)
        self._summary(len(rows), ranked)
        self._detail(table.current_id)

    def _ranking_status(self) -> None:
        ranked = fsdl_app(self).workspace.ranked
        self._summary(len(apply_filter(ranked, self.filter)), ranked)

    def _summary(self, shown: int, ranked: Sequence[Ranked]) -> None:
        counts = summary_counts(ranked)
        stages = " ".join(f"{k} {v}" for k, v in counts["stages"].items() if v)
        held = " ".join(f"{k} {v}" for k, v in counts["statuses"].items() if k != "active" and v)
        quads = " ".join(
            f"{fw.QUADRANT_BY_ID[k].label.lower() if k in fw.QUADRANT_BY_ID else k} {v}"
            for k, v in counts["quadrants"].items()
            if v
        )
        head = f"{shown} of {len(ranked)}" if self.filter.active else f"{len(ranked)} projects"
        app = fsdl_app(self)
        line = f"{head} · scorer {app.scorer.name} · {stages}{' · ' + held if held else ''} · {quads}"
        if app.ranking_status:
            line = f"{app.ranking_status} · {line}"
        self.query_one("#summary", Static).update(Text(line))

    def _detail(self, project_id: str | None) -> None:
        app = fsdl_app(self)
        r = app.workspace.ranked_by_id.get(project_id) if project_id else None
        self.query_one(ProjectDetail).show(r, app.scorer.label or app.scorer.name)

    @on(PortfolioTable.ProjectHighlighted)
    def _highlighted(self) -> None:
        project_id = self.query_one(PortfolioTable).current_id  # now, not when the message was posted
        if project_id:
            fsdl_app(self).select(project_id)
        self._detail(project_id)

    @on(PortfolioTable.ProjectChosen)
    def _chosen(self, event: PortfolioTable.ProjectChosen) -> None:
        fsdl_app(self).select(event.project_id)
        fsdl_app(self).action_edit()

    # --- filter and sort ---------------------------------------------------------------------------------

    def watch_filter(self) -> None:
        self.refresh_rows()

    @on(Input.Changed, "#filter-text")
    @on(Select.Changed, "#filter-bar Select")
    def _filter_changed(self) -> None:
        def sel(name: str) -> str | None:
            v = self.query_one(f"#filter-{name}", Select).value
            return v if isinstance(v, str) else None

        self.filter = Filter(
            self.query_one("#filter-text", Input).value, sel("stage"), sel("archetype"), sel("quadrant")
        )

    @on(Input.Submitted, "#filter-text")
    def _filter_done(self) -> None:
        self.query_one(PortfolioTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter-text", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter-text", Input).value = ""
        for name in ("stage", "archetype", "quadrant"):
            self.query_one(f"#filter-{name}", Select).clear()
        self.query_one(PortfolioTable).focus()

    def action_sort(self, column: str) -> None:
        self.query_one(PortfolioTable).sort_by(column)
