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
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import os
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from ..paths import config_dir
from . import builtin, hookspecs

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.model import Portfolio
    from ..exporters.base import Exporter
    from ..scoring.base import Ranked, Scorer

ENTRY_POINT_GROUP = "fsdl_tui"
BUILTIN_NAME = "fsdl_tui"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TRUE = ("1", "true", "yes", "on")


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
    provides: dict[str, list[str]] = field(default_factory=lambda: {"scorers": [], "exporters": []})
    errors: list[str] = field(default_factory=list)


def user_config_path(env: Mapping[str, str]) -> Path:
    return config_dir(env) / "config.toml"


# kind of object -> the registration hook that provides it
_KINDS = {"scorers": "register_scorers", "exporters": "register_exporters"}


def _base_class(kind: str) -> type:
    if kind == "scorers":
        from ..scoring.base import Scorer

        return Scorer
    from ..exporters.base import Exporter

    return Exporter


class PluginHost:
    """The loaded plugins and what they provide. Build one with `load_plugins()`."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.problems: list[PluginProblem] = []
        self._records: dict[str, PluginRecord] = {}
        self._cache: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {}

    # --- problems ----------------------------------------------------------------------------------------

    def report(self, plugin: str, message: str) -> None:
        """Record a problem with a plugin (once); in strict mode raise it."""
        problem = PluginProblem(plugin, message)
        if self.strict:
            raise PluginError(str(problem))
        if problem not in self.problems:
            self.problems.append(problem)
            rec = self._records.get(plugin)
            if rec is not None:
                rec.errors.append(message)

    # --- registration ------------------------------------------------------------------------------------

    def register(self, plugin: object, name: str, source: str, version: str | None = None) -> bool:
        """Register a plugin object (a module, usually); a bad one is reported and left out."""
        if name in self._records and self._records[name].status == "loaded":
            self.report(name, f"another plugin with this name ({source}) was skipped")
            return False
        rec = self._records[name] = PluginRecord(name, source, version)
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # pluggy validation: wrong argument names, name taken, ...
            rec.status = "failed"
            self.report(name, f"cannot register: {exc}")
            return False
        try:
            self.pm.check_pending()  # a hook with a misspelt name fails here, naming the function
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(name=name)
            rec.status = "failed"
            self.report(name, f"{exc} (known hooks: {', '.join(_KINDS.values())})")
            return False
        rec.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or ())
        rec.status = "loaded"
        self._cache.clear()
        return True

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

    def _collect(self, kind: str, portfolio: Portfolio | None) -> tuple[dict[str, Any], dict[str, str]]:
        """Call each plugin's registration hook on its own; validate; return (name -> object, name -> plugin)."""
        key = json.dumps(portfolio.plugins if portfolio is not None else {}, sort_keys=True, default=repr)
        cached = self._cache.get(kind)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        hook_name = _KINDS[kind]
        base = _base_class(kind)
        what = kind[:-1]
        impls = {impl.plugin_name: impl for impl in getattr(self.pm.hook, hook_name).get_hookimpls()}
        objects: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for plugin, rec in self._records.items():
            impl = impls.get(plugin)
            if impl is None or rec.status != "loaded":
                continue
            rec.provides[kind] = []
            args = {"settings": self.plugin_settings(plugin, portfolio)}
            try:
                result = impl.function(**{a: args[a] for a in impl.argnames})
            except Exception as exc:
                self.report(plugin, f"{hook_name} raised {type(exc).__name__}: {exc}")
                continue
            if result is None:
                items: list[Any] = []
            elif isinstance(result, base):
                items = [result]
            elif isinstance(result, (list, tuple)):
                items = list(result)
            else:
                self.report(
                    plugin, f"{hook_name} returned {type(result).__name__}; expected a list of {base.__name__} objects"
                )
                continue
            provided = []
            for obj in items:
                problem = self._check(obj, base, what)
                if problem is not None:
                    problem = f"{hook_name}: {problem}"
                if problem is None and obj.name in objects:
                    problem = (
                        f"{hook_name}: {what} '{obj.name}' is already provided by plugin {owners[obj.name]}; skipped"
                    )
                if problem is not None:
                    self.report(plugin, problem)
                    continue
                objects[obj.name] = obj
                owners[obj.name] = plugin
                provided.append(obj.name)
            rec.provides[kind] = provided
        self._cache[kind] = (key, objects, owners)
        return objects, owners

    @staticmethod
    def _check(obj: Any, base: type, what: str) -> str | None:
        if isinstance(obj, type) and issubclass(obj, base):
            return f"returned the class {obj.__name__}, not an instance: return {obj.__name__}()"
        if not isinstance(obj, base):
            return f"returned {type(obj).__name__} {obj!r:.60}, not a {base.__name__}; skipped"
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not NAME_RE.match(name):
            return (
                f"{what} {type(obj).__name__} has an invalid name {name!r} "
                "(lowercase letters, digits, '-' and '_'); skipped"
            )
        if what == "exporter" and (not isinstance(obj.extension, str) or not obj.extension.strip(".")):
            return f"exporter '{name}' has no file extension; skipped"
        return None

    def scorers(self, portfolio: Portfolio | None = None) -> dict[str, Scorer]:
        """Every valid scorer by name, built-ins first. `portfolio` supplies plugin settings."""
        return dict(self._collect("scorers", portfolio)[0])

    def exporters(self, portfolio: Portfolio | None = None) -> dict[str, Exporter]:
        """Every valid exporter by name, built-ins first. `portfolio` supplies plugin settings."""
        return dict(self._collect("exporters", portfolio)[0])

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

    def rank(self, portfolio: Portfolio, scorer: str | Scorer | None = None) -> list[Ranked]:
        """Rank with a scorer; a project on which a plugin's scorer fails is reported with the plugin's name."""
        from ..scoring.base import rank

        sc = scorer if scorer is not None and not isinstance(scorer, str) else self.scorer(portfolio, scorer)
        ranked = rank(portfolio, sc)
        owner = self.provider("scorers", sc.name, portfolio) or "(not a plugin)"
        for r in ranked:
            if r.score.error:
                self.report(owner, f"scorer '{sc.name}' failed on project '{r.project.id}': {r.score.reason}")
        return ranked

    def export(self, portfolio: Portfolio, name: str, ranked: Sequence[Ranked]) -> str | bytes:
        """Run exporter `name`; PluginError (after reporting it) if it is unknown, raises, or returns garbage."""
        exporters = self.exporters(portfolio)
        if name not in exporters:
            raise PluginError(f"no export format named '{name}' (available: {', '.join(exporters)})")
        owner = self.provider("exporters", name, portfolio) or BUILTIN_NAME
        settings = self.plugin_settings(owner, portfolio) if owner != BUILTIN_NAME else {}
        try:
            out = exporters[name].export(portfolio, list(ranked), settings)
        except Exception as exc:
            self.report(owner, f"exporter '{name}' raised {type(exc).__name__}: {exc}")
            raise PluginError(f"plugin {owner}: exporter '{name}' failed: {type(exc).__name__}: {exc}") from None
        if not isinstance(out, (str, bytes)):
            self.report(owner, f"exporter '{name}' returned {type(out).__name__}, not str or bytes")
            raise PluginError(f"plugin {owner}: exporter '{name}' returned {type(out).__name__}, not str or bytes")
        return out

    def info(self) -> list[dict[str, Any]]:
        """One dict per plugin: name, version, source, hooks, provides, status, note, errors."""
        self.scorers()
        self.exporters()
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


def _load_file(host: PluginHost, path: Path) -> None:
    name = path.stem
    module_name = f"fsdl_tui_local_plugins.{name}"
    source = f"file {path}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look modules up here
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(module_name, None)
        host.failed(name, source, f"failed to import {path.name}: {type(exc).__name__}: {exc}")
        return
    host.register(module, name, source, getattr(module, "__version__", None))


def load_plugins(plugins_dir: str | None = None, env: Mapping[str, str] | None = None) -> PluginHost:
    """Load the built-ins, the installed plugins and local plugin files; problems land in `.problems`."""
    env = os.environ if env is None else env
    host = PluginHost(strict=(env.get("FSDL_TUI_STRICT_PLUGINS", "").strip().lower() in TRUE))
    from .. import __version__

    host.register(builtin, BUILTIN_NAME, "built-in", __version__)
    config_dir, disabled = _read_user_config(host, env)
    allow_raw = env.get("FSDL_TUI_LOAD_PLUGINS")
    allow = None if allow_raw is None else {x.strip() for x in allow_raw.split(",") if x.strip()}

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
        return False

    for ep in _entry_points():
        dist = getattr(ep, "dist", None)
        version = dist.version if dist is not None else None
        source = f"entry point of {dist.name if dist is not None else ep.value}"
        if skip(ep.name, source, version):
            continue
        try:
            plugin = ep.load()
        except (Exception, SystemExit) as exc:
            host.failed(ep.name, source, f"failed to import {ep.value}: {type(exc).__name__}: {exc}", version)
            continue
        host.register(plugin, ep.name, source, version)

    folder = plugins_dir or env.get("FSDL_TUI_PLUGINS_DIR") or config_dir
    if folder:
        path = Path(folder).expanduser()
        if not path.is_dir():
            host.report("plugins-dir", f"{folder}: no such folder")
        else:
            for file in sorted(path.glob("*.py")):
                if not file.name.startswith(("_", ".")) and not skip(file.stem, f"file {file}", None):
                    _load_file(host, file)
    host.info()  # call the registration hooks once, so that bad plugins are reported now
    return host


__all__ = ["PluginError", "PluginHost", "PluginProblem", "load_plugins", "user_config_path"]
