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
from ..domain.fields import set_field
from ..domain.model import Portfolio, Project
from ..scoring.base import DRIVER_WEIGHTS, FsdlScorer, Scorer, safe_score
from ..storage.ratings import RATING_FIELDS, RaterFile

FIELDS: tuple[str, ...] = tuple(RATING_FIELDS)
LENSES: tuple[str, ...] = tuple(lens.id for lens in fw.IMPACT_LENSES)
DRIVERS: tuple[str, ...] = tuple(d.id for d in fw.COST_DRIVERS)
CHUNK = 128  # draws sampled, scored and counted at a time (one chunk's counts stay in cache)
GENERIC_BUDGET = 200_000  # scorer calls at most, for a scorer that cannot be vectorized

Ranges = Mapping[str, Mapping[str, tuple[int, int]]]  # project id -> rating field -> (low, high)


def point_value(project: Project, name: str) -> float:
    """The project's own value of a rating field (`impact.overall`, `cost.data_availability`, ...), NaN if unset.

    The field's path names the model's attributes, read directly: serializing the project (`get_field`) for
    every field of every project cost seconds at 1,000 projects."""
    value: Any = project
    for part in RATING_FIELDS[name][0].split("."):
        value = getattr(value, part, None)
    return float("nan") if value is None else float(value)


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


def _random_bits(rng: np.random.Generator, size: int, bits: int) -> np.ndarray:
    """`size` uniform whole numbers of `bits` bits (16 or 32), cut from the generator's raw 64-bit output."""
    dtype = np.dtype(f"<u{bits // 8}")
    raw = rng.bit_generator.random_raw(-(-size * dtype.itemsize // 8))
    out: np.ndarray = np.asarray(raw, dtype="<u8").view(dtype)[:size]
    return out


def lemire(x: np.ndarray, s: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Lemire's pick among s from x, a whole number of `bits` bits: the product m = x s, whose high bits
    (`m >> bits`) are the pick, and whether x must be drawn again (the low bits of m below 2**bits mod s).
    Each pick has exactly the same number of kept x: the picks are exactly uniform."""
    wide = np.uint32 if bits == 16 else np.uint64
    s = np.asarray(s).astype(wide)
    m = np.multiply(x, s, dtype=wide)
    again: np.ndarray = m.astype(x.dtype) < ((1 << bits) % s).astype(x.dtype)
    return m, again


def _picks(rng: np.random.Generator, counts: np.ndarray, draws: int, bits: int) -> np.ndarray:
    """(rows, draws) uniform picks among `counts[row]` (`lemire`), an x drawn again until it is kept.
    Returns the products (the pick: `>> bits`)."""
    x = _random_bits(rng, counts.size * draws, bits).reshape(counts.size, draws)
    m, bad = lemire(x, counts[:, None], bits)
    if bad.any():
        again, flat = np.flatnonzero(bad), m.reshape(-1)
        while again.size:
            v, bad = lemire(_random_bits(rng, again.size, bits), counts[again // draws], bits)
            flat[again] = v
            again = again[bad]
    return m


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
            known = [(j, row) for pid, row in rf.scores.items() if (j := col.get(pid)) is not None]
            rows = [row for _, row in known]
            used = set(itertools.chain.from_iterable(rows))
            js = np.array([j for j, _ in known], dtype=np.intp)
            for f in (f for f in FIELDS if f in used):  # one assignment per rater and field the rater used
                self.rv[f][i, js] = np.array([row.get(f) for row in rows], dtype=float)  # None: NaN
        rated = np.zeros((len(raters), n), dtype=bool)
        for f in FIELDS:
            rated |= ~np.isnan(self.rv[f])
        self.counts = rated.sum(axis=0)
        # A value a rater left out is the project's point value: filled in once, flat for np.take.
        self.filled = {f: np.where(np.isnan(self.rv[f]), self.point[f][None, :], self.rv[f]).ravel() for f in FIELDS}
        # For each project, the raters who rated it first (a stable sort of "not rated").
        self.order = np.argsort(~rated, axis=0, kind="stable") if len(raters) else np.zeros((1, n), dtype=int)
        self.rated_cols = np.flatnonzero(self.counts > 0)
        # Raters are picked with 16 random bits (32 beyond 4,096 raters of one project): `_picks`.
        self.bits = 16 if n == 0 or int(self.counts.max()) <= 4096 else 32
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

    def pick(self, draws: int, rng: np.random.Generator) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """The random part of `draws` samples, project by project (rows) and draw by draw (columns): for
        each rated project (`rated_cols`) the pick of its rater (`slots`: the position in `order`), uniform
        among those who rated it; for each field with ranges, the drawn whole numbers of its ranged
        projects."""
        m = _picks(rng, self.counts[self.rated_cols], draws, self.bits) if self.rated_cols.size else None
        drawn = {
            f: rng.integers(lo[:, None], hi[:, None] + 1, size=(rc.size, draws))
            for f, (rc, lo, hi) in self.ranges.items()
        }
        return m, drawn

    def slots(self, m: np.ndarray) -> np.ndarray:
        """Positions in `order` of the raters picked by `m` (from `pick`)."""
        out: np.ndarray = (m >> self.bits).astype(np.intp)
        return out

    def draw(self, draws: int, rng: np.random.Generator) -> Draws:
        n = self.n
        values: dict[str, np.ndarray] = {}
        cols = self.rated_cols
        m, drawn = self.pick(draws, rng)
        flat = None if m is None else (self.order[self.slots(m), cols[:, None]] * n + cols[:, None]).T
        for f in FIELDS:
            varies = (flat is not None and not np.isnan(self.rv[f][:, cols]).all()) or f in self.ranges
            if not varies:
                values[f] = np.broadcast_to(self.point[f], (draws, n))
                continue
            v = np.repeat(self.point[f][None, :], draws, axis=0)
            if flat is not None:
                v[:, cols] = np.take(self.filled[f], flat)
            if f in drawn:
                v[:, self.ranges[f][0]] = drawn[f].T
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


def _score_fn(kind: str, weights: Mapping[str, float]) -> Any:
    if kind == "fsdl":
        return fsdl_scores
    return lambda values: weighted_scores(values, weights)


def _scores_for(
    scorer: Scorer, settings: Mapping[str, Any], projects: Sequence[Project], d: Draws, draws: int
) -> np.ndarray:
    """Every draw's scores, (draws, projects), from sampled inputs: the reference path (and a plugin's)."""
    vec = _vectorized(scorer, settings)
    if vec is None:
        return _generic_scores(scorer, settings, projects, d, draws)
    out: np.ndarray = _score_fn(*vec)(d.values)
    return out


TIE = 1e-9  # scores within this relative distance are equal: the same place, ties shared (as `rank` rounds)
BINS = 1 << 22  # bins of one bincount at most: chunks of draws and blocks of projects stay within it
KEPT = 1 << 22  # cells (projects x draws) of packed places kept before they are folded into the histograms
BLOCK = 1 << 15  # cells binned at a time (a block of projects over the kept draws)


def codes_of(scores: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ordinal codes of scores, 0 the highest; scores equal within `TIE` share a code; NaN (not
    scorable) gets the last code. Returns (codes as int32, number of codes including the NaN code)."""
    flat = scores.ravel()
    ok = ~np.isnan(flat)
    values = flat[ok]
    uniq = np.unique(values)  # ascending
    if uniq.size > 1:
        apart = np.diff(uniq) > TIE * (1 + np.abs(uniq[1:]))
        group = np.concatenate(([0], np.cumsum(apart)))
    else:
        group = np.zeros(uniq.size, dtype=np.intp)
    groups = int(group[-1]) + 1 if uniq.size else 0
    codes = np.full(flat.shape, groups, dtype=np.int32)
    codes[ok] = (groups - 1) - group[np.searchsorted(uniq, values)]
    return codes.reshape(scores.shape), groups + 1


class ScoreTable:
    """The fast path of `sample_ranks` for a vectorized scorer: every rater's numbers are scored once, so a
    draw is a lookup. A draw resamples, for each project, one of the raters who rated it (their numbers stay
    together), so the project's score in that draw is that rater's score of it: `codes[project, rater]`,
    with the raters of each project in `Sampler.order`. Projects with a range (nobody rated them) are scored
    per draw from their drawn values."""

    def __init__(self, sampler: Sampler, kind: str, weights: Mapping[str, float]) -> None:
        self.sampler = sampler
        self.score = _score_fn(kind, weights)
        n = sampler.n
        point = self.score({f: sampler.point[f][None, :] for f in FIELDS})  # (1, projects)
        raters = sampler.rv[FIELDS[0]].shape[0]
        if raters and sampler.rated_cols.size:
            filled = {f: sampler.filled[f].reshape(raters, n) for f in FIELDS}
            by_rater = self.score(filled)  # (raters, projects)
            table = np.take_along_axis(by_rater, sampler.order, axis=0)  # the raters who rated it first
            table = np.where(np.arange(raters)[:, None] < sampler.counts[None, :], table, point)
        else:
            table = point
        self.values = np.ascontiguousarray(table.T)  # (projects, raters or 1): float scores
        codes, self.ncodes = codes_of(self.values)
        self.codes = codes.astype(np.int16) if self.ncodes <= 1 << 15 else codes  # smaller is faster to read
        self.flat_codes = self.codes.ravel()
        self.point_codes = self.codes[:, 0]
        self.width = self.values.shape[1]
        self.base = (sampler.rated_cols * self.width)[:, None]  # each rated project's row of `codes`
        # With 16-bit picks, the row goes in the high bits of the 32-bit products when it fits: one shift
        # then gives the index into `codes`.
        self.high = None
        if sampler.bits == 16 and self.base.size and int(self.base.max()) < 1 << 16:
            self.high = self.base.astype(np.uint32) << 16

    def _rated(self, m: np.ndarray) -> np.ndarray:
        """The codes of the rated projects (`rated_cols`) picked by `m` (`Sampler.pick`; changed here)."""
        if self.high is not None:
            m += self.high
            index = np.right_shift(m, 16, dtype=np.intp)
        else:
            index = np.add(m >> self.sampler.bits, self.base, dtype=np.intp)
        out: np.ndarray = np.take(self.flat_codes, index)
        return out

    def draw(self, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
        """(codes (projects, draws), number of codes) of `draws` samples. The random numbers are those of
        `Sampler.draw` (`Sampler.pick`), so a seed gives the same inputs on both paths."""
        s = self.sampler
        cols = s.rated_cols
        m, drawn = s.pick(draws, rng)
        if not drawn:
            if m is None:
                return np.broadcast_to(self.point_codes[:, None], (s.n, draws)), self.ncodes
            if cols.size == s.n:
                return self._rated(m), self.ncodes
            codes = np.repeat(self.point_codes[:, None], draws, axis=1)
            codes[cols] = self._rated(m)
            return codes, self.ncodes
        # Ranges: score the ranged projects' draws, then code this chunk's scores together.
        scores = np.repeat(self.values[:, :1], draws, axis=1)
        if m is not None:
            scores[cols] = np.take(self.values.ravel(), s.slots(m) + self.base)
        rcols = np.unique(np.concatenate([rc for rc, _, _ in s.ranges.values()]))
        where = {int(j): i for i, j in enumerate(rcols)}
        values = {f: np.repeat(s.point[f][rcols][:, None], draws, axis=1) for f in FIELDS}
        for f, (rc, _, _) in s.ranges.items():
            values[f][[where[int(j)] for j in rc]] = drawn[f]
        scores[rcols] = self.score(values)
        return codes_of(scores)


class RankTally:
    """Sums over draws, from each draw's score codes, of what `sample_ranks` reports. Within a draw, a
    project's place is `b` (how many score higher) plus its position among the `g` projects with its score;
    ties are broken at random, and each tied order is equally likely, so the tally takes the exact average
    over them: each place b..b+g-1 with weight 1/g in the project's histogram of places, and half of each
    tie between two neighbours. No sort: a bincount of each draw's codes gives b and g.

    Two passes. As the draws come (codes as (projects, draws)), each cell's b and g are looked up and kept,
    packed in one integer, chunk by chunk; then, a block of projects at a time over all the kept draws, the
    histograms' differences (weight 1/g from place b, -1/g from b + g) are binned: one bincount per block
    rather than per chunk of draws, over arrays that stay in cache. When the histograms are small enough to
    keep (n (n + 2) <= BINS), the kept cells are folded into them whenever `KEPT` cells have gathered. A row
    of the histograms has n + 2 places: a chunk narrower than `CHUNK` is padded with cells at place n, tie of
    one, which fall in the two places past the last."""

    def __init__(self, n: int, draws: int, top_k: int, order: Sequence[int]) -> None:
        self.n, self.draws, self.k = n, draws, top_k
        self.top = np.zeros(n)  # the expected number of draws in the top k (from the histograms)
        self.unscorable_top = np.zeros(n)
        self.diff = np.zeros(n * (n + 2)) if n * (n + 2) <= BINS else None
        # b and g of a cell side by side, read and written as one integer (twice as wide): 16 bits each up
        # to 65,535 projects.
        self.half = np.dtype(np.uint16 if n < 1 << 16 else np.uint32)
        self.whole = np.dtype(np.uint32 if n < 1 << 16 else np.uint64)
        self.pad = np.array([n, 1], dtype=self.half).view(self.whole)[0]  # place n, a tie of one
        room = draws if self.diff is None else max(1, min(draws, KEPT // max(1, n)))  # draws kept at most
        self.kept = np.empty((-(-room // CHUNK), n, CHUNK), dtype=self.whole)  # packed cells, chunk by chunk
        self.used = 0  # chunks in `kept`
        self.pairs = np.array(order, dtype=np.intp)  # the point ranking: each project against the next
        self.ahead = np.zeros(max(0, len(order) - 1))

    def add(self, codes: np.ndarray, ncodes: int) -> None:
        """Tally the draws of `codes`, (projects, draws), with `ncodes` codes (the last: not scorable)."""
        cols = min(CHUNK, max(1, BINS // max(1, ncodes)))
        for start in range(0, codes.shape[1], cols):
            self._add(codes[:, start : start + cols], ncodes)

    def _add(self, codes: np.ndarray, ncodes: int) -> None:
        c = codes.shape[1]
        if not self.n:
            return
        if self.used == self.kept.shape[0]:
            if self.diff is not None:
                self._fold()
            else:  # narrower chunks than planned (many codes): room for more
                self.kept = np.concatenate([self.kept, np.empty_like(self.kept)])
        # Counts by (draw, code), draw-major: one draw's counts lie together (a few kilobytes).
        key = np.add(codes, np.arange(0, c * ncodes, ncodes, dtype=np.intp)[None, :], dtype=np.intp)
        count = np.bincount(key.ravel(), minlength=c * ncodes)  # g of each cell
        # b of each cell: the running count over the chunk, less the count itself and the n of earlier draws.
        before = np.cumsum(count)
        before -= count
        before -= np.repeat(np.arange(0, c * self.n, self.n), ncodes)
        table = np.empty((count.size, 2), dtype=self.half)
        table[:, 0], table[:, 1] = before, count
        chunk = self.kept[self.used]
        kept = chunk[:, :c]
        np.take(table.view(self.whole).ravel(), key, out=kept, mode="clip")  # "clip": written without a buffer
        chunk[:, c:] = self.pad
        self.used += 1
        # The top-k share is read from the histogram of places; a draw with fewer than k scorable projects
        # would give the unscorable ones (the last code) a share: taken off here.
        if (before[ncodes - 1 :: ncodes] < self.k).any():
            b, g = _unpack(kept, self.half)
            share = np.clip((self.k - b.astype(float)) / g, 0.0, 1.0)
            self.unscorable_top += (share * (codes == ncodes - 1)).sum(axis=1)
        if self.pairs.size > 1:
            # In the point ranking's order, each against the next: ahead (+1), tied (0) or behind (-1).
            # (Codes are below 2**15 when they come as int16: their differences fit.)
            ordered = np.take(codes, self.pairs, axis=0)
            sign = np.sign(np.subtract(ordered[1:], ordered[:-1]))
            self.ahead += 0.5 * (c + sign.sum(axis=1, dtype=np.int32))

    def _blocks(self) -> range:
        """Starts of the blocks of projects binned together: a block's cells (rows x kept draws) fit in cache."""
        return range(0, self.n, max(1, min(BINS // (self.n + 2), BLOCK // max(1, self.used * CHUNK))))

    def _diff(self, start: int, rows: int) -> np.ndarray:
        """The histograms' differences of projects `start` to `start + rows` over the kept draws."""
        return _place_diff(self.kept[: self.used, start : start + rows], self.n, self.half)

    def _fold(self) -> None:
        """Add the kept draws to the histograms (when they are kept whole) and empty `kept`."""
        if self.diff is None or not self.used:
            return
        blocks, width = self._blocks(), self.n + 2
        for start in blocks:
            d = self._diff(start, blocks.step)
            self.diff[start * width : start * width + d.size] += d
        self.used = 0

    def p_ahead(self) -> np.ndarray:
        """For each pair of neighbours in the point ranking, the share of draws the first is ahead."""
        out: np.ndarray = self.ahead / self.draws
        return out

    def intervals(self, lo_q: float = 0.05, hi_q: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """1-based ranks at the `lo_q` and `hi_q` order statistics of each project's rank over the draws:
        order statistic i (0-based) is the smallest rank r with at least i + 1 draws at r or better, read
        from each project's histogram of places."""
        n, draws = self.n, self.draws
        i_lo, i_hi = int(np.floor(lo_q * (draws - 1))), int(np.ceil(hi_q * (draws - 1)))
        lo, hi = np.empty(n, dtype=np.intp), np.empty(n, dtype=np.intp)
        self._fold()
        blocks = self._blocks() if self.diff is None else range(0, n, max(1, n))
        for start in blocks:
            diff = self._diff(start, blocks.step) if self.diff is None else self.diff
            m = diff.size // (n + 2)
            cdf = np.cumsum(np.cumsum(diff.reshape(m, n + 2), axis=1)[:, :n], axis=1)
            self.top[start : start + m] = cdf[:, min(self.k, n) - 1]
            lo[start : start + m] = np.argmax(cdf >= i_lo + 1 - 1e-6, axis=1)
            hi[start : start + m] = np.argmax(cdf >= i_hi + 1 - 1e-6, axis=1)
        return lo + 1, hi + 1

    def p_top(self) -> np.ndarray:
        """Each project's share of draws in the top k (after `intervals`)."""
        out: np.ndarray = np.clip((self.top - self.unscorable_top) / self.draws, 0.0, 1.0)
        return out


def _unpack(packed: np.ndarray, half: np.dtype[Any]) -> tuple[np.ndarray, np.ndarray]:
    """b and g of packed cells (views, no copy)."""
    pairs = packed.view(half)
    return pairs[..., 0::2], pairs[..., 1::2]


def _place_diff(packed: np.ndarray, n: int, half: np.dtype[Any]) -> np.ndarray:
    """Histograms of places of a block of projects (`packed`: (chunks, projects, draws) cells, b and g
    side by side), (projects, n + 2) flattened, as differences: weight 1/g from place b on, -1/g from place
    b + g on (each place of a tie equally likely)."""
    rows = packed.shape[1]
    size = rows * (n + 2)
    b, g = _unpack(packed, half)
    weight = np.divide(1.0, g).ravel()
    at = np.add(b, (np.arange(rows, dtype=np.intp) * (n + 2))[None, :, None], dtype=np.intp)  # each project's row
    out: np.ndarray = np.bincount(at.ravel(), weight, size)
    at += g  # b + g: where each tie's places end
    out -= np.bincount(at.ravel(), weight, size)
    return out


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
    vec = _vectorized(scorer, settings)
    if vec is None and n:
        cap = max(1, GENERIC_BUDGET // n)
        if draws > cap:
            note = f"scorer '{scorer.name}' is scored project by project: draws capped at {cap}"
            draws = cap
    rng = np.random.default_rng(seed)
    sampler = Sampler(projects, raters, ranges_of(portfolio) if ranges is None else ranges)
    # The point ranking, as `rank` shows it.
    point = np.array([safe_score(scorer, p, settings).value for p in projects], dtype=float)
    order = sorted((j for j in range(n) if not np.isnan(point[j])), key=lambda j: (-point[j], j))
    point_rank = {j: r + 1 for r, j in enumerate(order)}
    k = max(1, top_k)
    tally = RankTally(n, draws, k, order)
    table = ScoreTable(sampler, *vec) if vec is not None else None
    for start in range(0, draws, CHUNK):
        size = min(CHUNK, draws - start)
        if table is not None:
            tally.add(*table.draw(size, rng))
        else:
            scores = _generic_scores(scorer, settings, projects, sampler.draw(size, rng), size)
            codes, ncodes = codes_of(np.ascontiguousarray(scores.T))
            tally.add(codes, ncodes)
    lo, hi = tally.intervals()
    p_top = tally.p_top()
    out = [
        ProjectOdds(p.id, point_rank.get(j), float(p_top[j]), (int(lo[j]), int(hi[j])), sampler.source[j])
        for j, p in enumerate(projects)
    ]
    # "Tied with": neighbours in the point ranking that this project beats in fewer than 90% of draws.
    for (a, b), p_ahead in zip(itertools.pairwise(order), tally.p_ahead(), strict=True):
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


def swap_label(s: Swap) -> str:
    """`b impact 3->4`: the project, the input and its change (plain text)."""
    return f"{s.project} {RATING_FIELDS[s.field][1].lower()} {s.old}->{s.new}"


def tornado(result: SensitivityResult) -> list[Swap]:
    """One bar per adjacent pair around the cut: the smallest single-input change that swaps the pair,
    the pairs sorted by how little change swaps them (then by their place in the ranking). A pair that no
    single change swaps has no bar."""
    first: dict[tuple[str, str], tuple[int, Swap]] = {}
    for i, s in enumerate(result.swaps):  # each pair's swaps come together, smallest first
        first.setdefault((s.above, s.below), (i, s))
    return [s for _, s in sorted(first.values(), key=lambda item: (abs(item[1].change), item[0]))]


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
