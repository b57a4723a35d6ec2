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

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..domain.model import Portfolio, Project
from ..scoring.base import Scorer, safe_score

EPS = 1e-7
SMALL = 40  # a program with at most this many free projects goes to the solver without the LP presolve


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


@dataclass
class Program:
    """The 0/1 program of a plan, built once: the constraint rows as a sparse matrix (one row per resource
    with a budget, one per dependency `x_i - x_d <= 0`), the bounds after presolve, the scores and weeks."""

    cands: Sequence[Candidate]
    scores: np.ndarray
    weeks: np.ndarray
    matrix: Any  # scipy.sparse csr_array: (rows, candidates)
    hi: np.ndarray  # row upper bounds (every row is `<=`)
    lb: np.ndarray
    ub: np.ndarray
    resources: int  # the first `resources` rows are the budgets; the others the dependencies
    deps: list[tuple[int, int]]  # (i, d): i only with d

    @property
    def feasible(self) -> bool:
        return bool(np.all(self.lb <= self.ub))

    def fits(self, x: np.ndarray) -> bool:
        return bool(np.all(self.matrix @ x <= self.hi + EPS) and np.all(x >= self.lb) and np.all(x <= self.ub))


def program(
    cands: Sequence[Candidate], budgets: Mapping[str, float], forced: Mapping[str, int], production: set[str]
) -> Program:
    """Build the program directly as sparse rows, and presolve what is plain: a project that depends on one
    that cannot be chosen (not a candidate, or itself out), or whose effort alone exceeds a budget, is out."""
    from scipy.sparse import csr_array

    n = len(cands)
    index = {c.id: i for i, c in enumerate(cands)}
    scores = np.array([c.score for c in cands], dtype=float)
    weeks = np.array([c.weeks for c in cands], dtype=float)
    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    hi: list[float] = []
    lb, ub = np.zeros(n), np.ones(n)
    for r, (resource, cap) in enumerate(budgets.items()):
        effort = np.array([c.effort.get(resource, 0.0) for c in cands], dtype=float)
        nz = np.flatnonzero(effort)
        rows += [r] * nz.size
        cols += nz.tolist()
        data += effort[nz].tolist()
        hi.append(cap + EPS)
        ub[effort > cap + EPS] = 0  # does not fit alone
    deps: list[tuple[int, int]] = []
    for i, c in enumerate(cands):
        for dep in c.depends_on:
            if dep in production:
                continue
            if dep not in index:
                ub[i] = 0  # depends on a project that cannot be chosen
                continue
            deps.append((i, index[dep]))
    changed = True
    while changed:  # out if what it depends on is out
        changed = False
        for i, d in deps:
            if ub[d] == 0 and ub[i] != 0:
                ub[i], changed = 0, True
    for r, (i, d) in enumerate(deps, start=len(budgets)):
        rows += [r, r]
        cols += [i, d]
        data += [1.0, -1.0]
        hi.append(0.0)
    for pid, value in forced.items():
        if pid in index:
            if value == 0 or ub[index[pid]] != 0:
                lb[index[pid]] = ub[index[pid]] = value
            else:
                lb[index[pid]] = 1  # required but out: infeasible
    matrix = csr_array((data, (rows, cols)), shape=(len(hi), n))
    return Program(cands, scores, weeks, matrix, np.array(hi), lb, ub, len(budgets), deps)


def _incumbent(prog: Program, x_lp: np.ndarray) -> np.ndarray | None:
    """A plan that fits, from the LP's solution: its whole ones, then greedily the best score per week."""
    x = (x_lp > 1 - 1e-6).astype(float)
    if not prog.fits(x):
        return None
    efforts = prog.matrix[: prog.resources].toarray()  # (resources, candidates)
    room = (prog.hi[: prog.resources] - efforts @ x).tolist()
    columns = efforts.T.tolist()
    needs: dict[int, list[int]] = {}
    for i, d in prog.deps:
        needs.setdefault(i, []).append(d)
    ratio = prog.scores / np.maximum(prog.weeks, 1e-9)
    chosen = x.tolist()
    ub, scores = prog.ub.tolist(), prog.scores.tolist()
    for i in np.argsort(-ratio, kind="stable").tolist():
        if chosen[i] or ub[i] == 0 or scores[i] <= 0 or any(not chosen[d] for d in needs.get(i, ())):
            continue
        col = columns[i]
        if all(e <= r for e, r in zip(col, room, strict=True)):
            room = [r - e for e, r in zip(col, room, strict=True)]
            chosen[i] = 1.0
    x = np.array(chosen)
    return x if prog.fits(x) else None


def _rows(prog: Program, min_score: float | None) -> tuple[Any, np.ndarray]:
    """The program's `<=` rows, with `score >= min_score` as one more (negated) when asked."""
    from scipy.sparse import csr_array, vstack

    if min_score is None:
        return prog.matrix, prog.hi
    row = csr_array(-prog.scores[None, :])
    return vstack([prog.matrix, row]).tocsr(), np.append(prog.hi, -(min_score - EPS * max(1.0, abs(min_score))))


def reduce_by_bounds(prog: Program, min_score: float | None = None) -> Program:
    """Presolve by the LP relaxation (reduced-cost fixing): with the LP's bound and a plan that fits, a
    project whose reduced cost exceeds the gap between them keeps its LP value in every optimal plan
    (choosing otherwise costs more than the gap), so it is fixed. Exact: every plan it leaves out is worse
    than the plan that fits. For the best score, or (with `min_score`) for the fewest weeks reaching it."""
    from scipy.optimize import linprog

    free = prog.lb < prog.ub
    if free.sum() <= SMALL or not prog.feasible:  # small enough for the solver as it is
        return prog
    cost = -prog.scores if min_score is None else prog.weeks
    matrix, hi = _rows(prog, min_score)
    sub, rest = _free_rows(matrix, hi, free, prog.lb)
    if sub is None:
        return prog
    lp = linprog(cost[free], A_ub=sub, b_ub=rest, bounds=(0, 1), method="highs")
    if lp.status != 0 or lp.x is None:
        return prog
    x_lp = prog.lb.copy()
    x_lp[free] = lp.x
    lower, upper = np.zeros(len(free)), np.zeros(len(free))
    lower[free] = np.abs(lp.lower.marginals)  # the LP cost of raising a project at 0, per unit
    upper[free] = np.abs(lp.upper.marginals)  # ... of lowering a project at 1
    lp_value = float(lp.fun + cost[~free] @ prog.lb[~free])
    # For the fewest weeks, rounding up keeps the dependencies and reaches the score.
    x = _incumbent(prog, x_lp) if min_score is None else (x_lp > 1e-6).astype(float)
    if x is None or not (np.all(matrix @ x <= hi + EPS) and np.all(x >= prog.lb) and np.all(x <= prog.ub)):
        return prog
    gap = float(cost @ x) - lp_value
    margin = max(gap, 0.0) + 1e-6 * max(1.0, abs(lp_value))
    lb, ub = prog.lb.copy(), prog.ub.copy()
    ub[free & (x_lp < 1e-9) & (lower > margin)] = 0
    lb[free & (x_lp > 1 - 1e-9) & (upper > margin)] = 1
    return dataclasses.replace(prog, lb=lb, ub=ub)


def _free_rows(matrix: Any, hi: np.ndarray, free: np.ndarray, x: np.ndarray) -> tuple[Any, np.ndarray]:
    """The rows over the free projects only, the fixed ones (at `x`) moved into the bounds; rows left with
    no free project are dropped. (None, ...) when a dropped row is already broken."""
    rest = hi - matrix[:, ~free] @ x[~free] if (~free).any() else hi
    sub = matrix[:, free].tocsr()
    used = np.diff(sub.indptr) > 0
    if np.any(rest[~used] < -EPS):
        return None, rest
    return sub[used], rest[used]


def _solve(prog: Program, min_score: float | None = None) -> np.ndarray | None:
    """The 0/1 vector of the best plan (by score, or by fewest weeks given `min_score`), None if infeasible.
    Only the free projects go to the solver: the fixed ones are taken out of the rows' bounds."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(prog.cands)
    if n == 0:
        return np.zeros(0)
    if not prog.feasible:
        return None
    matrix, hi = _rows(prog, min_score)
    free = prog.lb < prog.ub
    x = prog.lb.copy()
    if not free.any():
        rest = hi - matrix @ x
        return np.round(x).astype(int) if np.all(rest >= -EPS) else None
    sub, rest = _free_rows(matrix, hi, free, x)
    if sub is None:
        return None  # a row the fixed projects already break
    objective = (prog.weeks if min_score is not None else -prog.scores)[free]
    constraints = [LinearConstraint(sub, np.full(rest.shape, -np.inf), rest)] if sub.shape[0] else []
    k = int(free.sum())
    res = milp(
        objective,
        integrality=np.ones(k),
        bounds=Bounds(np.zeros(k), np.ones(k)),
        constraints=constraints,
        options={"mip_rel_gap": 0.0},
    )
    if res.status != 0 or res.x is None:
        return None
    x[free] = np.round(res.x)
    out: np.ndarray = x.astype(int)
    return out


def best_plan(
    cands: Sequence[Candidate], budgets: Mapping[str, float], forced: Mapping[str, int], production: set[str]
) -> np.ndarray | None:
    """Best total score; among those, fewest weeks (both on the presolved program)."""
    prog = reduce_by_bounds(program(cands, budgets, forced, production))
    x = _solve(prog)
    if x is None or len(cands) == 0:
        return x
    best = float(prog.scores @ x)
    y = _solve(prog, min_score=best)
    return x if y is None else y


SCAN = 200  # whole weeks tried one by one for the front, at most
STEP = 1e-4  # a front point beats the one before by at least this much (scores show two decimals)


def forest_order(cands: Sequence[Candidate], production: set[str]) -> tuple[list[int], list[int]] | None:
    """The candidates as a forest (each one needs at most one other candidate, its parent), in preorder, with
    for each position the position just past its subtree; None when a candidate needs two or more (or the
    needs make a cycle). A project that needs one that is neither a candidate nor in production cannot be
    chosen: it and its subtree are left out of the order."""
    index = {c.id: i for i, c in enumerate(cands)}
    children: list[list[int]] = [[] for _ in cands]
    roots: list[int] = []
    for i, c in enumerate(cands):
        needs = [d for d in dict.fromkeys(c.depends_on) if d not in production]
        if len(needs) > 1:
            return None
        if not needs:
            roots.append(i)
        elif needs[0] in index:
            children[index[needs[0]]].append(i)
    order: list[int] = []
    end: list[int] = []
    stack: list[tuple[int, int]] = [(r, -1) for r in reversed(roots)]
    while stack:  # preorder; (i, position) closes the subtree that starts at that position
        i, at = stack.pop()
        if at >= 0:
            end[at] = len(order)
            continue
        stack.append((i, len(order)))
        order.append(i)
        end.append(-1)
        stack.extend((ch, -1) for ch in reversed(children[i]))
    if len(order) < len(cands):  # the others need, in the end, a project that is out; or form a cycle
        missing = {i for i, c in enumerate(cands) if any(d not in production and d not in index for d in c.depends_on)}
        placed = set(order)
        parent = {ch: i for i, kids in enumerate(children) for ch in kids}
        for i in range(len(cands)):
            seen: set[int] = set()
            while i not in placed and i not in missing:
                if i in seen:
                    return None  # a cycle: not a forest
                seen.add(i)
                i = parent[i]
    return order, end


def front_by_weeks(
    cands: Sequence[Candidate], production: set[str], capacity: int
) -> tuple[np.ndarray, Callable[[int], np.ndarray]] | None:
    """The best total score within each whole number of weeks 0..capacity, exactly, by one dynamic program
    over the forest of dependencies (`forest_order`): in preorder, a project is either left out with its
    whole subtree, or taken (its weeks spent) and its subtree considered next. Needs whole weeks and at most
    one dependency per project; None otherwise. Returns (best score by weeks, a function giving the chosen
    0/1 vector within some weeks)."""
    forest = forest_order(cands, production)
    if forest is None:
        return None
    order, end = forest
    m = len(order)
    table = np.zeros((m + 1, capacity + 1))  # table[p, w]: the best of positions p.. within w weeks
    for p in range(m - 1, -1, -1):
        c = cands[order[p]]
        w = int(c.weeks)
        row = table[end[p]].copy()
        if w <= capacity:
            take = table[p + 1, : capacity + 1 - w] + c.score
            np.maximum(row[w:], take, out=row[w:])
        table[p] = row

    def chosen(weeks: int) -> np.ndarray:
        x = np.zeros(len(cands))
        p, w = 0, weeks
        while p < m:
            if table[p, w] == table[end[p], w]:
                p = end[p]  # leaving it out is as good
                continue
            x[order[p]] = 1
            w -= int(cands[order[p]].weeks)
            p += 1
        return x

    return table[0], chosen


def pareto_front(
    cands: Sequence[Candidate], budgets: Mapping[str, float], production: set[str], limit: int = 20
) -> list[tuple[float, float]]:
    """The value-vs-effort front from 0 weeks up: each point the fewest weeks that reach a better total score
    than the point before, with the best score within those weeks (up to `limit` points)."""
    others = {k: v for k, v in budgets.items() if k != "weeks"}
    total = float(sum(c.weeks for c in cands))
    weeks = np.array([c.weeks for c in cands], dtype=float)
    scores = np.array([c.score for c in cands], dtype=float)
    front: list[tuple[float, float]] = [(0.0, 0.0)]
    best, chosen = 0.0, np.zeros(len(cands))
    ceiling = float(np.clip(scores, 0, None).sum())  # no plan scores more
    whole = bool(np.all(weeks == np.round(weeks)))
    dp = front_by_weeks(cands, production, int(min(total, SCAN))) if whole and not others else None
    if dp is not None:
        # Whole weeks, one dependency at most, no other budget: the best score within each whole number of
        # weeks up to SCAN at once; a point wherever it beats the one before.
        by_weeks, chosen_within = dp
        at = 0
        for week in range(1, by_weeks.size):
            if len(front) >= limit or best >= ceiling - STEP:
                return front
            if by_weeks[week] >= best + STEP:
                best, at = float(by_weeks[week]), week
                front.append((float(week), best))
        chosen = chosen_within(at)
    elif whole:
        # Whole weeks: every plan takes a whole number of weeks, so the next point is the first whole number
        # of weeks whose best plan beats the last point: one small (presolved) solve per week tried, for
        # as many weeks as SCAN (then the general way below).
        w = 0.0
        for _ in range(SCAN):
            if len(front) >= limit or w >= total or best >= ceiling - STEP:
                return front
            w += 1.0
            x = _solve(reduce_by_bounds(program(cands, {"weeks": w, **others}, {}, production)))
            if x is not None and float(scores @ x) >= best + STEP:
                best, chosen = float(scores @ x), x.astype(float)
                front.append((float(weeks @ x), best))
    while len(front) < limit and best < ceiling - STEP:
        # The cheapest plan that beats the best score so far. The last point's plan plus one more project
        # beats it, so no plan over those weeks is needed: projects longer than that are out (presolve).
        reach = total
        taken = {c.id for c, xi in zip(cands, chosen, strict=True) if xi}
        used = {k: sum(c.effort.get(k, 0.0) for c in cands if c.id in taken) for k in others}
        for c, xi in zip(cands, chosen, strict=True):
            if xi or c.score <= 0 or any(d not in taken and d not in production for d in c.depends_on):
                continue
            if all(used[k] + c.effort.get(k, 0.0) <= v for k, v in others.items()):
                reach = min(reach, float(weeks @ chosen) + c.weeks)
        near = program(cands, {"weeks": reach, **others}, {}, production)
        x = _solve(reduce_by_bounds(near, best + STEP), min_score=best + STEP)
        if x is None:
            break
        w = float(weeks @ x)
        # The best score within those weeks (it may beat `best` by more than asked; it needs all w weeks,
        # as fewer do not beat `best`, so one solve is enough).
        x2 = _solve(reduce_by_bounds(program(cands, {"weeks": w, **others}, {}, production)))
        if x2 is not None:
            x = x2
        w, s = float(weeks @ x), float(scores @ x)
        if s < best + STEP / 2:
            break
        front.append((w, s))
        best, chosen = s, x.astype(float)
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
