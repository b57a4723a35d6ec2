"""Portfolio settings (`,` or the palette): the name, the description, the 2x2 thresholds, the default scorer
the weights of the `weighted` scorer (`[scoring.weighted]`) and the plugins' settings (`[plugins.NAME]`, the
fields they declare with `register_fields`, scope "portfolio"). Each value is checked as it is typed; a bad
one shows its message under the field and is not applied. `escape` closes and applies the good values as one
undo step (saved like any edit: only the lines that changed); `ctrl+r` closes and drops them."""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static

from ...domain import schema as sc
from ...domain.fields import FieldError, parse_value
from ...domain.model import Portfolio, Settings
from ...domain.reader import check_fields
from ...plugins.fields import field_help
from ...scoring.weighted import DEFAULT_WEIGHTS, WEIGHTABLE, SettingsError, parse_weights
from ..view import one_line, printable
from ..widgets.plain import PlainInput
from .edit import FOCUS_BINDINGS, shown_value


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def canonical_weight_key(key: str) -> str:
    """A `[scoring.weighted]` key as `WEIGHTABLE` names it (`cost.data_availability` is `data_availability`)."""
    if key in ("impact.overall", "cost.flags"):
        return key.split(".")[0] if key == "impact.overall" else "flags"
    return key.split(".", 1)[1] if key.startswith(("impact.", "cost.")) else key


def check_threshold(text: str) -> str:
    value = _number(text.strip())
    if value is None:
        return "a number from 1 to 5"
    return "" if 1.0 <= value <= 5.0 else "from 1 to 5: the 2x2 runs from 1 to 5"


def check_weight(text: str) -> str:
    if not text.strip():
        return ""  # no weight: the field does not count
    return "" if _number(text.strip()) is not None else "a number (negative lowers the score), or empty"


class SettingsScreen(Screen[Portfolio | None]):
    """Returns the portfolio with the new settings, or None (nothing changed, or dropped)."""

    BINDINGS = [
        Binding("escape", "done", "Done", id="settings.done", tooltip="Close and keep the good values"),
        Binding("ctrl+r", "revert", "Revert", id="settings.revert", tooltip="Close and drop the changes"),
        *FOCUS_BINDINGS,
    ]
    AUTO_FOCUS = ""  # `on_mount` focuses the name: not the form's scroll container first (a restyle of the form)

    def __init__(
        self, portfolio: Portfolio, scorers: list[tuple[str, str]], plugin_settings: tuple[sc.Field, ...] = ()
    ) -> None:
        """`scorers`: (name, label) of every loaded scorer; `plugin_settings`: the settings plugins declare
        (`PluginHost.fields(portfolio, scope="portfolio")`)."""
        super().__init__()
        self.original = portfolio
        self.scorers = scorers
        self.plugin_settings = {f"p-{i}": f for i, f in enumerate(plugin_settings)}  # by widget id
        self.errors: dict[str, str] = {}
        try:
            self.weights: dict[str, float] = parse_weights(portfolio.scoring.get("weighted"))
            self.weights_problem = ""
        except SettingsError as exc:
            self.weights, self.weights_problem = dict(DEFAULT_WEIGHTS), str(exc)

    def _row(self, wid: str, label: str, value: str, help_text: str = "") -> ComposeResult:
        with Vertical(classes="field"):
            yield Label(Text(label), classes="field-label")
            if help_text:
                yield Static(help_text, classes="field-help", markup=False)
            yield PlainInput(value, id=wid, classes="field-input")
            yield Label("", id=f"err-{wid}", classes="field-error", markup=False)

    def compose(self) -> ComposeResult:
        p = self.original
        s = p.settings
        yield Header()
        with VerticalScroll(id="form"):
            yield Static(Text("Portfolio", style="bold"), classes="section")
            yield from self._row("s-name", "Name", p.name)
            yield from self._row("s-description", "Description", p.description, "What the portfolio is for.")
            yield Static(Text("The 2x2", style="bold"), classes="section")
            yield from self._row(
                "s-impact", "Impact threshold", f"{s.impact_threshold:g}", "High impact from this value on (1-5)."
            )
            yield from self._row(
                "s-feasibility",
                "Feasibility threshold",
                f"{s.feasibility_threshold:g}",
                "High feasibility (low cost) from this value on (1-5).",
            )
            yield Static(Text("Scoring", style="bold"), classes="section")
            yield Label("Default scorer", classes="field-label")
            names = [n for n, _ in self.scorers]
            options = [(Text(one_line(f"{label} ({name})")), name) for name, label in self.scorers]
            if s.default_scorer not in names:  # a plugin's scorer that is not loaded: keep it choosable
                options.append((Text(one_line(f"{s.default_scorer} (not loaded)")), s.default_scorer))
            yield Select(options, value=s.default_scorer, allow_blank=False, id="s-scorer")
            yield Static(
                Text("Weights of the weighted scorer ([scoring.weighted]): score = sum of value x weight."),
                classes="field-help",
            )
            if self.weights_problem:
                yield Static(printable(self.weights_problem), classes="error", markup=False)
            for key, (_, detail) in WEIGHTABLE.items():
                value = self.weights.get(key)
                yield from self._row(f"w-{key}", key, "" if value is None else f"{value:g}", detail)
            yield from self._plugin_rows()
        yield Static(
            Text("escape: done (keeps the good values, one undo step) · ctrl+r: drop the changes"), classes="hint"
        )
        yield Footer()

    def _plugin_rows(self) -> ComposeResult:
        """A section per plugin with the settings it declares, each with its type, range and help."""
        heading = ""
        for wid, f in self.plugin_settings.items():
            plugin = f.table.split(".", 1)[1]
            if plugin != heading:
                heading = plugin
                yield Static(Text(f"Plugin: {plugin} ([plugins.{plugin}])", style="bold"), classes="section")
            yield from self._row(wid, f.label, shown_value(f, self._plugin_value(f)), field_help(f))

    def plugin_widget(self, path: str) -> str:
        """The id of the input of the plugin setting at `path` (`plugins.NAME.KEY`)."""
        return next(wid for wid, f in self.plugin_settings.items() if f.path == path)

    def _plugin_value(self, f: sc.Field) -> Any:
        table = self.original.plugins.get(f.table.split(".", 1)[1], {})
        return table.get(f.key) if isinstance(table, dict) else None

    def _plugin_parsed(self, wid: str, text: str) -> tuple[Any, str]:
        """A plugin setting as typed: (its value, "") or (None, what is wrong), checked against its kind and
        range as `validate` checks the file."""
        f = self.plugin_settings[wid]
        try:
            value = parse_value(f, text)
        except FieldError as exc:
            return None, str(exc).split(": ", 1)[-1]
        if value is None:
            return None, ""
        issues = check_fields([f], {"plugins": {f.table.split(".", 1)[1]: {f.key: value}}})
        return value, issues[0].message if issues else ""

    def on_mount(self) -> None:
        self.query_one("#s-name", Input).focus()

    # --- checks ---------------------------------------------------------------------------------------

    CHECKS = {"s-impact": check_threshold, "s-feasibility": check_threshold}

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        check = self.CHECKS.get(wid) or (check_weight if wid.startswith("w-") else None)
        message = ""
        if wid in self.plugin_settings:
            message = self._plugin_parsed(wid, event.value)[1]
        elif check is not None:
            message = check(event.value)
        elif wid == "s-name" and not event.value.strip():
            message = "a portfolio needs a name"
        if message:
            self.errors[wid] = message
        else:
            self.errors.pop(wid, None)
        error = self.query_one(f"#err-{wid}", Label)
        error.update(message)
        error.display = bool(message)
        event.input.set_class(bool(message), "-invalid")

    # --- the result -----------------------------------------------------------------------------------

    def _text(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value

    def result(self) -> Portfolio:
        """The portfolio with every good value applied (a field with an error keeps its old value)."""
        p, s = self.original, self.original.settings

        def good(wid: str) -> bool:
            return wid not in self.errors

        name = self._text("s-name").strip() if good("s-name") else p.name
        description = self._text("s-description").strip()
        if description == p.description.strip():
            description = p.description  # untouched: kept exactly as the file has it
        impact = float(self._text("s-impact")) if good("s-impact") else s.impact_threshold
        feas = float(self._text("s-feasibility")) if good("s-feasibility") else s.feasibility_threshold
        scorer = self.query_one("#s-scorer", Select).value
        settings = Settings(
            default_scorer=scorer if isinstance(scorer, str) else s.default_scorer,
            impact_threshold=impact,
            feasibility_threshold=feas,
        )
        out = p.replace(name=name, description=description, settings=settings)
        weights: dict[str, float] = {}
        for key in WEIGHTABLE:
            wid = f"w-{key}"
            text = self._text(wid).strip()
            if not good(wid):
                if key in self.weights:
                    weights[key] = self.weights[key]
            elif text and float(text) != 0.0:
                weights[key] = float(text)
        if weights != {k: v for k, v in self.weights.items() if v} or self.weights_problem:
            out = out.replace(scoring={**p.scoring, "weighted": self._weights_table(weights)})
        plugins = self._plugins_result()
        return out if plugins is None else out.replace(plugins=plugins)

    def _plugins_result(self) -> dict[str, Any] | None:
        """The `[plugins.NAME]` tables with the good values typed (a value left as shown keeps what the file
        has; an emptied one is removed), or None when none changed."""
        tables = {name: dict(t) if isinstance(t, dict) else t for name, t in self.original.plugins.items()}
        changed = False
        for wid, f in self.plugin_settings.items():
            text, old = self._text(wid), self._plugin_value(f)
            if wid in self.errors or text.strip() == shown_value(f, old).strip():
                continue
            value, _ = self._plugin_parsed(wid, text)
            table = tables.setdefault(f.table.split(".", 1)[1], {})
            if not isinstance(table, dict):
                continue  # not a table in the file: `validate` reports it; nothing is written over it
            if value is None:
                table.pop(f.key, None)
            else:
                table[f.key] = value
            changed = True
        return tables if changed else None

    def _weights_table(self, weights: dict[str, float]) -> dict[str, Any]:
        """`weights` as the file writes them: a weight the file already had keeps its key and its value as
        written (`1`, `cost.data_availability`), so only the changed lines change."""
        raw = self.original.scoring.get("weighted")
        table: dict[str, Any] = {}
        done: set[str] = set()
        if isinstance(raw, dict) and not self.weights_problem:
            for raw_key, raw_value in raw.items():
                key = canonical_weight_key(raw_key)
                if key in weights and isinstance(raw_value, (int, float)) and float(raw_value) == weights[key]:
                    table[raw_key] = raw_value
                elif key in weights:
                    table[raw_key] = weights[key]
                done.add(key)
        for key, value in weights.items():
            if key not in done:
                table[key] = int(value) if value.is_integer() else value
        return table

    def action_done(self) -> None:
        result = self.result()
        self.dismiss(result if result != self.original else None)

    def action_revert(self) -> None:
        self.dismiss(None)
