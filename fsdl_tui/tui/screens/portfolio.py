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
from textual.widgets import Header, Input, Select, Static

from ...domain import framework as fw
from ...domain.fields import get_field
from ...scoring.base import Ranked
from ...workspace import QUICK_FIELDS, nudged
from ..base import fsdl_app
from ..view import COLUMN_HEADERS, COLUMN_PRIORITY, COLUMNS, Filter, apply_filter, summary_counts
from ..widgets.detail import ProjectDetail
from ..widgets.footer import Footer
from ..widgets.plain import PlainInput
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
            "c",
            "app.duplicate",
            "Duplicate",
            id="table.duplicate",
            tooltip="Duplicate the highlighted project",
            show=False,
        ),
        Binding(
            "C",
            "choose_columns",
            "Columns",
            id="table.columns",
            tooltip="Choose the table's columns (kept in your app.toml)",
            show=False,
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
        Binding(
            "f",
            "quick_field(1)",
            "Score field",
            id="table.quick_field",
            show=False,
            tooltip="Quick scoring: choose the score that + and - change (impact, data, accuracy, difficulty)",
        ),
        Binding(
            "plus,equals_sign",
            "quick(1)",
            "Score +1",
            id="table.quick_up",
            show=False,
            tooltip="Quick scoring: raise the chosen score of the highlighted project by one",
        ),
        Binding(
            "minus",
            "quick(-1)",
            "Score -1",
            id="table.quick_down",
            show=False,
            tooltip="Quick scoring: lower the chosen score of the highlighted project by one",
        ),
        *_sort_bindings(),
    ]

    filter: reactive[Filter] = reactive(Filter(), init=False)
    quick_field: reactive[int] = reactive(0, init=False)  # the index in QUICK_FIELDS that + and - change

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filter-bar"):
            yield PlainInput(placeholder="filter: words, #tag", id="filter-text")
            yield Select(STAGE_OPTIONS, prompt="stage", id="filter-stage")
            yield Select(ARCHETYPE_OPTIONS, prompt="archetype", id="filter-archetype")
            yield Select(QUADRANT_OPTIONS, prompt="quadrant", id="filter-quadrant")
        with Horizontal(id="main"):
            yield PortfolioTable(id="table")
            yield ProjectDetail(id="detail")
        yield Static(id="quick")
        yield Static(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "version", self.refresh_rows, init=True)
        self.watch(self.app, "selected_id", self._follow, init=False)
        self.watch(self.app, "ranking_status", self._ranking_status, init=False)
        self.watch(self.app, "loading_status", self._ranking_status, init=False)
        table = self.query_one(PortfolioTable)
        table.marks = fsdl_app(self).workspace.marks
        table.want_columns(self._wanted_columns())
        table.focus()

    def _wanted_columns(self) -> frozenset[str]:
        from ..config import app_settings

        columns = app_settings(fsdl_app(self).env)[0].get("columns")
        return frozenset(COLUMN_PRIORITY) if columns is None else frozenset(columns) & set(COLUMN_PRIORITY)

    def action_choose_columns(self) -> None:
        from .columns import ColumnsModal

        table = self.query_one(PortfolioTable)
        self.app.push_screen(ColumnsModal(table.wanted), self._columns_chosen)

    def _columns_chosen(self, wanted: frozenset[str] | None) -> None:
        if wanted is None:
            return
        from ...storage import PortfolioError
        from ..config import write_app_setting

        self.query_one(PortfolioTable).want_columns(wanted)
        try:
            write_app_setting("columns", [k for k in COLUMN_PRIORITY if k in wanted], fsdl_app(self).env)
        except (OSError, ValueError, PortfolioError) as exc:
            fsdl_app(self).say(f"columns not remembered: {exc}", severity="warning")

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
        table.show(rows, keep=app.selected_id)
        self._summary(rows, ranked)
        self._detail(table.current_id)

    def _ranking_status(self) -> None:
        """Only the status changed (the load's progress, a plugin's ranking): the counts are those shown."""
        ranked = fsdl_app(self).workspace.ranked
        counted = self._counted_line(ranked)
        if counted is not None:
            self._show_summary(self._with_status(counted))
        else:
            self._summary(apply_filter(ranked, self.filter), ranked)

    def _counted_line(self, ranked: Sequence[Ranked]) -> str | None:
        """The counts line made last, if it was made of this ranking (a ranking is never changed in place) with
        the filter and the sort as they are; else None."""
        last = self._counted
        if last is not None and last[0] is ranked and last[1] == (self.filter, self._sort_state()):
            return last[2]
        return None

    def _sort_state(self) -> tuple[str | None, str | None]:
        return self.query_one(PortfolioTable).sort_state

    def _summary(self, shown: Sequence[Ranked], ranked: Sequence[Ranked]) -> None:
        """The last line for the rows `shown` of `ranked` (as the filter gives them)."""
        counted = self._counted_line(ranked)
        self._show_summary(self.summary_line(shown, ranked) if counted is None else self._with_status(counted))

    def _show_summary(self, line: str) -> None:
        # (one line high and as wide as the screen: a new text never changes the layout)
        self.query_one("#summary", Static).update(Text(line), layout=False)

    _counted: tuple[Sequence[Ranked], object, str] | None = None  # the ranking, filter and sort last counted

    def summary_line(self, shown: Sequence[Ranked], ranked: Sequence[Ranked]) -> str:
        """The last line: the status of a load or a ranking, how many projects (of how many, when filtered),
        the scorer, the sort, and the counts by stage, status and quadrant of the projects shown."""
        counts = self.counts_line(shown, ranked)
        self._counted = (ranked, (self.filter, self._sort_state()), counts)
        return self._with_status(counts)

    def _with_status(self, counts: str) -> str:
        app = fsdl_app(self)
        return " · ".join(x for x in (app.loading_status, app.ranking_status, counts) if x)

    def counts_line(self, shown: Sequence[Ranked], ranked: Sequence[Ranked]) -> str:
        """The summary line without the status."""
        app = fsdl_app(self)
        total = len(ranked)
        noun = "project" if total == 1 else "projects"
        head = f"{len(shown)} of {total} {noun}" if self.filter.active else f"{total} {noun}"
        parts = [head, f"scorer {app.scorer.name}"]
        column, order = self.query_one(PortfolioTable).sort_state
        if column is not None:
            parts.append(f"sorted by {COLUMN_HEADERS[column]} {'▲' if order == 'asc' else '▼'}")
        counts = summary_counts(shown)
        for text in (
            " ".join(f"{k} {v}" for k, v in counts["stages"].items() if v),
            " ".join(f"{k} {v}" for k, v in counts["statuses"].items() if k != "active" and v),
            " ".join(
                f"{fw.QUADRANT_BY_ID[k].label.lower() if k in fw.QUADRANT_BY_ID else k} {v}"
                for k, v in counts["quadrants"].items()
                if v
            ),
        ):
            if text:
                parts.append(text)
        return " · ".join(parts)

    # --- quick scoring ------------------------------------------------------------------------------------

    def quick_line(self, project_id: str | None) -> Text:
        """The hint line: the highlighted project's quick scores, the chosen one marked, and the keys."""
        session = fsdl_app(self).session
        p = session.portfolio.get(project_id) if session is not None and project_id else None
        line = Text("Quick score (")
        line.append("f", style="bold")
        line.append(" field, ")
        line.append("+/-", style="bold")
        line.append(" change): ")
        for i, (path, label) in enumerate(QUICK_FIELDS):
            value = get_field(p, path) if p is not None else None
            cell = f"{label} {value if isinstance(value, int) else '–'}"
            if i:
                line.append(" · ")
            line.append(
                f"[{cell}]" if i == self.quick_field else cell, style="reverse bold" if i == self.quick_field else ""
            )
        return line

    def _quick(self, project_id: str | None) -> None:
        self.query_one("#quick", Static).update(self.quick_line(project_id), layout=False)  # (one line, as wide)

    def watch_quick_field(self) -> None:
        self._quick(self.query_one(PortfolioTable).current_id)

    def action_quick_field(self, step: int) -> None:
        self.quick_field = (self.quick_field + step) % len(QUICK_FIELDS)

    def action_quick(self, delta: int) -> None:
        app = fsdl_app(self)
        project_id = self.query_one(PortfolioTable).current_id
        if app.session is None or project_id is None:
            return
        old = app.session.portfolio.get(project_id)
        if old is None:
            return
        path, label = QUICK_FIELDS[self.quick_field]
        project, value = nudged(old, path, delta)
        if project != old:
            app.replace_project(project, f"{label} {value}")

    def _detail(self, project_id: str | None) -> None:
        self._quick(project_id)
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

    @on(PortfolioTable.Sorted)
    def _sorted(self) -> None:
        self._ranking_status()
