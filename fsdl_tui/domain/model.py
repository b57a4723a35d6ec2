"""The portfolio domain model: immutable values, so an edit is a new value (undo is keeping the old one).

No I/O and no UI imports here. `reader.py` and `writer.py` convert these values from and to plain dicts
(the TOML layout, declared in `schema.py`); `fields.py` changes them by dotted field path with validation.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from . import framework as fw

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Check:
    """One checklist item (gate or feasibility step): done, with an optional note."""

    done: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Impact:
    overall: int | None = None
    cheap_prediction: int | None = None
    product_friction: int | None = None
    automation: int | None = None
    peers: int | None = None
    rationale: str = ""

    def lens(self, lens_id: str) -> int | None:
        value: int | None = getattr(self, lens_id)
        return value


@dataclass(frozen=True, slots=True)
class Cost:
    """The three cost drivers, each 1-5 in its natural direction (see `framework.COST_DRIVERS`)."""

    data_availability: int | None = None
    data_availability_note: str = ""
    accuracy_requirement: int | None = None
    accuracy_requirement_note: str = ""
    problem_difficulty: int | None = None
    problem_difficulty_note: str = ""
    flags: tuple[str, ...] = ()

    def driver(self, driver_id: str) -> int | None:
        value: int | None = getattr(self, driver_id)
        return value

    def note(self, driver_id: str) -> str:
        value: str = getattr(self, driver_id + "_note")
        return value


@dataclass(frozen=True, slots=True)
class Threshold:
    """A satisficing metric: `metric` must be `direction` (max: at most, min: at least) `threshold`."""

    metric: str
    threshold: float
    direction: str = "min"


@dataclass(frozen=True, slots=True)
class Baseline:
    kind: str  # external | internal | human
    name: str
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Metrics:
    optimizing: str = ""
    target: float | None = None
    satisficing: tuple[Threshold, ...] = ()
    baselines: tuple[Baseline, ...] = ()


@dataclass(frozen=True, slots=True)
class Effort:
    """What a project would take: person-weeks, and GPU-days where compute is the constraint (`fsdl-tui plan`)."""

    weeks: float | None = None
    gpu_days: float | None = None


@dataclass(frozen=True, slots=True)
class Ranges:
    """How sure a score is: the lowest and highest value it could be (whole numbers, low <= high), for the
    main four scores. `fsdl-tui rank --uncertainty` samples within them where nobody rated the project."""

    impact: tuple[int, int] | None = None
    data_availability: tuple[int, int] | None = None
    accuracy_requirement: tuple[int, int] | None = None
    problem_difficulty: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """One entry of the lifecycle history: a move between stages, or a status change.

    A move to an earlier stage is a loop-back and carries a reason in `note`. A status change (put on hold,
    resumed, killed, revived) has `status` set to the new status and the reason in `note`; its stage does not
    change, so `from_stage` and `to_stage` both name the stage it happened in.
    """

    from_stage: str
    to_stage: str
    date: _dt.date
    note: str = ""
    status: str = ""  # a status change: the new status (active, on-hold, killed); "" for a move

    @property
    def is_status_change(self) -> bool:
        return bool(self.status)

    @property
    def is_backward(self) -> bool:
        return fw.STAGE_INDEX.get(self.to_stage, 0) < fw.STAGE_INDEX.get(self.from_stage, 0)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    stage: str = "planning"
    status: str = "active"  # active | on-hold | killed
    status_reason: str = ""
    history: tuple[Move, ...] = ()

    @property
    def loop_backs(self) -> int:
        return sum(1 for m in self.history if m.is_backward)

    @property
    def moves(self) -> tuple[Move, ...]:
        """The moves between stages, without the status changes."""
        return tuple(m for m in self.history if not m.status)

    @property
    def status_changes(self) -> tuple[Move, ...]:
        return tuple(m for m in self.history if m.status)


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    title: str
    summary: str = ""
    owner: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    archetype: str | None = None
    impact: Impact = field(default_factory=Impact)
    cost: Cost = field(default_factory=Cost)
    questions: Mapping[str, str] = field(default_factory=dict)
    gate: Mapping[str, Check] = field(default_factory=dict)
    feasibility: Mapping[str, Check] = field(default_factory=dict)
    metrics: Metrics = field(default_factory=Metrics)
    effort: Effort = field(default_factory=Effort)
    range: Ranges = field(default_factory=Ranges)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    # Plugins keep their own per-project fields here: [projects.plugins.NAME] in the file.
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Keys this version does not know; kept so that nothing a person wrote is lost.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        return self.lifecycle.stage

    @property
    def status(self) -> str:
        return self.lifecycle.status

    def open_gate_items(self) -> list[fw.Item]:
        """Gate items not yet done, in the framework's order."""
        return [item for item in fw.GATE_ITEMS if not self.gate.get(item.id, Check()).done]

    def replace(self, **changes: Any) -> Project:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Settings:
    default_scorer: str = "fsdl"
    impact_threshold: float = 3.0  # impact at or above: "high impact"
    feasibility_threshold: float = 3.0  # feasibility at or above: "high feasibility"
    use_consensus: bool = False  # rank by the raters' consensus (NAME.ratings/) instead of the file's numbers


@dataclass(frozen=True)
class Portfolio:
    name: str = "Untitled portfolio"
    description: str = ""
    schema_version: int = SCHEMA_VERSION
    settings: Settings = field(default_factory=Settings)
    # Scorer settings ([scoring.NAME]) and plugin settings ([plugins.NAME]): plain data, never code.
    scoring: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    projects: tuple[Project, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.projects)}

    def __contains__(self, project_id: object) -> bool:
        return project_id in self._index

    def get(self, project_id: str) -> Project | None:
        i = self._index.get(project_id)
        return None if i is None else self.projects[i]

    def index_of(self, project_id: str) -> int:
        return self._index[project_id]

    def with_project(self, project: Project) -> Portfolio:
        """Replace the project with the same id, or append it if new."""
        projects = list(self.projects)
        i = self._index.get(project.id)
        if i is None:
            projects.append(project)
        else:
            projects[i] = project
        return replace(self, projects=tuple(projects))

    def without_project(self, project_id: str) -> Portfolio:
        return replace(self, projects=tuple(p for p in self.projects if p.id != project_id))

    def replace(self, **changes: Any) -> Portfolio:
        return replace(self, **changes)
