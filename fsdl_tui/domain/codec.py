"""Convert between the plain-data layout of a portfolio file and the domain model, checking as it goes.

`portfolio_from_data` never raises on bad content: it collects every problem as an `Issue` with the path of
the offending key (storage turns paths into FILE:LINE:COL) and builds the best model it can.
`project_to_data` gives the canonical plain-data form; equal projects give equal dicts, which is what the
minimal-diff writer and the merge driver compare.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import framework as fw
from .model import (
    SCHEMA_VERSION,
    Baseline,
    Check,
    Cost,
    Impact,
    Lifecycle,
    Metrics,
    Move,
    Portfolio,
    Project,
    Settings,
    Threshold,
)

Path = tuple[Any, ...]
ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")  # \Z, not $: "x\n" is no id
SCORE_RANGE = (1, 5)

IMPACT_KEYS = ("overall",) + tuple(lens.id for lens in fw.IMPACT_LENSES)
DRIVER_KEYS = tuple(d.id for d in fw.COST_DRIVERS)
FLAG_IDS = tuple(f.id for f in fw.DIFFICULTY_FLAGS)
GATE_IDS = tuple(g.id for g in fw.GATE_ITEMS)
STEP_IDS = tuple(s.id for s in fw.FEASIBILITY_STEPS)
QUESTION_IDS = tuple(dict.fromkeys(q.id for a in fw.ARCHETYPES for q in a.questions))
BASELINE_KIND_IDS = tuple(k.id for k in fw.BASELINE_KINDS)

PROJECT_KEYS = (
    "id",
    "title",
    "summary",
    "owner",
    "tags",
    "links",
    "depends_on",
    "archetype",
    "impact",
    "cost",
    "questions",
    "gate",
    "feasibility",
    "metrics",
    "lifecycle",
    "plugins",
)
TOP_KEYS = ("schema_version", "name", "description", "settings", "scoring", "plugins", "projects")


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in portfolio data: `path` names the key, e.g. ("projects", 3, "cost", "data_availability")."""

    path: Path
    message: str


class _Checker:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, path: Path, message: str) -> None:
        self.issues.append(Issue(path, message))

    def text(self, table: Mapping[str, Any], key: str, path: Path, default: str = "") -> str:
        value = table.get(key, default)
        if isinstance(value, str):
            return value
        self.add(path + (key,), f"'{key}' must be a string, not {_type_name(value)}")
        return default

    def score(self, table: Mapping[str, Any], key: str, path: Path) -> int | None:
        if key not in table:
            return None
        value = table[key]
        lo, hi = SCORE_RANGE
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and lo <= value <= hi:
                return int(value)
            self.add(path + (key,), f"'{key}' must be a whole number from {lo} to {hi}, not {value!r}")
            return None
        if not lo <= value <= hi:
            self.add(path + (key,), f"'{key}' = {value} is out of range: must be from {lo} to {hi}")
            return None
        return value

    def number(self, table: Mapping[str, Any], key: str, path: Path) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.add(path + (key,), f"'{key}' must be a finite number, not {value!r}")
            return None
        return value

    def strings(self, table: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.add(path + (key,), f"'{key}' must be a list of strings")
        return ()

    def table(self, parent: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
        value = parent.get(key, {})
        if isinstance(value, dict):
            return value
        self.add(path + (key,), f"'{key}' must be a table, not {_type_name(value)}")
        return {}

    def choice(self, table: Mapping[str, Any], key: str, path: Path, choices: tuple[str, ...], what: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, str) and value in choices:
            return value
        self.add(path + (key,), f"unknown {what} {value!r}: expected one of {', '.join(choices)}")
        return None


def _type_name(value: Any) -> str:
    return {
        dict: "a table",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a float",
    }.get(type(value), type(value).__name__)


# --- reading ------------------------------------------------------------------------------------------


def _checks(c: _Checker, table: Mapping[str, Any], path: Path, known: tuple[str, ...], what: str) -> dict[str, Check]:
    out: dict[str, Check] = {}
    for key, value in table.items():
        p = path + (key,)
        if key not in known:
            c.add(p, f"unknown {what} item '{key}': expected one of {', '.join(known)}")
            continue
        if isinstance(value, bool):
            out[key] = Check(done=value)
        elif isinstance(value, dict):
            done = value.get("done", False)
            if not isinstance(done, bool):
                c.add(p + ("done",), "'done' must be true or false")
                done = False
            out[key] = Check(done=done, note=c.text(value, "note", p))
        else:
            c.add(p, f"'{key}' must be true, false or {{ done = ..., note = \"...\" }}")
    return out


def _lifecycle(c: _Checker, table: Mapping[str, Any], path: Path) -> Lifecycle:
    stage = c.choice(table, "stage", path, fw.STAGE_IDS, "stage") or "planning"
    status = c.choice(table, "status", path, fw.STATUSES, "status") or "active"
    reason = c.text(table, "status_reason", path)
    if status == "killed" and not reason.strip():
        c.add(path + ("status",), "a killed project needs a 'status_reason'")
    history: list[Move] = []
    raw = table.get("history", [])
    if not isinstance(raw, list):
        c.add(path + ("history",), "'history' must be an array of { from, to, date, note } tables")
        raw = []
    for i, entry in enumerate(raw):
        p = path + ("history", i)
        if not isinstance(entry, dict):
            c.add(p, "a history entry must be a table { from, to, date, note }")
            continue
        src = c.choice(entry, "from", p, fw.STAGE_IDS, "stage")
        dst = c.choice(entry, "to", p, fw.STAGE_IDS, "stage")
        date = entry.get("date")
        if isinstance(date, _dt.datetime):
            date = date.date()
        if not isinstance(date, _dt.date):
            c.add(p + ("date",), "a history entry needs a 'date' written as YYYY-MM-DD")
            date = _dt.date(1970, 1, 1)
        note = c.text(entry, "note", p)
        if src is None or dst is None:
            if "from" not in entry or "to" not in entry:
                c.add(p, "a history entry needs 'from' and 'to' stages")
            continue
        move = Move(src, dst, date, note)
        if move.is_backward and not note.strip():
            c.add(p, f"moving back from '{src}' to '{dst}' needs a reason in 'note'")
        history.append(move)
    return Lifecycle(stage=stage, status=status, status_reason=reason, history=tuple(history))


def _metrics(c: _Checker, table: Mapping[str, Any], path: Path) -> Metrics:
    sats: list[Threshold] = []
    raw = table.get("satisficing", [])
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        p = path + ("satisficing", i)
        if not isinstance(entry, dict):
            c.add(p, "a satisficing entry must be a table { metric, threshold, direction }")
            continue
        direction = c.choice(entry, "direction", p, ("min", "max"), "direction") or "min"
        threshold = c.number(entry, "threshold", p)
        sats.append(Threshold(c.text(entry, "metric", p), threshold if threshold is not None else 0.0, direction))
    if not isinstance(raw, list):
        c.add(path + ("satisficing",), "'satisficing' must be an array of tables")
    bases: list[Baseline] = []
    raw = table.get("baselines", [])
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        p = path + ("baselines", i)
        if not isinstance(entry, dict):
            c.add(p, "a baseline must be a table { kind, name, value }")
            continue
        kind = c.choice(entry, "kind", p, BASELINE_KIND_IDS, "baseline kind") or "internal"
        bases.append(Baseline(kind, c.text(entry, "name", p), c.number(entry, "value", p)))
    if not isinstance(raw, list):
        c.add(path + ("baselines",), "'baselines' must be an array of tables")
    return Metrics(
        optimizing=c.text(table, "optimizing", path),
        target=c.number(table, "target", path),
        satisficing=tuple(sats),
        baselines=tuple(bases),
    )


def _project(c: _Checker, data: Mapping[str, Any], path: Path) -> Project | None:
    pid = data.get("id")
    if not isinstance(pid, str) or not ID_RE.match(pid):
        c.add(
            path + ("id",) if "id" in data else path,
            f"project id {pid!r} must be a slug: lowercase letters, digits, '-' and '_'"
            if "id" in data
            else "project has no 'id'",
        )
        # Check the rest of the project too, so every problem is reported at once; it is not built.
        pid, valid_id = f"#{path[-1] + 1}" if path and isinstance(path[-1], int) else "?", False
    else:
        valid_id = True
    title = c.text(data, "title", path)
    if not title.strip() and isinstance(data.get("title", ""), str):  # a wrong type is reported already
        c.add(path + ("title",) if "title" in data else path, f"project '{pid}' needs a 'title'")
    imp = c.table(data, "impact", path)
    ip = path + ("impact",)
    impact = Impact(*(c.score(imp, k, ip) for k in IMPACT_KEYS), rationale=c.text(imp, "rationale", ip))
    cost_t = c.table(data, "cost", path)
    cp = path + ("cost",)
    flags = c.strings(cost_t, "flags", cp)
    for flag in flags:
        if flag not in FLAG_IDS:
            c.add(cp + ("flags",), f"unknown difficulty flag '{flag}': expected one of {', '.join(FLAG_IDS)}")
    cost = Cost(
        data_availability=c.score(cost_t, "data_availability", cp),
        data_availability_note=c.text(cost_t, "data_availability_note", cp),
        accuracy_requirement=c.score(cost_t, "accuracy_requirement", cp),
        accuracy_requirement_note=c.text(cost_t, "accuracy_requirement_note", cp),
        problem_difficulty=c.score(cost_t, "problem_difficulty", cp),
        problem_difficulty_note=c.text(cost_t, "problem_difficulty_note", cp),
        flags=tuple(f for f in flags if f in FLAG_IDS),
    )
    archetype = c.choice(data, "archetype", path, tuple(a.id for a in fw.ARCHETYPES), "archetype")
    q = c.table(data, "questions", path)
    questions = {}
    for key in q:
        if key not in QUESTION_IDS:
            c.add(path + ("questions", key), f"unknown key question '{key}': expected one of {', '.join(QUESTION_IDS)}")
        else:
            questions[key] = c.text(q, key, path + ("questions",))
    plugins = c.table(data, "plugins", path)
    for name, value in plugins.items():
        if not isinstance(value, dict):
            c.add(path + ("plugins", name), f"plugin fields 'plugins.{name}' must be a table")
    extra = {k: v for k, v in data.items() if k not in PROJECT_KEYS}
    if not valid_id:
        return None
    return Project(
        id=pid,
        title=title,
        summary=c.text(data, "summary", path),
        owner=c.text(data, "owner", path),
        tags=c.strings(data, "tags", path),
        links=c.strings(data, "links", path),
        depends_on=c.strings(data, "depends_on", path),
        archetype=archetype,
        impact=impact,
        cost=cost,
        questions=questions,
        gate=_checks(c, c.table(data, "gate", path), path + ("gate",), GATE_IDS, "gate"),
        feasibility=_checks(c, c.table(data, "feasibility", path), path + ("feasibility",), STEP_IDS, "feasibility"),
        metrics=_metrics(c, c.table(data, "metrics", path), path + ("metrics",)),
        lifecycle=_lifecycle(c, c.table(data, "lifecycle", path), path + ("lifecycle",)),
        plugins={k: v for k, v in plugins.items() if isinstance(v, dict)},
        extra=extra,
    )


def project_from_data(data: Mapping[str, Any], path: Path = ()) -> tuple[Project | None, list[Issue]]:
    c = _Checker()
    return _project(c, data, path), c.issues


def portfolio_from_data(data: Mapping[str, Any]) -> tuple[Portfolio, list[Issue]]:
    """Build a portfolio from parsed TOML data, collecting every problem instead of stopping at the first."""
    c = _Checker()
    version = data.get("schema_version")
    if version is None:
        c.add((), f"missing 'schema_version' (this version of fsdl-tui writes {SCHEMA_VERSION})")
        version = SCHEMA_VERSION
    elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
        c.add(("schema_version",), f"'schema_version' must be a positive integer, not {version!r}")
        version = SCHEMA_VERSION
    elif version > SCHEMA_VERSION:
        c.add(
            ("schema_version",),
            f"schema_version {version} is newer than this fsdl-tui understands "
            f"({SCHEMA_VERSION}): upgrade fsdl-tui to open this file",
        )
        return Portfolio(schema_version=version), c.issues
    st = c.table(data, "settings", ())
    thresholds = [c.number(st, k, ("settings",)) for k in ("impact_threshold", "feasibility_threshold")]
    settings = Settings(
        default_scorer=c.text(st, "default_scorer", ("settings",), "fsdl") or "fsdl",
        impact_threshold=thresholds[0] if thresholds[0] is not None else 3.0,
        feasibility_threshold=thresholds[1] if thresholds[1] is not None else 3.0,
    )
    scoring = c.table(data, "scoring", ())
    plugins = c.table(data, "plugins", ())
    projects: list[Project] = []
    raw = data.get("projects", [])
    if not isinstance(raw, list):
        c.add(("projects",), "'projects' must be an array of tables: write each project as [[projects]]")
        raw = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            c.add(("projects", i), "a project must be a table")
            continue
        project = _project(c, entry, ("projects", i))
        if project is None:
            continue
        if project.id in seen:
            c.add(
                ("projects", i, "id"),
                f"duplicate project id '{project.id}' (first used by project #{seen[project.id] + 1})",
            )
            continue
        seen[project.id] = i
        projects.append(project)
    for project in projects:
        for dep in project.depends_on:
            if dep not in seen:
                c.add(
                    ("projects", seen[project.id], "depends_on"),
                    f"project '{project.id}' depends on unknown project '{dep}'",
                )
            elif dep == project.id:
                c.add(("projects", seen[project.id], "depends_on"), f"project '{project.id}' depends on itself")
    portfolio = Portfolio(
        name=c.text(data, "name", (), "Untitled portfolio"),
        description=c.text(data, "description", ()),
        schema_version=version,
        settings=settings,
        scoring={k: v for k, v in scoring.items() if isinstance(v, dict)},
        plugins={k: v for k, v in plugins.items() if isinstance(v, dict)},
        projects=tuple(projects),
        extra={k: v for k, v in data.items() if k not in TOP_KEYS},
    )
    return portfolio, c.issues


# --- writing ------------------------------------------------------------------------------------------


def _check_data(check: Check) -> dict[str, Any]:
    out: dict[str, Any] = {"done": check.done}
    if check.note:
        out["note"] = check.note
    return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def project_to_data(p: Project) -> dict[str, Any]:
    """The canonical plain-data form of a project, keys in the documented order. None values are left out."""
    out: dict[str, Any] = {
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "owner": p.owner,
        "tags": list(p.tags),
        "links": list(p.links),
        "depends_on": list(p.depends_on),
    }
    if p.archetype is not None:
        out["archetype"] = p.archetype
    out.update(p.extra)
    i = p.impact
    out["impact"] = _drop_none({k: getattr(i, k) for k in IMPACT_KEYS} | {"rationale": i.rationale})
    co = p.cost
    cost: dict[str, Any] = {}
    for d in DRIVER_KEYS:
        cost[d] = co.driver(d)
        cost[d + "_note"] = co.note(d)
    cost["flags"] = list(co.flags)
    out["cost"] = _drop_none(cost)
    out["questions"] = dict(p.questions)
    out["gate"] = {k: _check_data(v) for k, v in p.gate.items()}
    out["feasibility"] = {k: _check_data(v) for k, v in p.feasibility.items()}
    m = p.metrics
    out["metrics"] = _drop_none(
        {
            "optimizing": m.optimizing,
            "target": m.target,
            "satisficing": [
                {"metric": t.metric, "threshold": t.threshold, "direction": t.direction} for t in m.satisficing
            ],
            "baselines": [_drop_none({"kind": b.kind, "name": b.name, "value": b.value}) for b in m.baselines],
        }
    )
    lc = p.lifecycle
    out["lifecycle"] = {
        "stage": lc.stage,
        "status": lc.status,
        "status_reason": lc.status_reason,
        "history": [_move_data(mv) for mv in lc.history],
    }
    out["plugins"] = {k: dict(v) for k, v in p.plugins.items()}
    return out


def _move_data(mv: Move) -> dict[str, Any]:
    out: dict[str, Any] = {"from": mv.from_stage, "to": mv.to_stage, "date": mv.date}
    if mv.note:
        out["note"] = mv.note
    return out


def portfolio_header_data(pf: Portfolio) -> dict[str, Any]:
    """Everything but the projects, in canonical form."""
    s = pf.settings
    out: dict[str, Any] = {"schema_version": pf.schema_version, "name": pf.name, "description": pf.description}
    out.update(pf.extra)
    out["settings"] = {
        "default_scorer": s.default_scorer,
        "impact_threshold": s.impact_threshold,
        "feasibility_threshold": s.feasibility_threshold,
    }
    out["scoring"] = {k: dict(v) for k, v in pf.scoring.items()}
    out["plugins"] = {k: dict(v) for k, v in pf.plugins.items()}
    return out


def portfolio_to_data(pf: Portfolio) -> dict[str, Any]:
    out = portfolio_header_data(pf)
    out["projects"] = [project_to_data(p) for p in pf.projects]
    return out


def json_default(value: Any) -> Any:
    """`json.dumps(..., default=json_default)`: dates as YYYY-MM-DD, as in the file."""
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


_KNOWN_SUBKEYS: dict[str, tuple[str, ...]] = {
    "impact": IMPACT_KEYS + ("rationale",),
    "cost": DRIVER_KEYS + tuple(d + "_note" for d in DRIVER_KEYS) + ("flags",),
    "metrics": ("optimizing", "target", "satisficing", "baselines"),
    "lifecycle": ("stage", "status", "status_reason", "history"),
}


def unknown_key_warnings(data: Mapping[str, Any]) -> list[Issue]:
    """Keys that fsdl-tui does not know inside tables whose keys it does know: likely typos.

    They are not errors (unknown keys are kept as written), but `overal = 4` in [projects.impact] is
    almost certainly meant to be `overall`. Project-level and top-level unknown keys are left alone: those are
    the documented places for a team's own keys.
    """
    import difflib

    out: list[Issue] = []

    def check(table: Any, known: tuple[str, ...], path: Path, where: str) -> None:
        if not isinstance(table, dict):
            return
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                out.append(Issue(path + (key,), f"unknown key '{key}' in [{where}] is kept but not used{hint}"))

    check(
        data.get("settings"), ("default_scorer", "impact_threshold", "feasibility_threshold"), ("settings",), "settings"
    )
    projects = data.get("projects")
    for i, project in enumerate(projects if isinstance(projects, list) else []):
        if isinstance(project, dict):
            for name, known in _KNOWN_SUBKEYS.items():
                check(project.get(name), known, ("projects", i, name), f"projects.{name}")
    return out
