"""The Textual app: state, bindings and views. The flows (save, quit, moves, edits) live in `flows.py`,
the screens in `screens/`, the widgets in `widgets/`; all changes go through the core (`fsdl_tui.domain`,
`fsdl_tui.storage`, `fsdl_tui.scoring`). Nothing heavy is imported before the first frame."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from ..scoring.base import FsdlScorer, Ranked, Scorer, rank
from ..storage import Problem
from .commands import ActionsProvider
from .flows import DocumentFlows, ProjectFlows
from .session import Session

APP_BINDINGS = [
    Binding("ctrl+s", "save", "Save", id="save", tooltip="Save to the file (atomic, minimal diff)"),
    Binding("f2", "save", "Save", id="save_alt", tooltip="Save (works inside tmux and screen)", show=False),
    Binding("f3", "save_as", "Save as", id="save_as", tooltip="Save to another file", show=False),
    Binding("ctrl+z,u", "undo", "Undo", id="undo", tooltip="Undo the last change"),
    Binding("ctrl+y,U", "redo", "Redo", id="redo", tooltip="Redo the last undone change", show=False),
    Binding("q,ctrl+q", "quit", "Quit", id="quit", tooltip="Quit (asks when there are unsaved changes)"),
    Binding("f1,question_mark", "help", "Help", id="help", tooltip="Keys and the FSDL framework"),
    Binding("t", "view('table')", "Table", id="view.table", tooltip="The ranked table", show=False),
    Binding("b", "view('board')", "Board", id="view.board", tooltip="The lifecycle board"),
    Binding("m", "view('matrix')", "2x2", id="view.matrix", tooltip="Impact vs feasibility"),
    Binding(
        "right_square_bracket,greater_than_sign",
        "move_forward",
        "Stage →",
        id="move.forward",
        tooltip="Move the selected project to the next stage",
    ),
    Binding(
        "left_square_bracket,less_than_sign",
        "move_back",
        "Stage ←",
        id="move.back",
        tooltip="Move the selected project back a stage (asks why)",
    ),
    Binding(
        "o", "hold", "On hold", id="status.hold", tooltip="Put the selected project on hold, or resume it", show=False
    ),
    Binding("K", "kill", "Kill", id="status.kill", tooltip="Kill the selected project (asks why)", show=False),
    Binding("s", "pick_scorer", "Scorer", id="scorer", tooltip="Pick the scorer that ranks the table"),
    Binding("x", "export", "Export", id="export", tooltip="Export through any exporter", show=False),
    Binding("p", "plugins", "Plugins", id="plugins", tooltip="Plugins: status and problems", show=False),
    Binding("ctrl+r", "reload", "Reload", id="reload", tooltip="Read the file from disk again", show=False),
]


class FsdlApp(DocumentFlows, ProjectFlows, App[int]):
    """fsdl-tui: choose ML projects with the FSDL framework and walk them to production."""

    CSS_PATH = "app.tcss"
    TITLE = "fsdl-tui"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = APP_BINDINGS

    version: reactive[int] = reactive(0, init=False)  # bumped on every change of the portfolio or the scorer
    plugins_version: reactive[int] = reactive(0, init=False)
    selected_id: reactive[str | None] = reactive(None, init=False)

    def __init__(
        self,
        session: Session | None,
        *,
        problems: tuple[Path, list[Problem]] | None = None,
        plugins_dir: str | None = None,
        env: Mapping[str, str] | None = None,
        today: Callable[[], _dt.date] = _dt.date.today,
        watch_interval: float | None = 1.0,
        load_plugins: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.problems = problems
        self.plugins_dir = plugins_dir
        self.env = dict(os.environ if env is None else env)
        self.today = today
        self.watch_interval = watch_interval
        self.want_plugins = load_plugins
        self.scorers: dict[str, Scorer] = {"fsdl": FsdlScorer()}
        self.exporters: dict[str, Any] = {}
        self.plugin_host: Any = None
        self.plugin_info: list[dict[str, Any]] | None = None
        self.plugin_problems: list[str] = []
        self.scorer: Scorer = self.scorers["fsdl"]
        self.ranked: list[Ranked] = []
        self.ranked_by_id: dict[str, Ranked] = {}
        self._asking_disk = False
        if session is not None:
            self._rerank()

    # --- start --------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._apply_user_config()
        if self.session is None:
            assert self.problems is not None
            from .screens.problems import ProblemsScreen

            self.push_screen(ProblemsScreen(*self.problems))
            self.title = f"fsdl-tui · {self.problems[0].name} (cannot be opened)"
        else:
            self._start_portfolio()
        if self.watch_interval:
            self.set_interval(self.watch_interval, self.check_disk)

    def _start_portfolio(self) -> None:
        from .screens.portfolio import PortfolioScreen

        self.push_screen(PortfolioScreen())
        self._update_title()
        if self.want_plugins:
            self.call_after_refresh(self._load_plugins)

    def _apply_user_config(self) -> None:
        from .config import app_settings
        from .keymap import load_keymap

        settings, problems = app_settings(self.env)
        if settings.get("theme") in self.available_themes:
            self.theme = settings["theme"]
        elif settings.get("theme"):
            problems.append(f"unknown theme '{settings['theme']}'")
        keymap, more = load_keymap(self.env)
        if keymap:  # only then pay for importing every screen to learn the ids
            known = known_binding_ids()
            more += [f"keymap: unknown binding id '{k}' (F1 lists the ids)" for k in keymap if k not in known]
            self.set_keymap({k: v for k, v in keymap.items() if k in known})
        for problem in problems + more:
            self.notify(problem, title="config", severity="warning", timeout=8)

    # --- plugins (after the first frame, in a thread) --------------------------------------------------

    @work(thread=True, exclusive=True, group="plugins")
    def _load_plugins(self) -> None:
        try:
            from ..plugins.manager import load_plugins
        except ImportError:  # pragma: no cover - the plugin system is optional for the app
            self.call_from_thread(self._plugins_loaded, None)
            return
        try:
            host = load_plugins(self.plugins_dir, env=self.env)
        except Exception as exc:  # noqa: BLE001 - strict mode raises; the app reports and goes on with the built-in scorer
            self.call_from_thread(self.notify, f"plugins: {exc}", severity="error")
            host = None
        self.call_from_thread(self._plugins_loaded, host)

    def _plugins_loaded(self, host: Any) -> None:
        self.plugin_host = host
        if host is not None:
            portfolio = self.session.portfolio if self.session else None
            self.scorers = host.scorers(portfolio) or self.scorers
            self.exporters = host.exporters(portfolio)
            self.plugin_info = host.info()
            self.plugin_problems = [str(p) for p in host.problems]
            default = portfolio.settings.default_scorer if portfolio else "fsdl"
            if default in self.scorers and default != self.scorer.name:
                self.set_scorer(default)
            elif self.scorer.name in self.scorers:
                self.scorer = self.scorers[self.scorer.name]
        else:
            self.plugin_info = []
        if self.plugin_problems:
            self.notify(f"{len(self.plugin_problems)} plugin problem(s): press p", severity="warning")
        self.plugins_version += 1

    # --- state --------------------------------------------------------------------------------------------

    def _rerank(self) -> None:
        assert self.session is not None
        self.ranked = rank(self.session.portfolio, self.scorer)
        self.ranked_by_id = {r.project.id: r for r in self.ranked}
        if self.selected_id not in self.ranked_by_id:
            self.selected_id = self.ranked[0].project.id if self.ranked else None

    def changed(self) -> None:
        """Call after the session's portfolio changed: re-rank, refresh every view, update the title."""
        self._rerank()
        self._update_title()
        self.version += 1

    def _update_title(self) -> None:
        s = self.session
        if s is None:
            return
        self.title = ("● " if s.dirty else "") + s.portfolio.name
        where = str(s.target) if s.target else "unsaved"
        if s.doc.path is None:
            where += " (not created yet: the first save creates it)"
        self.sub_title = where + (" · modified" if s.dirty else "")

    # Actions that change or re-rank the portfolio: only from the table, the board and the 2x2, never
    # under a dialog or an open form (its copy of the project would overwrite the change on close).
    MAIN_SCREEN_ACTIONS = frozenset(
        {
            "move_forward",
            "move_back",
            "hold",
            "kill",
            "undo",
            "redo",
            "reload",
            "edit",
            "add",
            "duplicate",
            "delete",
            "pick_scorer",
            "export",
            "view",
            "plugins",
        }
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "save_as"):
            return self.session is not None  # nothing to save while a broken file is shown
        if action in self.MAIN_SCREEN_ACTIONS:
            from .screens.board import BoardScreen
            from .screens.matrix import MatrixScreen
            from .screens.portfolio import PortfolioScreen

            return isinstance(self.screen, (PortfolioScreen, BoardScreen, MatrixScreen))
        return True

    def set_scorer(self, name: str) -> None:
        self.scorer = self.scorers[name]
        self.changed()

    # --- views --------------------------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        if self.session is None:
            return
        from .screens.board import BoardScreen
        from .screens.matrix import MatrixScreen
        from .screens.portfolio import PortfolioScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, PortfolioScreen):
            self.pop_screen()
        if name == "board":
            self.push_screen(BoardScreen())
        elif name == "matrix":
            self.push_screen(MatrixScreen())

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        rows = []
        for node in (self.screen, self):
            for key, binding in node._bindings.key_to_bindings.items():
                for b in binding:
                    if b.id and b.description:  # ours; Textual's own (focus, copy) are in the palette
                        rows.append((key, b.description, b.id, b.tooltip))
        merged: dict[str, list[Any]] = {}
        for key, desc, bid, tip in rows:
            merged.setdefault(bid or desc, [[], desc, bid, tip])[0].append(key)
        self.push_screen(HelpScreen([(",".join(k), d, i, t) for k, d, i, t in merged.values()]))

    def action_plugins(self) -> None:
        from .screens.plugins import PluginsScreen

        if self.session is not None:
            self.push_screen(PluginsScreen())


def known_binding_ids() -> set[str]:
    """Every binding id of the app and its screens: the ids a keymap file may remap."""
    from .screens import board, edit, help, matrix, modals, plugins, portfolio, problems
    from .widgets import detail, table
    from .widgets import matrix as matrix_widget

    ids = {b.id for b in APP_BINDINGS if b.id}
    for module in (board, detail, edit, help, matrix, modals, plugins, portfolio, problems, matrix_widget, table):
        for obj in vars(module).values():
            for b in vars(obj).get("BINDINGS", []) if isinstance(obj, type) else []:
                if isinstance(b, Binding) and b.id:
                    ids.add(b.id)
    return ids
