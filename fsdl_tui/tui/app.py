"""The Textual app: bindings, start-up, plugins and views. The state and the ranking worker are in
`base.py` (on top of the UI-free `fsdl_tui.workspace`), the flows in `flows/` (documents, projects,
exports), crash recovery in `recovery.py`, the screens in `screens/`, the widgets in `widgets/`. Nothing
heavy is imported before the first frame."""

from __future__ import annotations

import gc
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from textual import work
from textual.actions import ActionParseResult
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.worker import get_current_worker

from ..storage import PortfolioLoadError, load
from ..workspace import DaemonCall, Session
from .commands import ActionsProvider
from .deciding import DECIDE_ACTIONS, DecideFlows
from .flows import DocumentFlows, ExportFlows, ProjectFlows
from .recovery import RecoveryFlows

if TYPE_CHECKING:  # pragma: no cover
    from ..plugins.manager import PluginHost
    from .screens.problems import ProblemsScreen

APP_BINDINGS: list[BindingType] = [
    Binding("ctrl+s", "save", "Save", id="save", tooltip="Save to the file (atomic, minimal diff)"),
    Binding("f2", "save", "Save", id="save_alt", tooltip="Save (works inside tmux and screen)", show=False),
    Binding("f3", "save_as", "Save as", id="save_as", tooltip="Save to another file", show=False),
    Binding("ctrl+z,u", "undo", "Undo", id="undo", tooltip="Undo the last change", show=False),
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
        show=False,
    ),
    Binding(
        "left_square_bracket,less_than_sign",
        "move_back",
        "Stage ←",
        id="move.back",
        tooltip="Move the selected project back a stage (asks why)",
        show=False,
    ),
    Binding(
        "o", "hold", "On hold", id="status.hold", tooltip="Put the selected project on hold, or resume it", show=False
    ),
    Binding("K", "kill", "Kill", id="status.kill", tooltip="Kill the selected project (asks why)", show=False),
    Binding("s", "pick_scorer", "Scorer", id="scorer", tooltip="Pick the scorer that ranks the table", show=False),
    Binding(
        "comma",
        "settings",
        "Settings",
        id="settings",
        tooltip="Portfolio settings: name, description, thresholds, default scorer, weights",
        show=False,
    ),
    Binding("x", "export", "Export", id="export", tooltip="Export through any exporter", show=False),
    Binding("p", "plugins", "Plugins", id="plugins", tooltip="Plugins: status and problems", show=False),
    Binding("r", "rate", "Rate", id="decide.rate", tooltip="Rating mode: rate every project, blind", show=False),
    Binding("A", "agreement", "Agreement", id="decide.agreement", tooltip="The raters' agreement", show=False),
    Binding("P", "plan", "Plan", id="decide.plan", tooltip="The best set of projects within a budget", show=False),
    Binding(
        "S",
        "sensitivity",
        "Sensitivity",
        id="decide.sensitivity",
        tooltip="Does the order hold? The top k under moved weights, and what would swap the neighbours",
        show=False,
    ),
    Binding("ctrl+r", "reload", "Reload", id="reload", tooltip="Read the file from disk again", show=False),
    Binding(
        "escape",
        "cancel_ranking",
        "Cancel ranking",
        id="rank.cancel",
        tooltip="Stop a plugin scorer that is still ranking; rank with the built-in scorer",
        show=False,
        priority=True,
    ),
]


class FsdlApp(DecideFlows, RecoveryFlows, DocumentFlows, ProjectFlows, ExportFlows):
    """fsdl-tui: choose ML projects with the FSDL framework and walk them to production."""

    CSS_PATH = "app.tcss"
    TITLE = "fsdl-tui"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = APP_BINDINGS

    # --- start --------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._apply_user_config()
        if self.load_path is not None:  # rows come in as the file is read; the rest waits for `loaded`
            from .screens.portfolio import PortfolioScreen

            self.start_loading()
            self.push_screen(PortfolioScreen())
            self.update_title()
        elif self.session is None:
            self.show_problems()
        else:
            self.start_portfolio()
        if self.watch_interval:
            self.set_interval(self.watch_interval, self.check_disk)

    def show_problems(self) -> None:
        assert self.problems is not None
        from .screens.problems import ProblemsScreen

        title = f"fsdl-tui · {self.problems[0].name} (cannot be opened)"
        screen = ProblemsScreen(*self.problems)
        if len(self.screen_stack) > 1:  # a problem found late: the screens of the rows read so far go
            # (the title is the new screen's own: a change of the app's would reach the headers going away)
            screen.title, screen.sub_title = title, ""
            self.call_after_refresh(self._replace_screens, screen)
        else:
            self.title, self.sub_title = title, ""
            self.push_screen(screen)

    def _replace_screens(self, screen: ProblemsScreen) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    def start_portfolio(self) -> None:
        from .screens.portfolio import PortfolioScreen

        self.push_screen(PortfolioScreen())
        self.update_title()
        self.start_services()

    def loaded(self) -> None:
        self.start_services()

    def start_services(self) -> None:
        """What starts once the whole portfolio is there: the recovery offer, the raters' decisions, plugins."""
        if not self.workspace.read_only:  # a recovery would change the portfolio
            self.offer_recovery()
        self.call_after_refresh(self.refresh_decisions)  # the raters' spread and disputes, off the UI thread
        if self.want_plugins:
            self.call_after_refresh(self._load_plugins)
        # The portfolio read lives while it is open and holds no reference cycles (refcounting frees it when it
        # goes): frozen, it and all else alive now stay out of the cyclic collector's full passes, which took
        # half a second each at 10,000 projects, at any moment (the open of a screen). Later objects are
        # collected as usual; it ends with the app (`on_unmount`).
        self.call_after_refresh(gc.freeze)
        self.start_building_ahead()

    def on_unmount(self) -> None:
        gc.unfreeze()  # what was frozen is collected as usual again (another app may run in this process)

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
            self.notify(problem, title="config", severity="warning", timeout=8, markup=False)

    # --- plugins (after the first frame, in a thread) --------------------------------------------------

    @work(thread=True, exclusive=True, group="plugins")
    def _load_plugins(self) -> None:
        """Load the plugins on a daemon thread (their code runs there): a plugin that hangs while loading
        never holds the app or its exit; one that raises anything is reported and the app goes on."""
        from ..plugins.manager import load_plugins

        worker = get_current_worker()
        call = DaemonCall(lambda: load_plugins(self.plugins_dir, env=self.env), name="load-plugins")
        while not call.finished.wait(0.1):
            if worker.is_cancelled:
                return
        host: PluginHost | None = call.result
        try:
            if call.error is not None:
                self.call_from_thread(self.say, f"plugins: {type(call.error).__name__}: {call.error}", severity="error")
            self.call_from_thread(self.plugins_loaded, host)
        except RuntimeError:  # the app closed meanwhile
            return

    def plugins_loaded(self, host: PluginHost | None) -> None:
        try:
            default = self.workspace.adopt_plugins(host)
        except BaseException as exc:  # noqa: BLE001 - the host calls plugin hooks: contain them
            self.say(f"plugins: {type(exc).__name__}: {exc}", severity="error")
            default = None
        if default is not None:
            self.set_scorer(default)
        plugins = self.workspace.plugins
        if plugins is not None and plugins.problems:
            self.say(f"{len(plugins.problems)} plugin problem(s): press p", severity="warning")
        self.plugins_version += 1

    def action_reload_broken(self) -> None:
        """From the problems screen: try the file again; open it when it loads."""
        assert self.problems is not None
        path = self.problems[0]
        try:
            doc = load(path)
        except PortfolioLoadError as exc:
            self.problems = (path, exc.problems)
            from .screens.problems import ProblemsScreen

            if isinstance(self.screen, ProblemsScreen):
                self.screen.show(exc.problems)
            self.say("still broken", severity="warning", timeout=3)
            return
        except OSError as exc:
            self.say(f"cannot read {path}: {exc}", severity="error")
            return
        self.workspace.session = Session(doc)
        self.problems = None
        self.pop_screen()
        self.rank()
        self.start_portfolio()

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
            "settings",
            "export",
            "view",
            "plugins",
            "cancel_ranking",
        }
    )

    # Off when read-only (they change the portfolio or write a file: an export, a rater's file); saves stay on,
    # to say why they refuse.
    READ_ONLY_OFF = frozenset(
        {"move_forward", "move_back", "hold", "kill", "undo", "redo", "edit", "add", "duplicate", "delete", "export"}
        | {"rate"}
    )

    # Wait while the file loads (`refused_while_loading` says so): they change, re-rank or save the portfolio,
    # or read all of it.
    LOADING_OFF = READ_ONLY_OFF | {"save", "save_as", "reload", "pick_scorer", "settings", "agreement", "plan"}

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        if self.workspace.loading and isinstance(action, str):
            namespace, _, name = action.split("(", 1)[0].rpartition(".")  # "app.edit", "view('board')"
            on_app = namespace == "app" or (not namespace and default_namespace in (None, self))
            what = {"save": "saving", "save_as": "saving", "edit": "editing", "add": "adding"}.get(name, name)
            if on_app and name in self.LOADING_OFF and self.refused_while_loading(what.replace("_", " ")):
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def action_edit(self) -> None:  # (also called directly: enter in the table, a card chosen on the board)
        if not self.refused_while_loading("editing"):
            super().action_edit()

    def save(self, path: Path | None = None, *, force: bool = False) -> bool:
        if self.refused_while_loading("saving"):
            return False
        return super().save(path, force=force)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_ranking" and not self.ranking:
            return False
        if self.workspace.read_only and action in self.READ_ONLY_OFF:
            return False
        if action in ("save", "save_as"):
            return self.session is not None  # nothing to save while a broken file is shown
        if action in self.MAIN_SCREEN_ACTIONS or action in DECIDE_ACTIONS:
            decide = DECIDE_SCREENS if action in DECIDE_ACTIONS else ()
            return screen_is(self.screen, MAIN_SCREENS + decide)
        return True

    # --- views --------------------------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        if self.session is None:
            return
        from .screens.board import BoardScreen
        from .screens.matrix import MatrixScreen
        from .screens.portfolio import PortfolioScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, PortfolioScreen):
            self.pop_screen()
        view = {"board": BoardScreen, "matrix": MatrixScreen}.get(name)
        if view is not None:  # built once and reused: it redraws only what changed since it was last shown
            if not self.is_screen_installed(name):
                self.install_screen(view(), name=name)
            self.push_screen(name)

    def action_help(self) -> None:
        from .keymap import keys_label
        from .screens.help import HelpScreen

        rows = []
        for node in (self.screen, self):
            for key, binding in node._bindings.key_to_bindings.items():
                for b in binding:
                    if b.id and b.description:  # ours; Textual's own (focus, copy) are in the palette
                        rows.append((key, b.description, b.id, b.tooltip))
        merged: dict[str, tuple[list[str], str, str, str]] = {}
        for key, desc, bid, tip in rows:
            merged.setdefault(bid or desc, ([], desc, bid or "", tip or ""))[0].append(key)
        self.push_screen(HelpScreen([(keys_label(k), d, i, t) for k, d, i, t in merged.values()]))

    def action_plugins(self) -> None:
        from .screens.plugins import PluginsScreen

        if self.session is not None:
            self.push_screen(PluginsScreen())


# The screens the main screen actions (and the decide actions) work from, as (module, class) in `screens/`.
MAIN_SCREENS = (("portfolio", "PortfolioScreen"), ("board", "BoardScreen"), ("matrix", "MatrixScreen"))
DECIDE_SCREENS = (
    ("rating", "RatingScreen"),
    ("agreement", "AgreementScreen"),
    ("plan", "PlanScreen"),
    ("tornado", "SensitivityScreen"),
)


def screen_is(screen: object, kinds: tuple[tuple[str, str], ...]) -> bool:
    """Whether `screen` is one of these screens. A screen module that was never imported has no screen on
    show, so none is imported here (the footer asks on every refresh, from the first frame on)."""
    for module, name in kinds:
        found = sys.modules.get(f"{__package__}.screens.{module}")
        if found is not None and isinstance(screen, getattr(found, name)):
            return True
    return False


def binding_modules() -> list[ModuleType]:
    """Every module of the app's screens and widgets (found, not listed: a new screen cannot be missed)."""
    import importlib
    import pkgutil

    from . import screens, widgets

    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (screens, widgets)
        for info in pkgutil.iter_modules(package.__path__)
    ]


def known_binding_ids() -> set[str]:
    """Every binding id of the app and its screens: the ids a keymap file may remap."""
    ids = {b.id for b in APP_BINDINGS if isinstance(b, Binding) and b.id}
    for module in binding_modules():
        for obj in vars(module).values():
            for b in vars(obj).get("BINDINGS", []) if isinstance(obj, type) else []:
                if isinstance(b, Binding) and b.id:
                    ids.add(b.id)
    return ids
