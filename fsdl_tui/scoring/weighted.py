"""The `weighted` scorer: a linear score whose weights live in the portfolio file, `[scoring.weighted]`.

    [scoring.weighted]
    impact = 1.0                 # overall impact (or the mean of the lenses)
    data_availability = 0.5      # more data: higher score
    accuracy_requirement = -0.3  # stricter accuracy: lower score
    problem_difficulty = -0.2
    automation = 0.25            # one impact lens ("impact.automation" works too)

Every key is a field path (see `WEIGHTABLE`); a value is a finite number. A key may also be written as a
dotted path (`cost.data_availability`, `impact.peers`) or as a nested table. The score is the sum of
value x weight over the weighted fields; a project missing a field with a non-zero weight is not scorable,
and bad settings make every project "not scorable" with a reason that says what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..domain import framework as fw
from ..domain.model import Project
from .base import Score, Scorer, Term, impact_of


def _lens(lens_id: str) -> Callable[[Project], float | None]:
    return lambda p: p.impact.lens(lens_id)


def _driver(driver_id: str) -> Callable[[Project], float | None]:
    return lambda p: p.cost.driver(driver_id)


# field path -> (how to read it from a project, detail shown in explanations)
WEIGHTABLE: dict[str, tuple[Callable[[Project], float | None], str]] = {
    "impact": (impact_of, "impact 1-5 (overall, else the mean of the lenses)"),
    **{lens.id: (_lens(lens.id), f"impact lens: {lens.label.lower()} 1-5") for lens in fw.IMPACT_LENSES},
    **{d.id: (_driver(d.id), f"{d.label.lower()} 1-5 ({d.low} to {d.high})") for d in fw.COST_DRIVERS},
    "flags": (lambda p: float(len(p.cost.flags)), "number of difficulty flags (0-3)"),
}

DEFAULT_WEIGHTS: dict[str, float] = {
    "impact": 1.0,
    "data_availability": 0.5,
    "accuracy_requirement": -0.3,
    "problem_difficulty": -0.2,
}

_ALIASES = {"impact.overall": "impact", "cost.flags": "flags"}
_ALIASES.update({f"impact.{lens.id}": lens.id for lens in fw.IMPACT_LENSES})
_ALIASES.update({f"cost.{d.id}": d.id for d in fw.COST_DRIVERS})


class SettingsError(ValueError):
    """`[scoring.weighted]` cannot be used; the message says what to fix."""


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def parse_weights(settings: Mapping[str, Any] | None) -> dict[str, float]:
    """The weights from `[scoring.weighted]`, by canonical field path; the defaults if there is no table.

    Raises SettingsError naming the key and what is wrong.
    """
    if not settings:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(settings, Mapping):
        raise SettingsError("[scoring.weighted] must be a table of field = weight")
    weights: dict[str, float] = {}
    for raw_key, value in _flatten(settings).items():
        key = _ALIASES.get(raw_key, raw_key)
        if key not in WEIGHTABLE:
            known = ", ".join(WEIGHTABLE)
            raise SettingsError(f"[scoring.weighted]: unknown field '{raw_key}' (weightable: {known})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SettingsError(f"[scoring.weighted]: weight of '{raw_key}' must be a finite number, not {value!r}")
        if key in weights:
            raise SettingsError(f"[scoring.weighted]: '{raw_key}' is given twice")
        weights[key] = float(value)
    if not any(weights.values()):
        raise SettingsError("[scoring.weighted]: every weight is zero; give at least one field a weight")
    return weights


class WeightedScorer(Scorer):
    name = "weighted"
    label = "Weighted sum (weights in the file)"
    description = (
        "A linear score: the sum of field x weight, with weights from [scoring.weighted] in the portfolio file "
        "(default: impact 1, data availability 0.5, accuracy requirement -0.3, problem difficulty -0.2)."
    )

    def __init__(self) -> None:
        self._cache: tuple[Any, dict[str, float] | SettingsError] | None = None

    def weights(self, settings: Mapping[str, Any] | None) -> dict[str, float]:
        # Ranking calls score() once per project with the same settings: parse them once.
        cached = self._cache
        if cached is None or cached[0] is not settings:
            try:
                cached = (settings, parse_weights(settings))
            except SettingsError as exc:
                cached = (settings, exc)
            self._cache = cached
        if isinstance(cached[1], SettingsError):
            raise cached[1]
        return cached[1]

    def score(self, project: Project, settings: Mapping[str, Any]) -> Score:
        try:
            weights = self.weights(settings)
        except SettingsError as exc:
            return Score.not_scorable(str(exc))
        terms = []
        missing = []
        for key, weight in weights.items():
            read, detail = WEIGHTABLE[key]
            value = read(project)
            if value is None:
                if weight:
                    missing.append(key.replace("_", " "))
                continue
            terms.append(Term(key.replace("_", " "), float(value), weight, detail))
        if missing:
            return Score.not_scorable("missing " + ", ".join(missing))
        return Score.from_terms(terms)
