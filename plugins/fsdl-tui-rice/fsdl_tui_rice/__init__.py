"""RICE and ICE scorers for fsdl-tui, read from each project's own `[projects.plugins.rice]` fields.

    [[projects]]
    id = "grasp-pose"
    ...
    [projects.plugins.rice]
    reach = 400        # people or events per quarter (>= 0)
    impact = 2         # per person: 0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive (any number > 0)
    confidence = 0.8   # 0-1, or a percentage 0-100
    effort = 3         # person-months (> 0)

RICE = reach x impact x confidence / effort. ICE = impact x confidence x ease, with ease = 1 / effort.
Plugin settings, `[plugins.rice]` in the portfolio: `default_confidence` (used when a project has none).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fsdl_tui import hookimpl
from fsdl_tui.plugins.fields import PluginField
from fsdl_tui.scoring import Score, Scorer, Term

__version__ = "0.1.0"

FIELDS = ("reach", "impact", "confidence", "effort")

# What `set`, `validate`, `show` and the app know of these fields (the `register_fields` hook).
DECLARED = (
    PluginField("reach", "number", "Reach", "People or events per quarter.", min=0),
    PluginField(
        "impact",
        "number",
        "Impact per person",
        "Per person: 0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive (more than 0).",
        min=0,
    ),
    PluginField("confidence", "number", "Confidence", "0-1, or a percentage 0-100.", min=0, max=100),
    PluginField("effort", "number", "Effort", "Person-months (more than 0).", min=0),
    PluginField(
        "default_confidence",
        "number",
        "Default confidence",
        "Used when a project has no confidence: 0-1, or a percentage 0-100.",
        min=0,
        max=100,
        scope="portfolio",
    ),
)


class InputError(ValueError):
    pass


def _number(fields: Mapping[str, Any], key: str) -> float | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"plugins.rice.{key} must be a number, not {value!r}")
    return float(value)


def _confidence(value: float) -> float:
    if 1 < value <= 100:  # a percentage
        value /= 100
    if not 0 <= value <= 1:
        raise InputError(f"plugins.rice.confidence must be 0-1 or a percentage, not {value:g}")
    return value


def read_inputs(project: Any, default_confidence: float | None, needed: tuple[str, ...]) -> dict[str, float]:
    """The project's RICE inputs; raises InputError naming what is missing or wrong."""
    fields = project.plugins.get("rice", {})
    values = {k: _number(fields, k) for k in needed}
    if values.get("confidence") is None and "confidence" in needed and default_confidence is not None:
        values["confidence"] = default_confidence
    missing = [k for k in needed if values[k] is None]
    if missing:
        raise InputError("missing plugins.rice." + ", plugins.rice.".join(missing))
    out = {k: float(v) for k, v in values.items() if v is not None}
    if "confidence" in out:
        out["confidence"] = _confidence(out["confidence"])
    if out.get("effort", 1) <= 0:
        raise InputError("plugins.rice.effort must be more than 0 (person-months)")
    if out.get("reach", 0) < 0 or out.get("impact", 1) <= 0:
        raise InputError("plugins.rice.reach must be >= 0 and plugins.rice.impact > 0")
    return out


class RiceScorer(Scorer):
    name = "rice"
    label = "RICE (reach x impact x confidence / effort)"
    description = "Intercom's RICE: reach x impact x confidence / effort, from [projects.plugins.rice]."

    def __init__(self, default_confidence: float | None = None) -> None:
        self.default_confidence = default_confidence

    def score(self, project: Any, settings: Mapping[str, Any]) -> Score:
        try:
            v = read_inputs(project, self.default_confidence, FIELDS)
        except InputError as exc:
            return Score.not_scorable(str(exc))
        detail = (
            f"reach {v['reach']:g} x impact {v['impact']:g} x confidence {v['confidence']:g}, / effort {v['effort']:g}"
        )
        return Score.from_terms(
            [Term("reach x impact x confidence", v["reach"] * v["impact"] * v["confidence"], 1 / v["effort"], detail)]
        )


class IceScorer(RiceScorer):
    name = "ice"
    label = "ICE (impact x confidence x ease)"
    description = "ICE: impact x confidence x ease, where ease = 1 / effort, from [projects.plugins.rice]."

    def score(self, project: Any, settings: Mapping[str, Any]) -> Score:
        try:
            v = read_inputs(project, self.default_confidence, ("impact", "confidence", "effort"))
        except InputError as exc:
            return Score.not_scorable(str(exc))
        detail = f"impact {v['impact']:g} x confidence {v['confidence']:g}; ease = 1 / effort {v['effort']:g}"
        return Score.from_terms([Term("impact x confidence", v["impact"] * v["confidence"], 1 / v["effort"], detail)])


@hookimpl
def register_scorers(settings: Mapping[str, Any]) -> list[Scorer]:
    default = settings.get("default_confidence")
    if default is not None:
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            raise ValueError(f"[plugins.rice] default_confidence must be a number, not {default!r}")
        default = _confidence(float(default))
    return [RiceScorer(default), IceScorer(default)]


@hookimpl
def register_fields() -> tuple[PluginField, ...]:
    return DECLARED
