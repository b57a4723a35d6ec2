"""Uncertainty in, rank probabilities out; and whether the order survives a change of weights.

`sample_ranks` draws the inputs many times (a rater's numbers, resampled from the raters who rated that
project; else a uniform whole number within the project's range; else the point value), scores every draw,
ranks it (ties broken at random) and reports for each project the probability of being in the top k and the
90% interval of its rank. `sensitivity` moves the scorer's weights instead of the inputs.

The `fsdl` and `weighted` scorers are evaluated vectorized (numpy); any other scorer is called per project
and draw, with the number of draws capped so that it stays bounded. Formulas: docs/decide.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..domain import framework as fw
from ..domain.fields import get_field, set_field
from ..domain.model import Portfolio, Project
from ..scoring.base import DRIVER_WEIGHTS, FsdlScorer, Scorer, safe_score
from ..storage.ratings import RATING_FIELDS, RaterFile

FIELDS: tuple[str, ...] = tuple(RATING_FIELDS)
LENSES: tuple[str, ...] = tuple(lens.id for lens in fw.IMPACT_LENSES)
DRIVERS: tuple[str, ...] = tuple(d.id for d in fw.COST_DRIVERS)
CHUNK = 1000  # draws sampled and scored at a time
GENERIC_BUDGET = 200_000  # scorer calls at most, for a scorer that cannot be vectorized

Ranges = Mapping[str, Mapping[str, tuple[int, int]]]  # project id -> rating field -> (low, high)


def point_value(project: Project, name: str) -> float:
    v = get_field(project, RATING_FIELDS[name][0])
    return float("nan") if v is None else float(v)


def ranges_of(portfolio: Portfolio) -> dict[str, dict[str, tuple[int, int]]]:
    """Each project's documented low/high ranges (`[projects.range]`, e.g. `impact = [3, 5]`), by rating field."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for p in portfolio.projects:
        row = {
            key: value
            for key in ("impact", "data_availability", "accuracy_requirement", "problem_difficulty")
            if (value := getattr(p.range, key)) is not None
        }
        if row:
            out[p.id] = row
    return out


@dataclass
class Draws:
    """Sampled inputs: field -> array (draws, projects), NaN where a value is missing."""

    values: dict[str, np.ndarray]
    source: list[str]  # per project: "ratings", "range" or "point"


class Sampler:
    """Draws inputs for a fixed set of projects, chunk by chunk (so memory stays bounded at any size)."""

    def __init__(self, projects: Sequence[Project], raters: Sequence[RaterFile], ranges: Ranges) -> None:
        n = len(projects)
        self.n = n
        self.point = {f: np.array([point_value(p, f) for p in projects], dtype=float) for f in FIELDS}
        # The raters' values: field -> (raters, projects), NaN where a rater left it out.
        self.rv = {f: np.full((len(raters), n), np.nan) for f in FIELDS}
        col = {p.id: j for j, p in enumerate(projects)}
        for i, rf in enumerate(raters):
            for pid, row in rf.scores.items():
                j = col.get(pid)
                if j is None:
                    continue
                for f, v in row.items():
                    self.rv[f][i, j] = v
        rated = np.zeros((len(raters), n), dtype=bool)
        for f in FIELDS:
            rated |= ~np.isnan(self.rv[f])
        self.counts = rated.sum(axis=0)
        # A value a rater left out is the project's point value: filled in once, flat for np.take.
        self.filled = {f: np.where(np.isnan(self.rv[f]), self.point[f][None, :], self.rv[f]).ravel() for f in FIELDS}
        # For each project, the raters who rated it first (a stable sort of "not rated").
        self.order = np.argsort(~rated, axis=0, kind="stable") if len(raters) else np.zeros((1, n), dtype=int)
        self.rated_cols = np.flatnonzero(self.counts > 0)
        self.source = ["ratings" if self.counts[j] else "point" for j in range(n)]
        # Ranges apply to projects nobody rated: field -> (columns, low, high).
        self.ranges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for f in FIELDS:
            cols, lo, hi = [], [], []
            for p in projects:
                j = col[p.id]
                r = ranges.get(p.id, {}).get(f)
                if r is not None and not self.counts[j]:
                    cols.append(j)
                    lo.append(r[0])
                    hi.append(r[1])
                    self.source[j] = "range"
            if cols:
                self.ranges[f] = (np.array(cols), np.array(lo), np.array(hi))

    def draw(self, draws: int, rng: np.random.Generator) -> Draws:
        n = self.n
        values: dict[str, np.ndarray] = {}
        cols = self.rated_cols
        flat = None
        if cols.size:
            # One rater per draw and project, uniformly among those who rated it.
            u = (rng.random((draws, cols.size)) * self.counts[cols]).astype(np.intp)
            flat = self.order[u, cols[None, :]] * n + cols[None, :]
        for f in FIELDS:
            varies = (flat is not None and not np.isnan(self.rv[f][:, cols]).all()) or f in self.ranges
            if not varies:
                values[f] = np.broadcast_to(self.point[f], (draws, n))
                continue
            if flat is not None and cols.size == n:
                v = np.take(self.filled[f], flat)
            else:
                v = np.repeat(self.point[f][None, :], draws, axis=0)
                if flat is not None:
                    v[:, cols] = np.take(self.filled[f], flat)
            if f in self.ranges:
                rcols, lo, hi = self.ranges[f]
                v[:, rcols] = rng.integers(lo, hi + 1, size=(draws, rcols.size))
            values[f] = v
        return Draws(values, self.source)


def sample_inputs(
    projects: Sequence[Project],
    raters: Sequence[RaterFile],
    ranges: Ranges,
    draws: int,
    rng: np.random.Generator,
) -> Draws:
    """`draws` samples of every project's inputs (see the module's docstring)."""
    return Sampler(projects, raters, ranges).draw(draws, rng)


def _impact(values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Overall impact, else the mean of the lenses that are set (computed only where overall is missing)."""
    overall = values["impact"]
    missing = np.isnan(overall)
    if not missing.any():
        return overall
    cols = np.flatnonzero(missing.any(axis=0))
    lenses = np.stack([values[lens][:, cols] for lens in LENSES])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice": no lens set
        mean = np.nanmean(lenses, axis=0)
    out = np.array(overall, dtype=float)
    out[:, cols] = np.where(missing[:, cols], mean, overall[:, cols])
    return out


def _costs(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "data_availability": (5 - values["data_availability"]) / 4,
        "accuracy_requirement": (2 ** (values["accuracy_requirement"] - 1) - 1) / 15,
        "problem_difficulty": (values["problem_difficulty"] - 1) / 4,
    }


FSDL_WEIGHTS: dict[str, float] = {"impact": 0.5, "feasibility": 0.5, **DRIVER_WEIGHTS}


def fsdl_scores(
    values: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray | float] | None = None
) -> np.ndarray:
    """The `fsdl` score, elementwise: w_i impact + w_f (5 - 4 sum_k d_k cost_k); NaN where not scorable."""
    w = dict(FSDL_WEIGHTS) if weights is None else dict(weights)
    costs = _costs(values)
    weighted = sum(np.asarray(w[k]) * costs[k] for k in DRIVER_WEIGHTS)
    out: np.ndarray = np.asarray(w["impact"]) * _impact(values) + np.asarray(w["feasibility"]) * (5 - 4 * weighted)
    return out


def weighted_scores(values: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray | float]) -> np.ndarray:
    """The `weighted` score, elementwise; NaN where a field with a non-zero weight is missing."""
    total: np.ndarray | float = 0.0
    for key, wt in weights.items():
        if key == "impact":
            v = _impact(values)
        elif key in values:
            v = values[key]
        else:
            raise KeyError(key)
        total = total + np.asarray(wt) * v
    return np.asarray(total)


def _vectorized(scorer: Scorer, settings: Mapping[str, Any]) -> tuple[str, dict[str, float]] | None:
    """('fsdl'|'weighted', weights) when the scorer has a vectorized form, else None."""
    from ..scoring.weighted import SettingsError, WeightedScorer, parse_weights

    if type(scorer) is FsdlScorer:  # not a subclass: its score() may differ
        return "fsdl", dict(FSDL_WEIGHTS)
    if isinstance(scorer, WeightedScorer):
        try:
            weights = parse_weights(settings)
        except SettingsError:
            return None
        if "flags" in weights:
            return None
        return "weighted", weights
    return None


def _generic_scores(
    scorer: Scorer, settings: Mapping[str, Any], projects: Sequence[Project], d: Draws, draws: int
) -> np.ndarray:
    out = np.full((draws, len(projects)), np.nan)
    for j, p in enumerate(projects):
        if d.source[j] == "point":
            s = safe_score(scorer, p, settings).value
            out[:, j] = np.nan if s is None else s
            continue
        for t in range(draws):
            q = p
            for f in FIELDS:
                v = d.values[f][t, j]
                if not np.isnan(v):
                    q = set_field(q, RATING_FIELDS[f][0], int(v))
            s = safe_score(scorer, q, settings).value
            out[t, j] = np.nan if s is None else s
    return out


def ranks_of(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0-based ranks per draw (row): higher score first, NaN (not scorable) last, ties at random."""
    draws, n = scores.shape
    # Equal scores are ordered at random: a jitter far below any real difference between two scores.
    key = np.where(np.isnan(scores), np.inf, -scores)
    key = key + rng.random((draws, n)) * 1e-9 * (1 + np.abs(np.where(np.isinf(key), 0, key)))
    order = np.argsort(key, axis=-1)
    ranks = np.empty((draws, n), dtype=np.int32)
    rows = np.arange(draws)[:, None]
    ranks[rows, order] = np.arange(n, dtype=np.int32)[None, :]
    return ranks


@dataclass
class ProjectOdds:
    project_id: str
    point_rank: int | None
    p_top_k: float
    rank_interval: tuple[int, int]  # 90%: 5th to 95th percentile, 1-based
    source: str
    tied_with: list[str] = field(default_factory=list)


@dataclass
class UncertaintyResult:
    draws: int
    top_k: int
    seed: int | None
    scorer: str
    projects: list[ProjectOdds]
    note: str = ""


def _scores_for(
    scorer: Scorer, settings: Mapping[str, Any], projects: Sequence[Project], d: Draws, draws: int
) -> np.ndarray:
    vec = _vectorized(scorer, settings)
    if vec is None:
        return _generic_scores(scorer, settings, projects, d, draws)
    kind, weights = vec
    return fsdl_scores(d.values) if kind == "fsdl" else weighted_scores(d.values, weights)


def sample_ranks(
    portfolio: Portfolio,
    scorer: Scorer,
    raters: Sequence[RaterFile] = (),
    *,
    draws: int = 2000,
    top_k: int = 3,
    seed: int | None = None,
    ranges: Ranges | None = None,
) -> UncertaintyResult:
    """Each project's chance of a top-k place and its 90% rank interval, over `draws` samples."""
    settings = portfolio.scoring.get(scorer.name, {})
    projects = list(portfolio.projects)
    n = len(projects)
    draws = max(1, draws)
    note = ""
    if _vectorized(scorer, settings) is None and n:
        cap = max(1, GENERIC_BUDGET // n)
        if draws > cap:
            note = f"scorer '{scorer.name}' is scored project by project: draws capped at {cap}"
            draws = cap
    rng = np.random.default_rng(seed)
    sampler = Sampler(projects, raters, ranges_of(portfolio) if ranges is None else ranges)
    scores = np.empty((draws, n))
    for start in range(0, draws, CHUNK):
        size = min(CHUNK, draws - start)
        scores[start : start + size] = _scores_for(scorer, settings, projects, sampler.draw(size, rng), size)
    ranks = ranks_of(scores, rng)
    scorable = ~np.isnan(scores)
    # The point ranking, as `rank` shows it.
    point = np.array([safe_score(scorer, p, settings).value for p in projects], dtype=float)
    order = sorted((j for j in range(n) if not np.isnan(point[j])), key=lambda j: (-point[j], j))
    point_rank = {j: r + 1 for r, j in enumerate(order)}
    k = max(1, top_k)
    by_project = np.ascontiguousarray(ranks.T)  # (projects, draws): each project's ranks side by side
    p_top = ((by_project < k) & scorable.T).mean(axis=1)
    # The 90% interval: the 5th percentile rounded down and the 95th rounded up, from one partial sort.
    i_lo, i_hi = int(np.floor(0.05 * (draws - 1))), int(np.ceil(0.95 * (draws - 1)))
    part = np.partition(by_project, [i_lo, i_hi], axis=1)
    lo, hi = part[:, i_lo] + 1, part[:, i_hi] + 1
    out = [
        ProjectOdds(
            p.id,
            point_rank.get(j),
            float(p_top[j]) if scorable[:, j].any() else 0.0,
            (int(lo[j]), int(hi[j])),
            sampler.source[j],
        )
        for j, p in enumerate(projects)
    ]
    # "Tied with": neighbours in the point ranking that this project beats in fewer than 90% of draws.
    for a, b in itertools.pairwise(order):
        p_ahead = float((by_project[a] < by_project[b]).mean())
        if p_ahead < 0.9:
            out[a].tied_with.append(projects[b].id)
            out[b].tied_with.append(projects[a].id)
    out.sort(key=lambda o: (o.point_rank is None, o.point_rank or 0))
    return UncertaintyResult(draws, k, seed, scorer.name, out, note)


# --- sensitivity to the weights --------------------------------------------------------------------------


@dataclass
class Swap:
    """Changing `field` of `project` from `old` to `new` would swap `above` and `below`."""

    above: str
    below: str
    project: str
    field: str
    old: int
    new: int

    @property
    def change(self) -> int:
        return self.new - self.old


@dataclass
class SensitivityResult:
    scorer: str
    top_k: int
    perturb: float
    draws: int
    stable_share: float | None  # share of draws with the same top-k set; None if the scorer has no weights
    top: list[str]
    swaps: list[Swap]
    note: str = ""


def _point_ranking(portfolio: Portfolio, scorer: Scorer) -> list[tuple[Project, float]]:
    settings = portfolio.scoring.get(scorer.name, {})
    scored = [(i, p, safe_score(scorer, p, settings).value) for i, p in enumerate(portfolio.projects)]
    rows = [(i, p, v) for i, p, v in scored if v is not None]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return [(p, v) for _, p, v in rows]


def smallest_swap(portfolio: Portfolio, scorer: Scorer, above: Project, below: Project) -> list[Swap]:
    """For each main input of the two projects, the smallest one-field change that puts `below` first."""
    settings = portfolio.scoring.get(scorer.name, {})
    index = {p.id: i for i, p in enumerate(portfolio.projects)}

    def beats(x: Project, y: Project) -> bool:
        sx, sy = safe_score(scorer, x, settings).value, safe_score(scorer, y, settings).value
        if sx is None or sy is None:
            return False
        return sx > sy or (sx == sy and index[x.id] < index[y.id])

    out: list[Swap] = []
    for who, other, first in ((below, above, True), (above, below, False)):
        for f in ("impact", "data_availability", "accuracy_requirement", "problem_difficulty"):
            path = RATING_FIELDS[f][0]
            cur = point_value(who, f)
            if np.isnan(cur):
                continue
            best: Swap | None = None
            for new in sorted(range(1, 6), key=lambda v: abs(v - cur)):
                if new == cur:
                    continue
                q = set_field(who, path, new)
                swapped = beats(q, other) if first else beats(other, q)
                if swapped:
                    best = Swap(above.id, below.id, who.id, f, int(cur), new)
                    break
            if best is not None:
                out.append(best)
    out.sort(key=lambda s: abs(s.change))
    return out


def sensitivity(
    portfolio: Portfolio,
    scorer: Scorer,
    *,
    top_k: int = 3,
    perturb: float = 0.2,
    draws: int = 2000,
    seed: int | None = None,
) -> SensitivityResult:
    """How often the top-k set survives weights moved by up to +-perturb, and the swaps around the cut."""
    settings = portfolio.scoring.get(scorer.name, {})
    ranking = _point_ranking(portfolio, scorer)
    k = max(1, min(top_k, len(ranking)))
    top = [p.id for p, _ in ranking[:k]]
    note = ""
    stable: float | None = None
    vec = _vectorized(scorer, settings)
    if vec is not None and ranking:
        kind, weights = vec
        rng = np.random.default_rng(seed)
        projects = [p for p, _ in ranking]
        values = {f: np.array([[point_value(p, f) for p in projects]]) for f in FIELDS}
        factors = {key: 1 + rng.uniform(-perturb, perturb, size=(draws, 1)) for key in weights}
        moved = {key: w * factors[key] for key, w in weights.items()}
        scores = fsdl_scores(values, moved) if kind == "fsdl" else weighted_scores(values, moved)
        scores = np.broadcast_to(scores, (draws, len(projects)))
        ranks = ranks_of(np.asarray(scores, dtype=float), rng)
        stable = float((ranks[:, :k] < k).all(axis=1).mean())
    elif ranking:
        note = f"scorer '{scorer.name}' has no weights fsdl-tui can move; only the swaps are shown"
    swaps: list[Swap] = []
    # Adjacent pairs around the cut: the last in and the first out, and one pair on each side of them.
    for a in range(max(0, k - 2), min(len(ranking) - 1, k + 1)):
        above, below = ranking[a][0], ranking[a + 1][0]
        found = smallest_swap(portfolio, scorer, above, below)
        swaps += found[:4]
    return SensitivityResult(scorer.name, k, perturb, draws, stable, top, swaps, note)


def to_json(result: UncertaintyResult) -> dict[str, Any]:
    return {
        "scorer": result.scorer,
        "draws": result.draws,
        "top_k": result.top_k,
        "seed": result.seed,
        "note": result.note,
        "projects": [
            {
                "id": o.project_id,
                "rank": o.point_rank,
                "p_top_k": o.p_top_k,
                "rank_interval": list(o.rank_interval),
                "source": o.source,
                "tied_with": o.tied_with,
            }
            for o in result.projects
        ],
    }


def sensitivity_json(result: SensitivityResult) -> dict[str, Any]:
    return {
        "scorer": result.scorer,
        "top_k": result.top_k,
        "perturb": result.perturb,
        "draws": result.draws,
        "stable_share": result.stable_share,
        "top": result.top,
        "note": result.note,
        "swaps": [dataclasses.asdict(s) | {"change": s.change} for s in result.swaps],
    }
