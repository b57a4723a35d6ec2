"""Scorers, their explanations, and ranking. No UI and no pandas here.

A scorer maps a project to a `Score`: a number with the terms that make it up (value x weight =
contribution, the terms adding up to the score), or "not scorable" with a reason. Ranking sorts by score
with a stable tie-break, and every project also gets its quadrant on the impact-vs-feasibility 2x2.
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import framework as fw
from ..domain.model import Portfolio, Project


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a score: `value` x `weight` = `contribution`. `detail` says where the value came from."""

    name: str
    value: float
    weight: float
    detail: str = ""

    @property
    def contribution(self) -> float:
        return self.value * self.weight + 0.0  # + 0.0: no "-0.0" in explanations


@dataclass(frozen=True, slots=True)
class Score:
    value: float | None  # None: not scorable (see `reason`) or the scorer failed (`error`)
    terms: tuple[Term, ...] = ()
    reason: str = ""
    error: bool = False

    @property
    def scorable(self) -> bool:
        return self.value is not None

    @classmethod
    def from_terms(cls, terms: Iterable[Term]) -> Score:
        terms = tuple(terms)
        return cls(sum(t.contribution for t in terms), terms)

    @classmethod
    def not_scorable(cls, reason: str) -> Score:
        return cls(None, (), reason)


class Scorer(ABC):
    """Base class for scorers (an ABC). Subclass it, set `name`, `label`, `description`, and implement `score`.

    A subclass without `score` cannot be instantiated: a plugin that returns one is refused at registration.
    """

    name: str = ""
    label: str = ""
    description: str = ""

    @abstractmethod
    def score(self, project: Project, settings: Mapping[str, Any]) -> Score:
        """The project's score. `settings` is the scorer's `[scoring.NAME]` table from the portfolio (read-only)."""

    def score_all(
        self,
        projects: Sequence[Project],
        settings: Mapping[str, Any],
        *,
        progress: Progress | None = None,
        cancelled: threading.Event | None = None,
    ) -> list[Score]:
        """Every project's score, in order, as `rank` wants them: `safe_score` on each.

        `progress(done, total)` after each project; `RankCancelled` before the next one once `cancelled` is
        set. The plugin host's wrapper overrides this to run a plugin's scorer in one guarded batch.
        """
        out = []
        total = len(projects)
        for i, p in enumerate(projects):
            if cancelled is not None and cancelled.is_set():
                raise RankCancelled(f"ranking by {self.name} cancelled after {i} of {total} projects")
            out.append(safe_score(self, p, settings))
            if progress is not None:
                progress(i + 1, total)
        return out


# --- impact and feasibility: the two axes of the 2x2 -----------------------------------------------------

DRIVER_WEIGHTS = {"data_availability": 0.5, "accuracy_requirement": 0.3, "problem_difficulty": 0.2}


def impact_of(project: Project) -> float | None:
    """The overall impact score, or the mean of the lenses that are set; None if nothing is scored."""
    imp = project.impact
    if imp.overall is not None:
        return float(imp.overall)
    lenses = [v for v in (imp.lens(lens.id) for lens in fw.IMPACT_LENSES) if v is not None]
    return sum(lenses) / len(lenses) if lenses else None


def driver_costs(project: Project) -> dict[str, float] | None:
    """Each cost driver as a cost from 0 (cheap) to 1 (expensive); None if a driver is missing.

    Data availability: (5 - score) / 4. Problem difficulty: (score - 1) / 4. Accuracy requirement grows
    super-linearly, doubling with each step: (2^(score-1) - 1) / 15, i.e. 0, 1/15, 3/15, 7/15, 1.
    """
    c = project.cost
    if c.data_availability is None or c.accuracy_requirement is None or c.problem_difficulty is None:
        return None
    return {
        "data_availability": (5 - c.data_availability) / 4,
        "accuracy_requirement": (2 ** (c.accuracy_requirement - 1) - 1) / 15,
        "problem_difficulty": (c.problem_difficulty - 1) / 4,
    }


def feasibility_of(project: Project) -> float | None:
    """Feasibility (low cost) from 1 to 5: 5 - 4 x the weighted cost of the three drivers."""
    costs = driver_costs(project)
    if costs is None:
        return None
    return 5 - 4 * sum(DRIVER_WEIGHTS[k] * v for k, v in costs.items())


def quadrant_of(impact: float | None, feasibility: float | None, portfolio: Portfolio | None = None) -> str | None:
    """The quadrant id on the impact (vertical) vs feasibility (horizontal) 2x2, or None if unscored."""
    if impact is None or feasibility is None:
        return None
    s = portfolio.settings if portfolio is not None else None
    hi_i = impact >= (s.impact_threshold if s else 3.0)
    hi_f = feasibility >= (s.feasibility_threshold if s else 3.0)
    if hi_i and hi_f:
        return "high-priority"
    if hi_i:
        return "moonshot"
    if hi_f:
        return "quick-win"
    return "avoid"


# --- ranking -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int | None  # None: not scorable, listed after the scored projects
    project: Project
    score: Score
    impact: float | None
    feasibility: float | None
    quadrant: str | None


def check_score(result: Any) -> Score:
    """`result` if it is a valid `Score`; otherwise an error score saying what is wrong with it."""
    if not isinstance(result, Score):
        hint = " (wrap a number as Score(value) or Score.from_terms([...]))" if isinstance(result, (int, float)) else ""
        return Score(None, (), f"scorer returned {type(result).__name__}, not a Score{hint}", error=True)
    if result.value is not None and (
        isinstance(result.value, bool) or not isinstance(result.value, (int, float)) or not math.isfinite(result.value)
    ):
        return Score(None, (), f"scorer returned a score that is not a finite number: {result.value!r}", error=True)
    return result


def safe_score(scorer: Scorer, project: Project, settings: Mapping[str, Any]) -> Score:
    """Call a scorer on one project; an exception or a non-finite number becomes an error score.

    Plugin scorers reach here wrapped by the plugin host, which also contains `SystemExit` and
    `KeyboardInterrupt`, routes their output and gives them read-only views (fsdl_tui.plugins.manager).
    """
    try:
        result = scorer.score(project, settings)
    except Exception as exc:  # noqa: BLE001 - a scorer's bug becomes that project's error score; ranking goes on
        return Score(None, (), f"{type(exc).__name__}: {exc}", error=True)
    return check_score(result)


class RankCancelled(Exception):
    """`rank(..., cancelled=event)` stopped because the event was set (checked between projects)."""


Progress = Callable[[int, int], None]  # (projects scored so far, projects in all)


def rank(
    portfolio: Portfolio,
    scorer: Scorer,
    *,
    progress: Progress | None = None,
    cancelled: threading.Event | None = None,
) -> list[Ranked]:
    """Projects by descending score; ties keep file order. Unscorable projects come last, in file order.

    `progress(done, total)` is called as projects are scored (after each one; for a plugin's scorer, every
    few); `cancelled` is checked between projects and raises `RankCancelled` once set. Both make `rank`
    usable from a worker thread. The scores come from `scorer.score_all`.
    """
    settings = portfolio.scoring.get(scorer.name, {})
    projects = portfolio.projects
    scores = scorer.score_all(projects, settings, progress=progress, cancelled=cancelled)
    if len(scores) != len(projects):
        raise RankCancelled(f"ranking by {scorer.name} stopped after {len(scores)} of {len(projects)} projects")
    rows: list[RankRow] = []
    for i, (p, raw) in enumerate(zip(projects, scores, strict=True)):
        s = check_score(raw)
        imp, fea = impact_of(p), feasibility_of(p)
        rows.append((i, p, s, imp, fea, quadrant_of(imp, fea, portfolio)))
    return ranked_in_order(rows)


RankRow = tuple[int, Project, Score, float | None, float | None, str | None]


def ranked_in_order(rows: Iterable[RankRow]) -> list[Ranked]:
    """Rows of (place in the file, project, score, impact, feasibility, quadrant) in ranking order (best score
    first, unscorable last, ties by place in the file), numbered."""
    ordered = sorted(rows, key=lambda r: (r[2].value is None, -(r[2].value or 0.0), r[0]))
    out: list[Ranked] = []
    n = 0
    for _, p, s, imp, fea, quad in ordered:
        if s.value is not None:
            n += 1
        out.append(Ranked(n if s.value is not None else None, p, s, imp, fea, quad))
    return out


class FsdlScorer(Scorer):
    """The default: impact against feasibility, weighted in the lecture's order of importance."""

    name = "fsdl"
    label = "FSDL impact x feasibility"
    description = (
        "0.5 x impact + 0.5 x feasibility, where feasibility = 5 - 4 x (0.5 data cost + 0.3 accuracy cost "
        "+ 0.2 difficulty cost) and accuracy cost doubles with each step (super-linear). Range 1-5."
    )

    def score(self, project: Project, settings: Mapping[str, Any]) -> Score:
        # The score depends on the project's five impact values and three cost drivers alone, whole numbers
        # from 1 to 5 or None: projects with the same ones share one (immutable) score, made once.
        i, c = project.impact, project.cost
        key = (
            i.overall,
            i.cheap_prediction,
            i.product_friction,
            i.automation,
            i.peers,
            c.data_availability,
            c.accuracy_requirement,
            c.problem_difficulty,
        )
        try:
            got = _SCORES.get(key)
        except TypeError:  # (an unhashable value: no score of the reader's model)
            return self._score(project)
        if got is not None:  # (a key equal to one of whole numbers, such as 3.0 for 3, scores the same)
            return got
        if not all(v is None or type(v) is int for v in key):
            return self._score(project)
        if len(_SCORES) > _SCORES_BOUND:
            _SCORES.clear()
        got = _SCORES[key] = self._score(project)
        return got

    def _score(self, project: Project) -> Score:
        imp = impact_of(project)
        costs = driver_costs(project)
        missing = []
        if imp is None:
            missing.append("impact")
        c = project.cost
        for d in fw.COST_DRIVERS:
            if c.driver(d.id) is None:
                missing.append(d.id.replace("_", " "))
        if imp is None or costs is None:
            return Score.not_scorable("missing " + ", ".join(missing))
        terms = [
            _BASE_TERM,
            Term("impact", imp, 0.5, "overall impact" if project.impact.overall is not None else "mean of lenses"),
        ]
        for d in fw.COST_DRIVERS:
            name, weight, details = _COST_TERMS[d.id]
            score = c.driver(d.id)
            terms.append(Term(name, costs[d.id], weight, details.get(score or 0) or f"{d.label.lower()} {score}/5"))
        return Score.from_terms(terms)


_SCORES: dict[tuple[int | None, ...], Score] = {}  # `FsdlScorer.score` by the values it reads
_SCORES_BOUND = 100_000  # (at most 6^8 keys in all; a bound for a process that scores many files)

# The terms' parts every project shares, made once rather than for each project (memory at 100,000).
_BASE_TERM = Term("base", 1.0, 2.5, "feasibility at zero cost: 0.5 x 5")
_COST_TERMS = {
    d.id: (
        f"{d.label.lower()} cost",
        -0.5 * 4 * DRIVER_WEIGHTS[d.id],
        {v: f"{d.label.lower()} {v}/5" for v in range(1, 6)},
    )
    for d in fw.COST_DRIVERS
}
