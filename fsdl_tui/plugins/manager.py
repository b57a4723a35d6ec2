"""Find, load and validate plugins; hand their scorers and exporters to the app and the command line.

    host = load_plugins(plugins_dir=None)          # built-ins, installed entry points, local files if asked
    host.scorers(portfolio)["fsdl"]                # name -> Scorer
    host.rank(portfolio, "rice")                   # ranking, with scorer failures reported per plugin
    host.export(portfolio, "html", ranked)         # str or bytes
    host.problems                                  # [PluginProblem(plugin, message)], nothing raised

Where plugins come from (and nowhere else, in particular never from a portfolio's folder or from anything a
portfolio file says):
- the built-ins (`fsdl_tui.plugins.builtin`), always;
- installed packages with an entry point in the group `fsdl_tui`, loaded one at a time;
- `*.py` files of one local folder: `plugins_dir` (the `--plugins-dir` option), else `$FSDL_TUI_PLUGINS_DIR`,
  else `plugins_dir` in the user config file `$XDG_CONFIG_HOME/fsdl-tui/config.toml`.
`$FSDL_TUI_LOAD_PLUGINS` (comma-separated names) is an allowlist when set (empty: no plugins but the
built-ins); `disabled_plugins = [...]` in the user config turns plugins off by name.
`FSDL_TUI_STRICT_PLUGINS=1` raises `PluginError` at the first problem instead of reporting it.

Hooks are called through pluggy (`pm.subset_hook_caller`), one plugin at a time and in pluggy's order, so
`tryfirst`/`trylast`, a plugin's own wrappers and hook-call monitoring work, while each plugin's results and
failures stay its own. Plugin code is trusted code (it runs with the user's rights); the host protects the
user's data and the command's output from its bugs, not from malice: every call is contained
(`fsdl_tui.plugins.guard`), gets read-only views (`fsdl_tui.plugins.views`) and has a time budget.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as md
import importlib.util
import inspect
import json
import os
import re
import sys
import threading
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from ..paths import config_dir, state_dir
from . import builtin, hookspecs
from .guard import CallFailed, Runner, Sink, contain, stderr_sink, watch_interrupts

if TYPE_CHECKING:  # pragma: no cover
    import threading as _threading

    from ..domain.model import Portfolio, Project
    from ..domain.schema import Field
    from ..exporters.base import Exporter
    from ..exporters.context import ExportContext
    from ..scoring.base import Progress, Ranked, Score, Scorer

ENTRY_POINT_GROUP = "fsdl_tui"
BUILTIN_NAME = "fsdl_tui"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TRUE = ("1", "true", "yes", "on")
# Time budgets, in seconds, for one call into a plugin: a registration hook or `score` on one project
# (FSDL_TUI_SCORER_TIMEOUT), one export (FSDL_TUI_EXPORT_TIMEOUT). 0 turns the budget off.
DEFAULT_BUDGET = 10.0
DEFAULT_EXPORT_BUDGET = 60.0
QUARANTINE_FILE = "quarantined-plugins.json"
MARKER_PREFIX = "importing-plugin-"


class PluginError(Exception):
    """A plugin problem, raised only in strict mode (FSDL_TUI_STRICT_PLUGINS=1) or for a refused request."""


@dataclass(frozen=True, slots=True)
class PluginProblem:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin}: {self.message}"


@dataclass
class PluginRecord:
    name: str
    source: str
    version: str | None = None
    status: str = "loaded"  # loaded | failed | disabled
    note: str = ""
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=lambda: {"scorers": [], "exporters": [], "fields": []})
    errors: list[str] = field(default_factory=list)


def user_config_path(env: Mapping[str, str]) -> Path:
    return config_dir(env) / "config.toml"


# kind of object -> the registration hook that provides it
_KINDS = {"scorers": "register_scorers", "exporters": "register_exporters"}
_HOOKS = (*_KINDS.values(), "register_fields")


def _base_class(kind: str) -> type:
    if kind == "scorers":
        from ..scoring.base import Scorer

        return Scorer
    from ..exporters.base import Exporter

    return Exporter


def _budget(env: Mapping[str, str], var: str, default: float) -> float:
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value >= 0 else default


# --- what the app and the CLI get for a plugin's scorer or exporter ------------------------------------


def _plugin_scorer_class() -> type:
    from ..scoring.base import RankCancelled, Score, Scorer, check_score
    from .views import freeze, project_view

    class PluginScorer(Scorer):
        """A plugin's scorer as the host hands it out: each `score` call contained, on read-only views.

        `wrapped` is the plugin's own object; `plugin` the name of the plugin that provides it.
        """

        def __init__(self, host: PluginHost, plugin: str, wrapped: Any, label: str, description: str) -> None:
            self.name = wrapped_name = str(wrapped.name)
            self.label = label
            self.description = description
            self.plugin = plugin
            self.wrapped = wrapped
            self._host = host
            self._what = f"scorer '{wrapped_name}'"

        def score(self, project: Project, settings: Mapping[str, Any]) -> Score:
            host = self._host
            try:
                what = f"{self._what} on project '{project.id}'"
                result = host.call(self.plugin, what, self.wrapped.score, project_view(project), freeze(settings))
            except CallFailed as exc:
                out = Score(None, (), str(exc), error=True)
            else:
                out = check_score(result)
            if out.error:
                msg = f"{self._what} failed on project '{project.id}': {out.reason}"
                host.report(self.plugin, msg, strict=False)
            return out

        def score_all(
            self,
            projects: Sequence[Project],
            settings: Mapping[str, Any],
            *,
            progress: Progress | None = None,
            cancelled: _threading.Event | None = None,
        ) -> list[Score]:
            """All projects in one guarded batch: one hand-over to the worker thread, not one per project."""
            frozen = freeze(settings)
            total = len(projects)
            score = self.wrapped.score

            def one(project: Project) -> Any:
                return score(project_view(project), frozen)

            outcomes = self._host.call_each(
                self.plugin,
                lambda p: f"{self._what} on project '{p.id}'",
                one,
                projects,
                progress=None if progress is None else (lambda done: progress(done, total)),
                cancelled=cancelled,
            )
            if len(outcomes) < total:
                raise RankCancelled(f"ranking by {self.name} cancelled after {len(outcomes)} of {total} projects")
            out = []
            for project, (ok, value) in zip(projects, outcomes, strict=True):
                s = check_score(value) if ok else Score(None, (), str(value), error=True)
                if s.error:
                    msg = f"{self._what} failed on project '{project.id}': {s.reason}"
                    self._host.report(self.plugin, msg, strict=False)
                out.append(s)
            return out

    return PluginScorer


def _takes_context(fn: Any) -> bool:
    """Whether a plugin's `export` has a parameter named `context` (the export's `ExportContext`)."""
    try:
        return "context" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _plugin_exporter_class() -> type:
    from ..exporters.base import Exporter
    from .views import freeze, ranked_view

    class PluginExporter(Exporter):
        """A plugin's exporter as the host hands it out: `export` contained, on read-only views."""

        def __init__(
            self, host: PluginHost, plugin: str, wrapped: Any, label: str, description: str, extension: str
        ) -> None:
            self.name = str(wrapped.name)
            self.label = label
            self.description = description
            self.extension = extension
            self.plugin = plugin
            self.wrapped = wrapped
            self._host = host

        def export(
            self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any], context: Any = None
        ) -> str | bytes:
            host, what = self._host, f"exporter '{self.name}'"
            pf, rows = ranked_view(portfolio, ranked)
            args: tuple[Any, ...] = (pf, rows, freeze(settings))
            if context is not None and _takes_context(self.wrapped.export):
                args += (context,)
            try:
                out = host.call(self.plugin, what, self.wrapped.export, *args, export=True)
            except CallFailed as exc:
                host.report(self.plugin, f"{what} failed: {exc}", strict=False)
                raise PluginError(f"plugin {self.plugin}: {what} failed: {exc}") from None
            if not isinstance(out, (str, bytes)):
                msg = f"{what} returned {type(out).__name__}, not str or bytes"
                host.report(self.plugin, msg, strict=False)
                raise PluginError(f"plugin {self.plugin}: {msg}")
            return out

    return PluginExporter


class PluginHost:
    """The loaded plugins and what they provide. Build one with `load_plugins()`.

    Safe to use from a worker thread (the app loads and ranks in one): collecting is serialized by a lock,
    and `rank(..., progress=..., cancelled=...)` reports progress and stops between projects.
    `sink(plugin, line)` receives what plugins print (default: stderr, prefixed with the plugin's name).
    """

    def __init__(
        self,
        strict: bool = False,
        *,
        budget: float = DEFAULT_BUDGET,
        export_budget: float = DEFAULT_EXPORT_BUDGET,
        sink: Sink | None = None,
    ) -> None:
        self.strict = strict
        self.budget = budget
        self.export_budget = export_budget
        self.sink: Sink = sink or stderr_sink
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.problems: list[PluginProblem] = []
        self.hung: dict[str, str] = {}  # plugin -> the call that went over its budget
        self.runner = Runner()
        self._records: dict[str, PluginRecord] = {}
        self._cache: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {}
        self._lock = threading.RLock()

    # --- problems ----------------------------------------------------------------------------------------

    def report(self, plugin: str, message: str, strict: bool = True) -> None:
        """Record a problem with a plugin (once); in strict mode raise it (unless `strict=False`)."""
        problem = PluginProblem(plugin, message)
        if self.strict and strict:
            raise PluginError(str(problem))
        with self._lock:
            if problem not in self.problems:
                self.problems.append(problem)
                rec = self._records.get(plugin)
                if rec is not None:
                    rec.errors.append(message)

    # --- calling plugin code -----------------------------------------------------------------------------

    def call(self, plugin: str, what: str, fn: Callable[..., Any], *args: Any, export: bool = False) -> Any:
        """Call plugin code: contained, output routed, within the budget; `CallFailed` says what went wrong.

        A plugin that went over its budget once is not called again by this host.
        """
        if plugin in self.hung:
            raise CallFailed(f"not called: plugin {plugin} hung earlier ({self.hung[plugin]})")
        budget = self.export_budget if export else self.budget
        try:
            return self.runner.call(plugin, budget, fn, *args, sink=self.sink)
        except CallFailed as exc:
            if exc.timed_out:
                var = "FSDL_TUI_EXPORT_TIMEOUT" if export else "FSDL_TUI_SCORER_TIMEOUT"
                self.hung[plugin] = f"{what} {exc}"
                raise CallFailed(f"{exc} ({var}); abandoned, the plugin is not called again", True) from None
            raise

    def call_each(
        self,
        plugin: str,
        what: str | Callable[[Any], str],
        fn: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        progress: Callable[[int], None] | None = None,
        cancelled: _threading.Event | None = None,
    ) -> list[tuple[bool, Any]]:
        """`fn(item)` per item as one batch (`Runner.map`): `(True, result)` or `(False, CallFailed)` each.

        After a time-out the remaining items fail at once (the plugin is not called again); the list is
        shorter than `items` only when `cancelled` was set.
        """
        if plugin in self.hung:
            refused = CallFailed(f"not called: plugin {plugin} hung earlier ({self.hung[plugin]})")
            return [(False, refused)] * len(items)
        out = self.runner.map(plugin, self.budget, fn, items, sink=self.sink, progress=progress, cancelled=cancelled)
        if out and not out[-1][0] and out[-1][1].timed_out:
            exc = out[-1][1]
            index = len(out) - 1
            self.hung[plugin] = f"{what(items[index]) if callable(what) else what} {exc}"
            out[-1] = (
                False,
                CallFailed(f"{exc} (FSDL_TUI_SCORER_TIMEOUT); abandoned, the plugin is not called again", True),
            )
            refused = CallFailed(f"not called: plugin {plugin} hung earlier ({self.hung[plugin]})")
            out += [(False, refused)] * (len(items) - len(out))
        return out

    # --- registration ------------------------------------------------------------------------------------

    def register(self, plugin: object, name: str, source: str, version: str | None = None) -> bool:
        """Register a plugin object (a module, usually); a bad one is reported and left out."""
        with self._lock:
            return self._register(plugin, name, source, version)

    def _register(self, plugin: object, name: str, source: str, version: str | None) -> bool:
        if name in self._records and self._records[name].status == "loaded":
            self.report(name, f"another plugin with this name ({source}) was skipped")
            return False
        rec = self._records[name] = PluginRecord(name, source, version)
        try:
            # pluggy reads the module's attributes and validates argument names and hookimpl options
            contain(name, self.pm.register, plugin, name, sink=self.sink)
        except CallFailed as exc:
            rec.status = "failed"
            self.report(name, f"cannot register: {exc}")
            return False
        problem = self._check_hookimpls(plugin)
        if problem is None:
            try:
                self.pm.check_pending()  # a hook with a misspelt name fails here, naming the function
            except pluggy.PluginValidationError as exc:
                problem = f"{exc} (known hooks: {', '.join(_HOOKS)})"
        if problem is not None:
            self.pm.unregister(name=name)
            rec.status = "failed"
            self.report(name, problem)
            return False
        rec.hooks = sorted({h.name for h in self.pm.get_hookcallers(plugin) or ()})
        rec.status = "loaded"
        self._cache.clear()
        return True

    def _check_hookimpls(self, plugin: object) -> str | None:
        """Refuse what pluggy would accept but cannot work here: a plain hook written as a generator."""
        for caller in self.pm.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is not plugin or impl.hookwrapper or impl.wrapper:
                    continue
                if inspect.isgeneratorfunction(impl.function):
                    return (
                        f"{caller.name} is a generator (it uses yield): a registration hook returns a list; "
                        "mark it @hookimpl(wrapper=True) to wrap this plugin's own implementation"
                    )
        return None

    def failed(self, name: str, source: str, message: str, version: str | None = None) -> None:
        rec = self._records.setdefault(name, PluginRecord(name, source, version))
        rec.status = "failed"
        self.report(name, message)

    def disabled(self, name: str, source: str, note: str, version: str | None = None) -> None:
        self._records[name] = PluginRecord(name, source, version, status="disabled", note=note)

    # --- what plugins provide ----------------------------------------------------------------------------

    @staticmethod
    def plugin_settings(plugin: str, portfolio: Portfolio | None) -> Mapping[str, Any]:
        """A plugin's own `[plugins.NAME]` table from the portfolio (empty if none)."""
        if portfolio is None:
            return {}
        value = portfolio.plugins.get(plugin, {})
        return value if isinstance(value, Mapping) else {}

    def call_order(self, hook_name: str) -> list[str]:
        """The plugins implementing a hook, in the order pluggy calls them (tryfirst first, trylast last)."""
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        order: list[str] = []
        plain = [i for i in reversed(impls) if not (i.hookwrapper or i.wrapper)]
        for impl in plain + [i for i in reversed(impls) if i.hookwrapper or i.wrapper]:
            if impl.plugin_name not in order:
                order.append(impl.plugin_name)
        return order

    def _call_hook(self, plugin: str, hook_name: str, settings: Mapping[str, Any]) -> list[Any]:
        """One plugin's implementations of a hook (its own wrappers included), through pluggy's hook call."""
        me = self.pm.get_plugin(plugin)
        caller = self.pm.subset_hook_caller(hook_name, remove_plugins=[p for p in self.pm.get_plugins() if p is not me])
        if plugin == BUILTIN_NAME:
            return list(caller(settings=settings))
        result = self.call(plugin, hook_name, lambda: caller(settings=settings))
        if not isinstance(result, list):  # a wrapper may return anything
            raise CallFailed(f"returned {type(result).__name__} (from a wrapper); expected a list")
        return result

    def _collect(self, kind: str, portfolio: Portfolio | None) -> tuple[dict[str, Any], dict[str, str]]:
        """Call each plugin's registration hook on its own; validate; return (name -> object, name -> plugin)."""
        key = json.dumps(portfolio.plugins if portfolio is not None else {}, sort_keys=True, default=repr)
        with self._lock, watch_interrupts():
            cached = self._cache.get(kind)
            if cached is not None and cached[0] == key:
                return cached[1], cached[2]
            from .views import freeze

            hook_name = _KINDS[kind]
            claims: list[tuple[str, str, Any]] = []  # (plugin, name, object), in call order
            for plugin in self.call_order(hook_name):
                rec = self._records.get(plugin)
                if rec is None or rec.status != "loaded":
                    continue
                rec.provides[kind] = []
                try:
                    results = self._call_hook(plugin, hook_name, freeze(self.plugin_settings(plugin, portfolio)))
                except CallFailed as exc:
                    self.report(plugin, f"{hook_name} failed: {exc}")
                    continue
                for obj in self._items(plugin, kind, hook_name, results):
                    claims.append((plugin, obj.name, obj))
            objects, owners = self._settle(kind, hook_name, claims)
            self._cache[kind] = (key, objects, owners)
            return objects, owners

    def _items(self, plugin: str, kind: str, hook_name: str, results: list[Any]) -> list[Any]:
        """The valid objects among what one plugin's implementations returned; the rest reported."""
        base = _base_class(kind)
        what = kind[:-1]
        items: list[Any] = []
        for result in results:
            if result is None:
                continue
            if isinstance(result, (list, tuple)):
                items += result
            elif isinstance(result, (base, type)):
                items.append(result)
            else:
                self.report(
                    plugin, f"{hook_name} returned {type(result).__name__}; expected a list of {base.__name__} objects"
                )
        out = []
        for obj in items:
            try:
                checked = contain(plugin, self._check, obj, base, what, sink=self.sink)
            except CallFailed as exc:
                checked = f"cannot read its {what}'s attributes: {exc}"
            if isinstance(checked, str):
                self.report(plugin, f"{hook_name}: {checked}")
            else:
                out.append(self._wrap(plugin, kind, obj, checked) if plugin != BUILTIN_NAME else obj)
        return out

    @staticmethod
    def _check(obj: Any, base: type, what: str) -> str | dict[str, str]:
        """A message for what is wrong with `obj`, or its attributes as plain strings."""
        if isinstance(obj, type) and issubclass(obj, base):
            if inspect.isabstract(obj):
                method = "score()" if what == "scorer" else "export()"
                return f"returned the class {obj.__name__}, not an instance (and {obj.__name__} has no {method})"
            return f"returned the class {obj.__name__}, not an instance: return {obj.__name__}()"
        if not isinstance(obj, base):
            return f"returned {type(obj).__name__} {obj!r:.60}, not a {base.__name__}; skipped"
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not NAME_RE.match(name):
            return (
                f"{what} {type(obj).__name__} has an invalid name {name!r} "
                "(lowercase letters, digits, '-' and '_'); skipped"
            )
        method = "score" if what == "scorer" else "export"
        if not callable(getattr(obj, method, None)):
            return f"{what} '{name}' has no {method}() method; skipped"
        attrs = {"name": name}
        for attr in ("label", "description"):
            value = getattr(obj, attr, "")
            if not isinstance(value, str):
                return f"{what} '{name}': {attr} must be a string, not {type(value).__name__}; skipped"
            attrs[attr] = value
        if what == "exporter":
            from ..exporters.base import extension_problem

            extension = getattr(obj, "extension", None)
            problem = extension_problem(extension)
            if problem is not None:
                return f"exporter '{name}' {problem}; skipped"
            attrs["extension"] = str(extension).lstrip(".")
        return attrs

    def _wrap(self, plugin: str, kind: str, obj: Any, attrs: dict[str, str]) -> Any:
        if kind == "scorers":
            return _plugin_scorer_class()(self, plugin, obj, attrs["label"], attrs["description"])
        cls = _plugin_exporter_class()
        return cls(self, plugin, obj, attrs["label"], attrs["description"], attrs["extension"])

    def _settle(
        self, kind: str, hook_name: str, claims: list[tuple[str, str, Any]]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Names claimed more than once: a built-in keeps its name; two plugins claiming one lose it both."""
        what = kind[:-1]
        by_name: dict[str, list[str]] = {}
        for plugin, name, _ in claims:
            by_name.setdefault(name, []).append(plugin)
        objects: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for plugin, name, obj in claims:
            claimants = by_name[name]
            others = sorted({p for p in claimants if p != plugin})
            if plugin != BUILTIN_NAME and BUILTIN_NAME in claimants:
                self.report(
                    plugin,
                    f"{hook_name}: {what} '{name}' is already provided by plugin {BUILTIN_NAME} "
                    "(a built-in name cannot be taken over); skipped",
                )
                continue
            if others and BUILTIN_NAME not in claimants:
                self.report(
                    plugin,
                    f"{hook_name}: {what} '{name}' is also provided by plugin {', '.join(others)}; refused for "
                    "both (rename one, or turn one off with disabled_plugins)",
                )
                continue
            if name in objects:
                self.report(plugin, f"{hook_name}: returned {what} '{name}' twice; the second is skipped")
                continue
            objects[name] = obj
            owners[name] = plugin
            self._records[plugin].provides[kind].append(name)
        return objects, owners

    def scorers(self, portfolio: Portfolio | None = None) -> dict[str, Scorer]:
        """Every valid scorer by name, in call order (built-ins first unless a plugin says tryfirst)."""
        return dict(self._collect("scorers", portfolio)[0])

    def exporters(self, portfolio: Portfolio | None = None) -> dict[str, Exporter]:
        """Every valid exporter by name, in call order. `portfolio` supplies plugin settings."""
        return dict(self._collect("exporters", portfolio)[0])

    def fields(self, portfolio: Portfolio | None = None, scope: str = "project") -> tuple[Field, ...]:
        """The schema fields plugins declare (`register_fields`), at `plugins.NAME.KEY`: of each project
        (`scope="project"`) or the portfolio's plugin settings (`scope="portfolio"`). A declaration that is
        not valid is reported with its plugin's name and left out."""
        key = json.dumps(portfolio.plugins if portfolio is not None else {}, sort_keys=True, default=repr)
        with self._lock, watch_interrupts():
            cached = self._cache.get("fields")
            if cached is None or cached[0] != key:
                cached = (key, self._collect_fields(portfolio), {})
                self._cache["fields"] = cached
            declared: dict[str, tuple[str, Field]] = cached[1]
        return tuple(f for s, f in declared.values() if s == scope)

    def _collect_fields(self, portfolio: Portfolio | None) -> dict[str, tuple[str, Field]]:
        from .fields import PluginField
        from .views import freeze

        out: dict[str, tuple[str, Field]] = {}
        for plugin in self.call_order("register_fields"):
            rec = self._records.get(plugin)
            if rec is None or rec.status != "loaded":
                continue
            try:
                results = self._call_hook(plugin, "register_fields", freeze(self.plugin_settings(plugin, portfolio)))
            except CallFailed as exc:
                self.report(plugin, f"register_fields failed: {exc}")
                continue
            items: list[Any] = []
            for result in results:
                items += result if isinstance(result, (list, tuple)) else [] if result is None else [result]
            names = rec.provides["fields"] = []
            for decl in items:
                if not isinstance(decl, PluginField):
                    self.report(plugin, f"register_fields returned {type(decl).__name__}; expected PluginField objects")
                    continue
                try:
                    f = decl.to_field(plugin)
                except ValueError as exc:
                    self.report(plugin, f"register_fields: {exc}; skipped")
                    continue
                at = f"{decl.scope}:{f.path}"
                if at in out:
                    self.report(plugin, f"register_fields: field '{decl.name}' declared twice; the second is skipped")
                    continue
                out[at] = (decl.scope, f)
                names.append(decl.name)
        return out

    def provider(self, kind: str, name: str, portfolio: Portfolio | None = None) -> str | None:
        """The plugin that provides scorer or exporter `name` (`kind`: 'scorers' or 'exporters')."""
        return self._collect(kind, portfolio)[1].get(name)

    # --- using them --------------------------------------------------------------------------------------

    def scorer(self, portfolio: Portfolio | None, name: str | None = None) -> Scorer:
        """The scorer `name` (default: the portfolio's default scorer, else `fsdl`); PluginError if unknown."""
        scorers = self.scorers(portfolio)
        if name is None:
            name = portfolio.settings.default_scorer if portfolio is not None else "fsdl"
            if name not in scorers:
                name = "fsdl"
        if name not in scorers:
            raise PluginError(f"no scorer named '{name}' (available: {', '.join(scorers)})")
        return scorers[name]

    def rank(
        self,
        portfolio: Portfolio,
        scorer: str | Scorer | None = None,
        *,
        progress: Progress | None = None,
        cancelled: _threading.Event | None = None,
    ) -> list[Ranked]:
        """Rank with a scorer; a project on which a plugin's scorer fails is reported with the plugin's name.

        Safe to call from a worker thread: `progress(done, total)` after each project, and `cancelled`
        (a `threading.Event`) checked before each, raising `fsdl_tui.scoring.RankCancelled` once set.
        """
        from ..scoring.base import rank

        sc = scorer if scorer is not None and not isinstance(scorer, str) else self.scorer(portfolio, scorer)
        with watch_interrupts():
            ranked = rank(portfolio, sc, progress=progress, cancelled=cancelled)
        owner = getattr(sc, "plugin", None) or self.provider("scorers", sc.name, portfolio) or "(not a plugin)"
        for r in ranked:
            if r.score.error:
                self.report(owner, f"scorer '{sc.name}' failed on project '{r.project.id}': {r.score.reason}")
        return ranked

    def export(
        self, portfolio: Portfolio, name: str, ranked: Sequence[Ranked], context: ExportContext | None = None
    ) -> str | bytes:
        """Run exporter `name`; PluginError (after reporting it) if it is unknown, fails, or returns garbage.
        `context` (the scorer, the date, consensus, odds, plan: `fsdl_tui.exporters.context`) goes to the
        built-ins, and to a plugin's exporter whose `export` has a `context` parameter."""
        exporters = self.exporters(portfolio)
        if name not in exporters:
            raise PluginError(f"no export format named '{name}' (available: {', '.join(exporters)})")
        owner = self.provider("exporters", name, portfolio) or BUILTIN_NAME
        settings = self.plugin_settings(owner, portfolio) if owner != BUILTIN_NAME else {}
        with watch_interrupts():
            if context is None:
                return exporters[name].export(portfolio, list(ranked), settings)
            return exporters[name].export(portfolio, list(ranked), settings, context)  # type: ignore[call-arg]

    def info(self) -> list[dict[str, Any]]:
        """One dict per plugin: name, version, source, hooks, provides, status, note, errors."""
        self.scorers()
        self.exporters()
        self.fields()
        return [
            {
                "name": r.name,
                "version": r.version,
                "source": r.source,
                "hooks": list(r.hooks),
                "provides": {k: list(v) for k, v in r.provides.items()},
                "status": r.status,
                "note": r.note,
                "errors": list(r.errors),
            }
            for r in self._records.values()
        ]


# --- plugins that crashed the process while being imported ---------------------------------------------------


def quarantine_path(env: Mapping[str, str] | None = None) -> Path:
    """`quarantined-plugins.json` in the state folder: plugins skipped since they crashed an import."""
    return state_dir(env) / QUARANTINE_FILE


def quarantined(env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Plugins skipped because a run died while importing them: name -> {source, since, pid}."""
    try:
        data = json.loads(quarantine_path(env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _write_quarantine(env: Mapping[str, str] | None, data: Mapping[str, Any]) -> None:
    path = quarantine_path(env)
    try:
        if not data:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only state folder: the plugin is simply tried again next time


def enable_plugin(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Let a plugin that crashed an import be loaded again (`fsdl-tui plugins --enable NAME`); False if it wasn't."""
    data = quarantined(env)
    if name not in data:
        return False
    del data[name]
    _write_quarantine(env, data)
    return True


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a marker with our own pid is from a dead run whose pid was reused
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True  # another user's process, or not knowable: leave its marker alone
    return True


def _collect_crashes(host: PluginHost, env: Mapping[str, str]) -> None:
    """Markers left by runs that died while importing a plugin: quarantine those plugins, and say so."""
    folder = state_dir(env)
    try:
        markers = sorted(folder.glob(f"{MARKER_PREFIX}*.json"))
    except OSError:
        return
    data = quarantined(env)
    found = False
    for marker in markers:
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
            pid = int(info["pid"])
            name = str(info["plugin"])
        except (OSError, ValueError, KeyError, TypeError):
            marker.unlink(missing_ok=True)
            continue
        if _pid_alive(pid):
            continue  # another fsdl-tui is importing it right now
        data[name] = {"source": str(info.get("source", "")), "since": info.get("date", ""), "pid": pid}
        found = True
        marker.unlink(missing_ok=True)
    if found:
        _write_quarantine(env, data)


@dataclass
class _Marker:
    path: Path | None


def _mark_importing(env: Mapping[str, str], name: str, source: str) -> _Marker:
    path = state_dir(env) / f"{MARKER_PREFIX}{os.getpid()}.json"
    info = {"plugin": name, "source": source, "pid": os.getpid(), "date": _dt.datetime.now(_dt.UTC).isoformat()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(info))
            fh.flush()
            os.fsync(fh.fileno())  # on disk before the import: the import may end the process
    except OSError:
        return _Marker(None)
    return _Marker(path)


def _import(
    host: PluginHost,
    env: Mapping[str, str],
    name: str,
    source: str,
    what: str,
    load: Callable[[], Any],
    version: str | None,
) -> Any:
    """Import a plugin under a marker file (removed after the import, whatever happens but a crash)."""
    marker = _mark_importing(env, name, source)
    try:
        return contain(name, load, sink=host.sink)
    except CallFailed as exc:
        host.failed(name, source, f"failed to import {what}: {exc}", version)
        return None
    finally:
        if marker.path is not None:
            marker.path.unlink(missing_ok=True)


# --- loading -----------------------------------------------------------------------------------------------


def _read_user_config(host: PluginHost, env: Mapping[str, str]) -> tuple[str | None, set[str]]:
    path = user_config_path(env)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, set()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        host.report("config", f"{path}: cannot read the user config: {exc}")
        return None, set()
    plugins_dir = data.get("plugins_dir")
    if plugins_dir is not None and not isinstance(plugins_dir, str):
        host.report("config", f"{path}: plugins_dir must be a string (a folder)")
        plugins_dir = None
    elif plugins_dir:
        plugins_dir = str(path.parent / os.path.expanduser(plugins_dir))
    disabled = data.get("disabled_plugins", [])
    if not isinstance(disabled, list) or not all(isinstance(x, str) for x in disabled):
        host.report("config", f"{path}: disabled_plugins must be a list of plugin names")
        disabled = []
    return plugins_dir, set(disabled)


def _entry_points() -> list[md.EntryPoint]:
    seen: set[tuple[str, str]] = set()
    out = []
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        if (ep.name, ep.value) not in seen:
            seen.add((ep.name, ep.value))
            out.append(ep)
    return sorted(out, key=lambda ep: ep.name)


def _load_file(host: PluginHost, env: Mapping[str, str], path: Path) -> None:
    name = path.stem
    module_name = f"fsdl_tui_local_plugins.{name}"
    source = f"file {path}"

    def load() -> Any:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look modules up here
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        return module

    module = _import(host, env, name, source, path.name, load, None)
    if module is not None:
        host.register(module, name, source, getattr(module, "__version__", None))


def load_plugins(plugins_dir: str | None = None, env: Mapping[str, str] | None = None) -> PluginHost:
    """Load the built-ins, the installed plugins and local plugin files; problems land in `.problems`."""
    env = os.environ if env is None else env
    host = PluginHost(
        strict=(env.get("FSDL_TUI_STRICT_PLUGINS", "").strip().lower() in TRUE),
        budget=_budget(env, "FSDL_TUI_SCORER_TIMEOUT", DEFAULT_BUDGET),
        export_budget=_budget(env, "FSDL_TUI_EXPORT_TIMEOUT", DEFAULT_EXPORT_BUDGET),
    )
    from .. import __version__

    host.register(builtin, BUILTIN_NAME, "built-in", __version__)
    config_dir, disabled = _read_user_config(host, env)
    allow_raw = env.get("FSDL_TUI_LOAD_PLUGINS")
    allow = None if allow_raw is None else {x.strip() for x in allow_raw.split(",") if x.strip()}
    _collect_crashes(host, env)
    crashed = quarantined(env)

    def skip(name: str, source: str, version: str | None) -> bool:
        if name == BUILTIN_NAME:
            host.report(f"{name} ({source})", f"the name '{BUILTIN_NAME}' is reserved for the built-ins; skipped")
            return True
        if allow is not None and name not in allow:
            host.disabled(name, source, "not in FSDL_TUI_LOAD_PLUGINS", version)
            return True
        if name in disabled:
            host.disabled(name, source, "disabled_plugins in the user config", version)
            return True
        if name in crashed:
            note = f"an earlier run ended while importing it; `fsdl-tui plugins --enable {name}` to try again"
            host.disabled(name, source, note, version)
            host.report(name, f"skipped: {note}")
            return True
        return False

    with watch_interrupts():
        for ep in _entry_points():
            dist = getattr(ep, "dist", None)
            version = dist.version if dist is not None else None
            source = f"entry point of {dist.name if dist is not None else ep.value}"
            if skip(ep.name, source, version):
                continue
            plugin = _import(host, env, ep.name, source, ep.value, ep.load, version)
            if plugin is not None:
                host.register(plugin, ep.name, source, version)

        folder = plugins_dir or env.get("FSDL_TUI_PLUGINS_DIR") or config_dir
        if folder:
            path = Path(folder).expanduser()
            if not path.is_dir():
                host.report("plugins-dir", f"{folder}: no such folder")
            else:
                for file in sorted(path.glob("*.py")):
                    if not file.name.startswith(("_", ".")) and not skip(file.stem, f"file {file}", None):
                        _load_file(host, env, file)
        host.info()  # call the registration hooks once, so that bad plugins are reported now
    return host


__all__ = [
    "PluginError",
    "PluginHost",
    "PluginProblem",
    "enable_plugin",
    "load_plugins",
    "quarantine_path",
    "quarantined",
    "user_config_path",
]
