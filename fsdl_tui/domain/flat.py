"""A project as a flat list of plain values (JSON's words only), and back: what the cache of parsed files
(`storage/cache.py`) keeps for a plain project, so a warm load builds the model without reading tables.

`Writer.project(project)` gives the project's values in the order of the model's attributes, each
sub-record (impact, cost, metrics, lifecycle) a list in the order of its own and tuples as lists; each
distinct check, history entry (its date as ISO text), threshold, baseline, effort and range is kept once in
the writer's `pools()` and named by its place there. It gives None for a project it cannot put so: one whose
plugin fields or extra keys hold a date or a time (JSON has no word for them), which the cache then keeps
as its table. `Reader(pools).project(flat)` builds the project back, equal (==) to the one written, sharing
the pools' values (immutable) between the projects that name them.

The reading is written out by hand for speed; `_EXPECTED` names the attributes it reads, in order, and
`USABLE` says whether the model still has exactly those (a change to the model turns the flat form off).
`LAYOUT`, the model's attributes as they are, goes into each cache entry's first line: an entry made for
another layout is not read.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

from .model import Baseline, Check, Cost, Effort, Impact, Lifecycle, Metrics, Move, Project, Ranges, Threshold
from .reader import _check, _date

_RECORDS = (Project, Impact, Cost, Metrics, Effort, Ranges, Lifecycle, Move, Threshold, Baseline, Check)


def _layout() -> str:
    return ";".join(f"{cls.__name__}:" + ",".join(f.name for f in dataclasses.fields(cls)) for cls in _RECORDS)


# The attributes `Reader` reads, in order; `USABLE` is False when the model no longer has exactly these.
_EXPECTED = (
    "Project:id,title,summary,owner,tags,links,depends_on,archetype,impact,cost,questions,gate,feasibility,metrics,"
    "effort,range,lifecycle,plugins,extra;Impact:overall,cheap_prediction,product_friction,automation,peers,"
    "rationale;Cost:data_availability,data_availability_note,accuracy_requirement,accuracy_requirement_note,"
    "problem_difficulty,problem_difficulty_note,flags;Metrics:optimizing,target,satisficing,baselines;"
    "Effort:weeks,gpu_days;Ranges:impact,data_availability,accuracy_requirement,problem_difficulty;"
    "Lifecycle:stage,status,status_reason,history;Move:from_stage,to_stage,date,note,status;"
    "Threshold:metric,threshold,direction;Baseline:kind,name,value;Check:done,note"
)
LAYOUT = _layout()
USABLE = LAYOUT == _EXPECTED

_PLAIN_LEAVES = (str, int, float, bool)


def _plain(value: Any) -> bool:
    """Whether `value` (TOML data) is made of JSON's words only: no date or time anywhere in it."""
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return isinstance(value, _PLAIN_LEAVES)


class Writer:
    """Puts projects in their flat form (`project`), keeping each distinct check, move, threshold,
    baseline, effort and range once, in `pools()`: a project names them by their place there. Records that
    hold numbers which may be floats are told apart by the numbers' text (3 and 3.0, 0.0 and -0.0 are equal
    but not the same value to show)."""

    def __init__(self) -> None:
        self._places: tuple[dict[Any, int], ...] = tuple({} for _ in _POOLS)
        self._values: tuple[list[Any], ...] = tuple([] for _ in _POOLS)

    def _at(self, pool: int, value: Any, key: Any = None) -> int:
        """The place of `value` in its pool, found by `key` (by default the value itself: records of
        strings, booleans, whole numbers and dates, equal only when they are the same)."""
        places = self._places[pool]
        if key is None:
            key = value
        got = places.get(key)
        if got is None:
            got = places[key] = len(places)
            self._values[pool].append(value)
        return got

    def pools(self) -> list[list[Any]]:
        """The distinct values the projects put so far name, each pool in the order of `_POOLS`."""
        return [[_POOL_WRITERS[kind](v) for v in values] for kind, values in zip(_POOLS, self._values, strict=True)]

    def _checks(self, checks: Mapping[str, Check]) -> dict[str, int]:
        return {k: self._at(0, c) for k, c in checks.items()}

    def project(self, project: Project) -> list[Any] | None:
        """The project as a flat list of plain values (see the module), or None where it cannot be."""
        if not USABLE or not _plain(project.plugins) or not _plain(project.extra):
            return None
        p, i, c, m, lc = project, project.impact, project.cost, project.metrics, project.lifecycle
        return [
            p.id,
            p.title,
            p.summary,
            p.owner,
            list(p.tags),
            list(p.links),
            list(p.depends_on),
            p.archetype,
            [i.overall, i.cheap_prediction, i.product_friction, i.automation, i.peers, i.rationale],
            [
                c.data_availability,
                c.data_availability_note,
                c.accuracy_requirement,
                c.accuracy_requirement_note,
                c.problem_difficulty,
                c.problem_difficulty_note,
                list(c.flags),
            ],
            dict(p.questions),
            self._checks(p.gate),
            self._checks(p.feasibility),
            [
                m.optimizing,
                m.target,
                [self._at(2, t, (t.metric, repr(t.threshold), t.direction)) for t in m.satisficing],
                [self._at(3, b, (b.kind, b.name, repr(b.value))) for b in m.baselines],
            ],
            self._at(4, p.effort, (repr(p.effort.weeks), repr(p.effort.gpu_days))),
            self._at(5, p.range),
            [lc.stage, lc.status, lc.status_reason, [self._at(1, h) for h in lc.history]],
            dict(p.plugins),
            dict(p.extra),
        ]


def _range_to_flat(r: Ranges) -> list[Any]:
    return [
        list(v) if v is not None else None
        for v in (r.impact, r.data_availability, r.accuracy_requirement, r.problem_difficulty)
    ]


# The pools of shared values, in order, with how each is written and read.
_POOLS = ("check", "move", "threshold", "baseline", "effort", "range")
_POOL_WRITERS: dict[str, Callable[[Any], Any]] = {
    "check": lambda c: [c.done, c.note],
    "move": lambda h: [h.from_stage, h.to_stage, h.date.isoformat(), h.note, h.status],
    "threshold": lambda t: [t.metric, t.threshold, t.direction],
    "baseline": lambda b: [b.kind, b.name, b.value],
    "effort": lambda e: [e.weeks, e.gpu_days],
    "range": _range_to_flat,
}


_DATES: dict[str, _dt.date] = {}
_DATES_BOUND = 100_000


def _iso_date(iso: str) -> _dt.date:
    got = _DATES.get(iso)
    if got is None:
        if len(_DATES) > _DATES_BOUND:
            _DATES.clear()
        got = _DATES[iso] = _date(_dt.date.fromisoformat(iso))
    return got


def _range(v: list[int] | None) -> tuple[int, int] | None:
    return None if v is None else (v[0], v[1])


class Reader:
    """Builds the projects a `Writer` put, from its `pools()`. Raises ValueError, TypeError or IndexError on
    values it did not make."""

    def __init__(self, pools: list[list[Any]]) -> None:
        checks, moves, thresholds, baselines, efforts, ranges = pools
        self.checks = [_check(d, n) for d, n in checks]
        self.moves = [Move(a, b, _iso_date(d), n, s) for a, b, d, n, s in moves]
        self.thresholds = [Threshold(a, b, d) for a, b, d in thresholds]
        self.baselines = [Baseline(a, b, v) for a, b, v in baselines]
        self.efforts = [Effort(w, g) for w, g in efforts]
        self.ranges = [Ranges(_range(a), _range(b), _range(c), _range(d)) for a, b, c, d in ranges]

    def project(self, flat: list[Any]) -> Project:
        """The project `Writer.project` made `flat` of."""
        pid, title, summary, owner, tags, links, deps, archetype, i, c, q, gate, feas, m, e, r, lc, plugins, extra = (
            flat
        )
        checks, moves, thresholds, baselines = self.checks, self.moves, self.thresholds, self.baselines
        return Project(
            pid,
            title,
            summary,
            owner,
            tuple(tags),
            tuple(links),
            tuple(deps),
            archetype,
            Impact(*i),
            Cost(c[0], c[1], c[2], c[3], c[4], c[5], tuple(c[6])),
            q,
            {k: checks[v] for k, v in gate.items()},
            {k: checks[v] for k, v in feas.items()},
            Metrics(m[0], m[1], tuple([thresholds[t] for t in m[2]]), tuple([baselines[b] for b in m[3]])),
            self.efforts[e],
            self.ranges[r],
            Lifecycle(lc[0], lc[1], lc[2], tuple([moves[h] for h in lc[3]])),
            plugins,
            extra,
        )
