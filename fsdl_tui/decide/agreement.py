"""Agreement between raters: Krippendorff's alpha, Kendall's W, consensus and the disputed projects.

Inputs are the raters' files (`fsdl_tui.storage.ratings`); every statistic allows missing ratings.
Formulas and when to trust each number: docs/decide.md.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..domain.fields import get_field, set_field
from ..domain.model import Portfolio
from ..storage.ratings import RATING_FIELDS, RaterFile

# A project is disputed on a field when the raters' values span at least this many points of the 1-5 scale.
DISPUTE_SPREAD = 2


@dataclass(frozen=True, slots=True)
class ProjectConsensus:
    """One project on one field: the raters' values, their median, and how far apart they are."""

    project_id: str
    values: dict[str, int]  # rater -> value
    median: float
    spread: int  # max - min
    low: list[str] = field(default_factory=list)  # raters at the minimum
    high: list[str] = field(default_factory=list)  # raters at the maximum

    @property
    def consensus(self) -> int:
        """The median as a whole number (halves to even): what `ratings --adopt` writes."""
        return round(self.median)

    @property
    def disputed(self) -> bool:
        return self.spread >= DISPUTE_SPREAD


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    field: str
    raters: int  # raters with at least one value on this field
    projects: int  # projects with at least one value
    pairable: int  # projects with two or more values (the only ones alpha can use)
    alpha: float | None  # Krippendorff's alpha, ordinal; None when undefined
    alpha_note: str
    kendall_w: float | None  # over projects every rater rated; None when fewer than 2 raters or projects
    w_projects: int
    projects_consensus: list[ProjectConsensus]


@dataclass(frozen=True, slots=True)
class Agreement:
    raters: list[str]
    fields: dict[str, FieldAgreement]
    disputed: list[tuple[str, str, ProjectConsensus]]  # (project id, field, consensus), most disputed first

    def consensus(self, project_id: str, field_name: str) -> ProjectConsensus | None:
        fa = self.fields.get(field_name)
        if fa is None:
            return None
        for pc in fa.projects_consensus:
            if pc.project_id == project_id:
                return pc
        return None


def matrix(raters: Sequence[RaterFile], project_ids: Sequence[str], field_name: str) -> np.ndarray:
    """Raters x projects, NaN where a rater did not rate."""
    out = np.full((len(raters), len(project_ids)), np.nan)
    col = {pid: j for j, pid in enumerate(project_ids)}
    for i, rf in enumerate(raters):
        for pid, row in rf.scores.items():
            j = col.get(pid)
            if j is not None and field_name in row:
                out[i, j] = row[field_name]
    return out


def krippendorff_alpha(data: np.ndarray) -> tuple[float | None, str]:
    """Ordinal Krippendorff's alpha over raters x units (NaN = missing), via the `krippendorff` package."""
    import krippendorff

    pairable = int(np.sum(np.sum(~np.isnan(data), axis=0) >= 2))
    if data.shape[0] < 2 or pairable == 0:
        return None, "needs two raters on at least one project"
    values = data[~np.isnan(data)]
    if np.unique(values).size < 2:
        return None, "every value is the same: alpha is undefined (no variation to agree on)"
    with np.errstate(divide="ignore", invalid="ignore"):
        a = float(
            krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5])
        )
    if not math.isfinite(a):
        return None, "undefined for these ratings"
    note = "" if pairable >= 5 else f"only {pairable} project(s) rated by two or more raters: treat as a rough sign"
    return a, note


def average_ranks(row: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given the mean of the ranks they span (as scipy.stats.rankdata's "average")."""
    order = np.argsort(row, kind="stable")
    ranks = np.empty(row.size)
    ranks[order] = np.arange(1, row.size + 1)
    values, inverse = np.unique(row, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks, minlength=values.size)
    counts = np.bincount(inverse, minlength=values.size)
    out: np.ndarray = (sums / counts)[inverse]
    return out


def kendall_w(data: np.ndarray) -> tuple[float | None, int]:
    """Kendall's W (with the tie correction) over the projects every rater rated; (None, n) when undefined.

    W = 12 S / (m^2 (n^3 - n) - m sum_j T_j), S = sum_i (R_i - mean R)^2, T_j = sum over tie groups (t^3 - t).
    """
    if data.shape[0] < 2:
        return None, 0
    complete = data[:, ~np.isnan(data).any(axis=0)]
    m, n = complete.shape
    if n < 2:
        return None, n
    ranks = np.vstack([average_ranks(row) for row in complete])
    totals = ranks.sum(axis=0)
    s = float(((totals - totals.mean()) ** 2).sum())
    ties = 0.0
    for row in complete:
        _, counts = np.unique(row, return_counts=True)
        ties += float(((counts**3) - counts).sum())
    denom = m**2 * (n**3 - n) - m * ties
    if denom <= 0:
        return None, n
    return 12 * s / denom, n


def project_consensus(raters: Sequence[RaterFile], project_id: str, field_name: str) -> ProjectConsensus | None:
    values = {
        rf.rater: rf.scores[project_id][field_name] for rf in raters if field_name in rf.scores.get(project_id, {})
    }
    if not values:
        return None
    lo, hi = min(values.values()), max(values.values())
    return ProjectConsensus(
        project_id,
        values,
        float(statistics.median(values.values())),
        hi - lo,
        sorted(r for r, v in values.items() if v == lo) if hi > lo else [],
        sorted(r for r, v in values.items() if v == hi) if hi > lo else [],
    )


def agreement(portfolio: Portfolio, raters: Sequence[RaterFile]) -> Agreement:
    """Every statistic for every field that at least one rater rated."""
    ids = [p.id for p in portfolio.projects]
    fields: dict[str, FieldAgreement] = {}
    disputed: list[tuple[str, str, ProjectConsensus]] = []
    for name in RATING_FIELDS:
        data = matrix(raters, ids, name)
        rated = ~np.isnan(data)
        if not rated.any():
            continue
        alpha, note = krippendorff_alpha(data)
        w, w_n = kendall_w(data)
        pcs = [pc for pid in ids if (pc := project_consensus(raters, pid, name)) is not None]
        fields[name] = FieldAgreement(
            field=name,
            raters=int(rated.any(axis=1).sum()),
            projects=int(rated.any(axis=0).sum()),
            pairable=int((rated.sum(axis=0) >= 2).sum()),
            alpha=alpha,
            alpha_note=note,
            kendall_w=w,
            w_projects=w_n,
            projects_consensus=pcs,
        )
        disputed += [(pc.project_id, name, pc) for pc in pcs if pc.disputed]
    position = {pid: i for i, pid in enumerate(ids)}
    field_order = {name: i for i, name in enumerate(RATING_FIELDS)}
    disputed.sort(key=lambda t: (-t[2].spread, position.get(t[0], 0), field_order[t[1]]))
    return Agreement([rf.rater for rf in raters], fields, disputed)


def to_json(ag: Agreement) -> dict[str, Any]:
    """The `ratings --format json` document."""
    return {
        "raters": ag.raters,
        "fields": {
            name: {
                "alpha": fa.alpha,
                "alpha_note": fa.alpha_note,
                "kendall_w": fa.kendall_w,
                "kendall_w_projects": fa.w_projects,
                "raters": fa.raters,
                "projects": fa.projects,
                "pairable_projects": fa.pairable,
                "consensus": {
                    pc.project_id: {
                        "median": pc.median,
                        "consensus": pc.consensus,
                        "spread": pc.spread,
                        "values": pc.values,
                    }
                    for pc in fa.projects_consensus
                },
            }
            for name, fa in ag.fields.items()
        },
        "disputed": [
            {"project": pid, "field": name, "spread": pc.spread, "low": pc.low, "high": pc.high, "values": pc.values}
            for pid, name, pc in ag.disputed
        ],
    }


def apply_consensus(portfolio: Portfolio, ag: Agreement) -> tuple[Portfolio, list[str]]:
    """The portfolio with each rated field set to the raters' consensus; and a line per change."""
    changes: list[str] = []
    out = portfolio
    for p in portfolio.projects:
        q = p
        for name, fa in ag.fields.items():
            pc = next((c for c in fa.projects_consensus if c.project_id == p.id), None)
            if pc is None:
                continue
            path = RATING_FIELDS[name][0]
            old = get_field(q, path)
            if old != pc.consensus:
                q = set_field(q, path, pc.consensus)
                changes.append(f"{p.id}: {path} {'-' if old is None else old} -> {pc.consensus}")
        if q is not p:
            out = out.with_project(q)
    return out, changes


def consensus_portfolio(portfolio: Portfolio, portfolio_path: str | Path) -> Portfolio:
    """The portfolio to rank when `[settings] use_consensus = true`: each rated field at the raters' consensus.

    Only for ranking: the result is never saved (the file keeps its own numbers until `ratings --adopt`)."""
    from ..storage.ratings import load_ratings

    raters = load_ratings(portfolio_path)
    if not raters:
        return portfolio
    return apply_consensus(portfolio, agreement(portfolio, raters))[0]
