"""A plan within budget: the set of candidate projects with the largest total score whose effort fits.

Each project may carry an effort, `[projects.effort]` with `weeks = 6` (person-weeks) and optionally GPU-days
(`gpu_days = 30`), set with `fsdl-tui set PATH ID effort.weeks=6`. The plan is a 0/1 knapsack with dependencies, solved exactly as a mixed-integer
linear program (`scipy.optimize.milp`, the HiGHS solver):

    maximize    sum_i score_i x_i
    subject to  sum_i weeks_i x_i <= budget          (and one such row per other resource with a budget)
                x_i <= x_d  for each d in depends_on(i) that is not yet in production
                x_i = 1 for --require, x_i = 0 for --exclude,  x_i in {0, 1}

Among plans with the best total score, the one with the fewest weeks is chosen (a second solve). Killed,
on-hold (unless asked), production and unscorable projects are not candidates; projects without an
effort are listed apart. Details and a worked example: docs/decide.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..domain.model import Portfolio, Project
from ..scoring.base import Scorer, safe_score

EPS = 1e-7


class PlanError(ValueError):
    """The plan asked for cannot be made (a required project is not a candidate, or does not fit)."""


def effort_of(project: Project) -> dict[str, float] | None:
    """The project's effort by resource (`weeks`, `gpu_days`, ...), or None when it has none."""
    e = project.effort
    out: dict[str, float] = {}
    for key, value in (("weeks", e.weeks), ("gpu_days", e.gpu_days)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            continue
        out[str(key)] = float(value)
    return out if "weeks" in out else None


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    score: float
    effort: Mapping[str, float]
    depends_on: tuple[str, ...]

    @property
    def weeks(self) -> float:
        return self.effort["weeks"]


@dataclass
class LeftOut:
    id: str
    score: float
    weeks: float
    needs: str  # what it would take to include it


@dataclass
class Plan:
    scorer: str
    budget: float
    budgets: dict[str, float]
    chosen: list[str]
    total_score: float
    total_weeks: float
    totals: dict[str, float]
    next: list[LeftOut]
    pareto: list[tuple[float, float]]  # (weeks, best total score within those weeks), increasing
    not_candidates: dict[str, str] = field(default_factory=dict)  # id -> why
    no_effort: list[str] = field(default_factory=list)
    rows: list[Candidate] = field(default_factory=list)  # the chosen, in file order


def candidates(
    portfolio: Portfolio, scorer: Scorer, *, include_on_hold: bool = False
) -> tuple[list[Candidate], dict[str, str], list[str], set[str]]:
    """(candidates, not candidates with the reason, projects without an effort, ids in production)."""
    settings = portfolio.scoring.get(scorer.name, {})
    out: list[Candidate] = []
    why: dict[str, str] = {}
    no_effort: list[str] = []
    production = {p.id for p in portfolio.projects if p.stage == "production"}
    for p in portfolio.projects:
        if p.status == "killed":
            why[p.id] = "killed"
            continue
        if p.status == "on-hold" and not include_on_hold:
            why[p.id] = "on hold (--include-on-hold to plan it)"
            continue
        if p.id in production:
            why[p.id] = "already in production"
            continue
        s = safe_score(scorer, p, settings)
        if s.value is None:
            why[p.id] = f"not scorable: {s.reason}"
            continue
        effort = effort_of(p)
        if effort is None:
            no_effort.append(p.id)
            why[p.id] = "no effort (set effort.weeks)"
            continue
        out.append(Candidate(p.id, float(s.value), effort, tuple(p.depends_on)))
    return out, why, no_effort, production


def _solve(
    cands: Sequence[Candidate],
    budgets: Mapping[str, float],
    forced: Mapping[str, int],
    production: set[str],
    min_score: float | None = None,
) -> np.ndarray | None:
    """The 0/1 vector of the best plan (by score, or by fewest weeks given `min_score`), None if infeasible."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(cands)
    if n == 0:
        return np.zeros(0)
    index = {c.id: i for i, c in enumerate(cands)}
    scores = np.array([c.score for c in cands])
    weeks = np.array([c.weeks for c in cands])
    rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    for resource, cap in budgets.items():
        rows.append(np.array([c.effort.get(resource, 0.0) for c in cands]))
        lo.append(-np.inf)
        hi.append(cap + EPS)
    lb = np.zeros(n)
    ub = np.ones(n)
    for c in cands:
        i = index[c.id]
        for dep in c.depends_on:
            if dep in production:
                continue
            if dep not in index:
                ub[i] = 0  # depends on a project that cannot be chosen
                continue
            row = np.zeros(n)
            row[i], row[index[dep]] = 1.0, -1.0
            rows.append(row)
            lo.append(-np.inf)
            hi.append(0.0)
    for pid, value in forced.items():
        if pid in index:
            lb[index[pid]] = ub[index[pid]] = value
    if min_score is not None:
        rows.append(scores)
        lo.append(min_score - EPS * max(1.0, abs(min_score)))
        hi.append(np.inf)
    if np.any(lb > ub):
        return None
    constraints = [LinearConstraint(np.vstack(rows), np.array(lo), np.array(hi))] if rows else []
    objective = weeks if min_score is not None else -scores
    res = milp(objective, integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=constraints)
    if res.status != 0 or res.x is None:
        return None
    x: np.ndarray = np.round(res.x).astype(int)
    return x


def best_plan(
    cands: Sequence[Candidate], budgets: Mapping[str, float], forced: Mapping[str, int], production: set[str]
) -> np.ndarray | None:
    """Best total score; among those, fewest weeks."""
    x = _solve(cands, budgets, forced, production)
    if x is None or len(cands) == 0:
        return x
    best = float(np.dot([c.score for c in cands], x))
    y = _solve(cands, budgets, forced, production, min_score=best)
    return x if y is None else y


def pareto_front(
    cands: Sequence[Candidate], budgets: Mapping[str, float], production: set[str], limit: int = 20
) -> list[tuple[float, float]]:
    """The value-vs-effort front: for each number of weeks, the best total score within it (up to `limit`)."""
    others = {k: v for k, v in budgets.items() if k != "weeks"}
    total = float(sum(c.weeks for c in cands))
    scores = np.array([c.score for c in cands])
    weeks = np.array([c.weeks for c in cands])
    front: list[tuple[float, float]] = []
    best = 0.0
    front.append((0.0, 0.0))
    while len(front) < limit:
        # The cheapest plan that beats the best score so far, within the total effort.
        x = _solve(cands, {"weeks": total, **others}, {}, production, min_score=best + 1e-6)
        if x is None:
            break
        w, s = float(np.dot(weeks, x)), float(np.dot(scores, x))
        # The best score within those weeks (it may beat `best` by more than asked).
        x2 = best_plan(cands, {"weeks": w, **others}, {}, production)
        if x2 is not None:
            w, s = float(np.dot(weeks, x2)), float(np.dot(scores, x2))
        if s <= best + 1e-9:
            break
        front.append((w, s))
        best = s
    return front


def plan(
    portfolio: Portfolio,
    scorer: Scorer,
    budget: float,
    *,
    resources: Mapping[str, float] | None = None,
    require: Iterable[str] = (),
    exclude: Iterable[str] = (),
    include_on_hold: bool = False,
    next_count: int = 5,
) -> Plan:
    cands, why, no_effort, production = candidates(portfolio, scorer, include_on_hold=include_on_hold)
    known = {c.id for c in cands}
    budgets = {"weeks": float(budget), **{k: float(v) for k, v in (resources or {}).items()}}
    forced: dict[str, int] = {}
    for pid in require:
        if pid not in known:
            reason = why.get(pid, "no such project") if pid in portfolio else "no such project"
            raise PlanError(f"--require {pid}: not a candidate ({reason})")
        forced[pid] = 1
    for pid in exclude:
        if pid not in portfolio:
            raise PlanError(f"--exclude {pid}: no such project")
        forced[pid] = 0
    x = best_plan(cands, budgets, forced, production)
    if x is None:
        raise PlanError(
            "no plan fits: the required projects (and what they depend on) need more than the budget"
            if forced
            else "no plan fits the budget"
        )
    chosen = [c for c, xi in zip(cands, x, strict=True) if xi]
    totals = {r: float(sum(c.effort.get(r, 0.0) for c in chosen)) for r in budgets}
    slack = budgets["weeks"] - totals["weeks"]
    chosen_ids = {c.id for c in chosen}
    left = sorted((c for c in cands if c.id not in chosen_ids), key=lambda c: -c.score)
    nxt: list[LeftOut] = []
    for c in left[:next_count]:
        if forced.get(c.id) == 0:
            needs = "excluded (--exclude)"
        else:
            missing = [d for d in c.depends_on if d not in chosen_ids and d not in production]
            extra = max(0.0, c.weeks + sum(next((o.weeks for o in cands if o.id == d), 0.0) for d in missing) - slack)
            parts = [f"{extra:g} more weeks" if extra > EPS else "fits alone, but a better set uses the weeks"]
            if missing:
                parts.append("with " + ", ".join(missing))
            needs = " ".join(parts)
        nxt.append(LeftOut(c.id, c.score, c.weeks, needs))
    order = {p.id: i for i, p in enumerate(portfolio.projects)}
    return Plan(
        scorer=scorer.name,
        budget=float(budget),
        budgets=budgets,
        chosen=[c.id for c in sorted(chosen, key=lambda c: order[c.id])],
        total_score=float(sum(c.score for c in chosen)),
        total_weeks=totals["weeks"],
        totals=totals,
        next=nxt,
        pareto=pareto_front(cands, budgets, production),
        not_candidates=why,
        no_effort=no_effort,
        rows=sorted(chosen, key=lambda c: order[c.id]),
    )


def to_json(p: Plan) -> dict[str, Any]:
    return {
        "scorer": p.scorer,
        "budget": p.budget,
        "budgets": p.budgets,
        "chosen": p.chosen,
        "chosen_details": [{"id": c.id, "score": c.score, "effort": dict(c.effort)} for c in p.rows],
        "total_score": p.total_score,
        "total_weeks": p.total_weeks,
        "totals": p.totals,
        "next": [{"id": n.id, "score": n.score, "weeks": n.weeks, "needs": n.needs} for n in p.next],
        "pareto": [{"weeks": w, "total_score": s} for w, s in p.pareto],
        "not_candidates": p.not_candidates,
        "no_effort": p.no_effort,
    }
