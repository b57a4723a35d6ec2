"""The project flows, on the selected project: edit, add, duplicate, delete, lifecycle moves and status
changes. Each asks with a modal when it must and calls the core for the change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...domain.lifecycle import MoveRefused, change_status, move, new_project
from ...domain.model import Project
from ...workspace import duplicate_of, next_stage, previous_stage
from ..base import FsdlBase
from ..screens.modals import ConfirmModal, NewProjectModal

if TYPE_CHECKING:
    from ..screens.edit import EditScreen

AHEAD_AFTER = 0.5  # seconds after the portfolio is read and ranked before the screens are built ahead


class ProjectFlows(FsdlBase):
    """Edits of projects and lifecycle moves, on the selected project."""

    def selected(self) -> Project | None:
        """The project the user has highlighted. On the main screen that is its table's row now: a key typed
        right after an arrow can come before the table's message that the highlight moved."""
        from ..screens.portfolio import PortfolioScreen
        from ..widgets.table import PortfolioTable

        if isinstance(self.screen, PortfolioScreen):
            tables = self.screen.query(PortfolioTable)
            current = tables.first().current_id if tables else None
            if current is not None and current != self.workspace.selected_id:
                self.select(current)
        return self.workspace.selected()

    _edit_form: EditScreen | None = None  # the project form, built on the first open and reused

    def action_edit(self) -> None:
        from ..screens.edit import EditScreen

        p = self.selected()
        if p is None or self.refused_read_only("editing"):
            return

        def done(result: Project | None) -> None:
            if result is not None:
                self.replace_project(result, f"edit of {result.id}")

        fields = self.workspace.plugin_fields()
        form = self._edit_form
        if form is not None and form in self.screen_stack:
            return  # already open
        if form is not None and form.complete and form.plugin_fields == fields:
            form.load(p)  # built once (or ahead): only the values change
        else:  # the first open, a form still being built ahead, or the plugins' fields changed: (re)build it
            if form is not None:
                self.uninstall_screen(form)
                form.remove()
            form = self._edit_form = EditScreen(p, fields)
            self.install_screen(form, name="edit-form")
        self.push_screen(form, done)

    # --- building ahead ------------------------------------------------------------------------------

    # Build the 2x2, the board and the project form ahead, hidden, in small steps (keys are answered between
    # them), once the portfolio is read and ranked, so that their first open is a reuse. `launch` turns it on;
    # tests build each screen when it is first opened, unless they ask.
    build_ahead = False
    built_ahead = False  # the last step has run

    def start_building_ahead(self) -> None:
        """Called when the whole portfolio is there: the building starts `AHEAD_AFTER` seconds later."""
        from ..screens.reused import ahead_supported, call_after, run_steps

        def done() -> None:
            self.built_ahead = True

        if self.build_ahead and ahead_supported(self.screen):
            call_after(self, AHEAD_AFTER, lambda: run_steps(self, self._ahead_steps(), done), name="fsdl-ahead")

    def _ahead_steps(self) -> Iterator[None]:
        from ..screens.board import BoardScreen
        from ..screens.matrix import MatrixScreen
        from ..screens.reused import start_hidden

        for _ in range(500):  # what the screens show: the plugins' fields and scorer, the complete ranking
            if (not self.want_plugins or self.workspace.plugins is not None) and not self.ranking:
                break
            yield
        for name, view in (("matrix", MatrixScreen), ("board", BoardScreen)):
            if self.session is None or self.is_screen_installed(name):
                continue  # opened meanwhile: built already
            screen = view()
            start_hidden(self, screen, name)
            yield from screen.build_ahead()
        if self.session is not None:
            yield from self._form_ahead()

    def _form_ahead(self) -> Iterator[None]:
        """The project form, on the selected project, with the plugins' fields (`EditScreen.build_ahead`)."""
        from ..screens.edit import EditScreen
        from ..screens.reused import start_hidden

        p = self.selected()
        if self._edit_form is not None or p is None or self.workspace.read_only:
            return  # built already (opened meanwhile), nothing to edit, or no editing
        form = self._edit_form = EditScreen(p, self.workspace.plugin_fields(), ahead=True)
        start_hidden(self, form, "edit-form")
        yield from form.build_ahead()

    def action_add(self) -> None:
        if self.session is None:
            return
        taken = {p.id for p in self.session.portfolio.projects}

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                pid, title = answer
                self.replace_project(new_project(pid, title), f"add {pid}")
                self.select(pid)
                self.action_edit()

        self.push_screen(NewProjectModal(taken), chosen)

    def action_duplicate(self) -> None:
        p = self.selected()
        if p is None or self.session is None:
            return
        copy = duplicate_of(p, self.workspace.taken_ids())
        self.replace_project(copy, f"duplicate {p.id}")
        self.select(copy.id)
        self.say(f"duplicated as {copy.id} (back in planning)", timeout=3)

    def action_delete(self) -> None:
        p = self.selected()
        if p is None or self.session is None:
            return
        session = self.session

        def answer(yes: bool | None) -> None:
            if yes:
                self.apply(session.portfolio.without_project(p.id), f"delete {p.id}")

        self.push_screen(
            ConfirmModal(
                f"Delete '{p.title}'?",
                f"{p.id} and its history leave the portfolio (undo brings it back until you quit).",
                "Delete",
            ),
            answer,
        )

    # --- lifecycle -------------------------------------------------------------------------------------

    def _move(self, p: Project, stage: str, note: str = "", force: bool = False) -> None:
        try:
            moved = move(p, stage, note=note, date=self.today(), force=force)
        except MoveRefused as exc:
            if exc.open_items and not force:
                items = "\n".join(f"• {i.label}: {i.question}" for i in exc.open_items)

                def answer(yes: bool | None) -> None:
                    if yes:
                        self._move(p, stage, note, force=True)

                self.push_screen(
                    ConfirmModal(
                        f"'{p.title}' leaves planning with open gate items",
                        items + "\nMove anyway? The override is recorded in the history.",
                        "Move anyway",
                    ),
                    answer,
                )
            else:
                self.say(str(exc), severity="warning")
            return
        self.replace_project(moved, f"move {p.id} to {stage}")
        self.say(f"{p.id}: {p.stage} → {stage}", timeout=3)

    def action_move_forward(self) -> None:
        p = self.selected()
        if p is None:
            return
        stage = next_stage(p)
        if stage is None:
            self.say(f"'{p.title}' is in production: the last stage", timeout=3)
            return
        self._move(p, stage)

    def action_move_back(self) -> None:
        from ..screens.modals import ReasonModal

        p = self.selected()
        if p is None:
            return
        back = previous_stage(p)
        if back is None:
            self.say(f"'{p.title}' is in planning: the first stage", timeout=3)
            return

        def answer(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._move(p, result[0], result[1])

        self.push_screen(ReasonModal(p.title, p.stage, back), answer)

    def _status(self, p: Project, status: str, reason: str) -> None:
        """Change the status through `change_status`, which records it in the history with the date and the
        reason; a refusal (no reason where one is needed) is said, nothing changes."""
        try:
            changed = change_status(p, status, reason, self.today())
        except MoveRefused as exc:
            self.say(str(exc), severity="warning")
            return
        self.replace_project(changed, f"{p.id} {status}")

    def action_hold(self) -> None:
        """Put the selected project on hold (asks why; Enter with no answer is fine), or resume it: both go
        into the history with the date, like a kill."""
        from ..screens.modals import TextModal

        p = self.selected()
        if p is None:
            return
        if p.status == "on-hold":
            self._status(p, "active", "")
            return
        self.push_screen(
            TextModal(f"Put '{p.title}' on hold: why? (optional)", "e.g. waiting for the new gripper", required=False),
            lambda reason: self._status(p, "on-hold", reason) if reason is not None else None,
        )

    def action_kill(self) -> None:
        from ..screens.modals import TextModal

        p = self.selected()
        if p is None:
            return
        if p.status == "killed":
            self._status(p, "active", "")
            return
        self.push_screen(
            TextModal(f"Kill '{p.title}': why?", "e.g. the data cannot be had"),
            lambda reason: self._status(p, "killed", reason) if reason else None,
        )
