"""What a plugin declares of its own fields (the `register_fields` hook), and how the host makes them schema
fields.

A plugin keeps its per-project values in `[projects.plugins.NAME]` and its portfolio settings in
`[plugins.NAME]` (NAME: the plugin's name). Declaring them gives them a kind, a range and a help text:
`fsdl-tui set` parses and checks them, `validate` reports a wrong type or a value out of range at
FILE:LINE:COL, and `show ID`, the HTML export and any view given `PluginHost.fields()` (the detail pane's
renderable, `render.project_renderable(..., plugin_fields=...)`) list them with their labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import schema as sc
from ..domain.schema import Field

SCOPES = ("project", "portfolio")


@dataclass(frozen=True, slots=True)
class PluginField:
    """One value a plugin reads.

    `kind`: number (any finite number, within `min`/`max` when given), score (a whole number from `min` to
    `max`, default 1-5), text, longtext, bool, choice (one of `choices`) or list (of strings).
    `scope`: "project" for `[projects.plugins.NAME] KEY`, "portfolio" for a setting `[plugins.NAME] KEY`.
    """

    name: str
    kind: str = "number"
    label: str = ""
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    scope: str = "project"

    def to_field(self, plugin: str) -> Field:
        """The schema field at `plugins.PLUGIN.NAME` (ValueError when the declaration is not valid)."""
        if not isinstance(self.name, str):
            raise ValueError(f"a field's name must be a string, not {self.name!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"field '{self.name}': scope {self.scope!r} is not one of {', '.join(SCOPES)}")
        for attr in ("label", "help"):
            if not isinstance(getattr(self, attr), str):
                raise ValueError(f"field '{self.name}': {attr} must be a string")
        for bound in (self.min, self.max):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                raise ValueError(f"field '{self.name}': min and max must be numbers, not {bound!r}")
        options: dict[str, Any] = {}
        if self.kind == "score":
            lo, hi = sc.SCORE_RANGE
            options["range"] = (
                int(self.min) if self.min is not None else lo,
                int(self.max) if self.max is not None else hi,
            )
        elif self.kind == "number":
            options["bounds"] = (self.min, self.max)
        if self.kind == "choice" or (self.kind == "list" and self.choices):
            choices = tuple(self.choices)
            if not choices or not all(isinstance(c, str) for c in choices):
                raise ValueError(f"field '{self.name}': a choice needs its choices, as strings")
            options["choices"] = choices
            options["what"] = f"{plugin}.{self.name}"
        return sc.plugin_field(plugin, self.name, self.kind, self.label, self.help, **options)

    @property
    def range_text(self) -> str:
        """The range in words, for docs and help: "0 to 1", "at least 0", "" when unbounded."""
        return range_text(self.to_field("x"))


KIND_WORDS = {"score": "whole number", "longtext": "text", "bool": "true or false", "list": "comma-separated list"}


def field_help(f: Field) -> str:
    """A declared field's help as the app's forms show it: its type and range, then the plugin's help
    ("number, at least 0. People or events per quarter.")."""
    what = ", ".join(x for x in (KIND_WORDS.get(f.kind, f.kind), range_text(f)) if x)
    return f"{what}. {f.help}".strip()


def range_text(f: Field) -> str:
    """A schema field's allowed values in words: "1 to 5", "at least 0", "one of a, b", "" for any."""
    if f.kind == "score":
        return f"{f.range[0]} to {f.range[1]}"
    if f.kind == "number":
        lo, hi = f.bounds
        if lo is not None and hi is not None:
            return f"{lo:g} to {hi:g}"
        if lo is not None:
            return f"at least {lo:g}"
        if hi is not None:
            return f"at most {hi:g}"
    if f.choices:
        return "one of " + ", ".join(f.choices)
    return ""
