"""Every editable project field by dotted path, with its kind, label and the framework's question.

The CLI's `set`, the app's edit form and the docs all read `FIELDS`, so a field is described once.
`set_field` changes one field of a project and validates the result.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from typing import Any

from . import framework as fw
from .codec import project_from_data, project_to_data
from .model import Project


class FieldError(ValueError):
    """A value that cannot be set; the message names the field and what is expected."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    path: str
    kind: str  # text | longtext | score | choice | bool | list | number | data
    label: str
    help: str = ""
    choices: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return self.path.split(".", 1)[0] if "." in self.path else "project"


def _build() -> tuple[FieldSpec, ...]:
    f: list[FieldSpec] = [
        FieldSpec("title", "text", "Title"),
        FieldSpec("summary", "longtext", "Summary", "What the project does and for whom."),
        FieldSpec("owner", "text", "Owner"),
        FieldSpec("tags", "list", "Tags", "Comma-separated."),
        FieldSpec("links", "list", "Links", "Comma-separated URLs."),
        FieldSpec("depends_on", "list", "Depends on", "Ids of projects this one leans on (e.g. infrastructure)."),
        FieldSpec(
            "archetype",
            "choice",
            "Archetype",
            "Software 2.0, human-in-the-loop or autonomous.",
            tuple(a.id for a in fw.ARCHETYPES),
        ),
        FieldSpec("impact.overall", "score", "Impact (overall)", "1 low .. 5 high: how much value if it works?"),
    ]
    for lens in fw.IMPACT_LENSES:
        f.append(FieldSpec(f"impact.{lens.id}", "score", lens.label, lens.question))
    f.append(FieldSpec("impact.rationale", "longtext", "Impact rationale", "Why this impact score?"))
    for d in fw.COST_DRIVERS:
        f.append(FieldSpec(f"cost.{d.id}", "score", d.label, f"1 {d.low} .. 5 {d.high}. " + " ".join(d.considerations)))
        f.append(FieldSpec(f"cost.{d.id}_note", "longtext", f"{d.label}: notes"))
    f.append(
        FieldSpec(
            "cost.flags",
            "list",
            "Difficulty flags",
            "What is still hard (FSDL): " + ", ".join(x.id for x in fw.DIFFICULTY_FLAGS),
            tuple(x.id for x in fw.DIFFICULTY_FLAGS),
        )
    )
    for a in fw.ARCHETYPES:
        for q in a.questions:
            f.append(FieldSpec(f"questions.{q.id}", "longtext", f"{a.label}: {q.label}", q.question))
    for g in fw.GATE_ITEMS:
        f.append(FieldSpec(f"gate.{g.id}.done", "bool", g.label, g.question))
        f.append(FieldSpec(f"gate.{g.id}.note", "text", f"{g.label}: note"))
    for s in fw.FEASIBILITY_STEPS:
        f.append(FieldSpec(f"feasibility.{s.id}.done", "bool", s.label, s.question))
        f.append(FieldSpec(f"feasibility.{s.id}.note", "text", f"{s.label}: note"))
    f += [
        FieldSpec("metrics.optimizing", "text", "Optimizing metric", fw.METRIC_QUESTIONS[0]),
        FieldSpec("metrics.target", "number", "Target", "The value of the optimizing metric that means success."),
        FieldSpec(
            "metrics.satisficing",
            "data",
            "Satisficing thresholds",
            fw.METRIC_QUESTIONS[1] + ' TOML: [{ metric = "latency_ms", threshold = 50, direction = "max" }]',
        ),
        FieldSpec(
            "metrics.baselines",
            "data",
            "Baselines",
            fw.METRIC_QUESTIONS[2] + ' TOML: [{ kind = "human", name = "expert annotator", value = 0.9 }]',
        ),
        FieldSpec(
            "lifecycle.status", "choice", "Status", "active, on-hold or killed (killed needs a reason).", fw.STATUSES
        ),
        FieldSpec("lifecycle.status_reason", "text", "Status reason", "Why on hold or killed."),
    ]
    return tuple(f)


FIELDS: tuple[FieldSpec, ...] = _build()
FIELD_BY_PATH = {f.path: f for f in FIELDS}


def spec_for(path: str) -> FieldSpec:
    """The spec of an editable path; `plugins.NAME.KEY` is free-form data owned by a plugin."""
    if path in FIELD_BY_PATH:
        return FIELD_BY_PATH[path]
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "plugins" and all(parts):
        return FieldSpec(path, "data", f"{parts[1]}: {parts[2]}", "A plugin's own field (any TOML value).")
    if path in ("lifecycle.stage", "lifecycle.history"):
        raise FieldError(f"'{path}' changes through a lifecycle move: use `fsdl-tui move PATH ID STAGE`")
    if path == "id":
        raise FieldError("a project's id is its identity in git history and cannot be changed by `set`")
    close = difflib.get_close_matches(path, list(FIELD_BY_PATH), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `fsdl-tui set --help` lists the fields"
    raise FieldError(f"unknown field '{path}'{hint}")


def parse_value(spec: FieldSpec, text: str) -> Any:
    """Turn what a person typed into the value of `spec`; an empty string unsets an optional value."""
    raw = text.strip()
    if spec.kind in ("text", "longtext"):
        return text
    if spec.kind == "choice":
        return raw or None
    if spec.kind == "score":
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            raise FieldError(f"{spec.path}: '{text}' is not a whole number from 1 to 5") from None
    if spec.kind == "number":
        if not raw:
            return None
        try:
            return float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        except ValueError:
            raise FieldError(f"{spec.path}: '{text}' is not a number") from None
    if spec.kind == "bool":
        low = raw.lower()
        if low in ("true", "yes", "y", "1", "done", "x"):
            return True
        if low in ("false", "no", "n", "0", "", "open"):
            return False
        raise FieldError(f"{spec.path}: '{text}' is not true or false")
    if spec.kind == "list":
        if raw.startswith("["):
            return _toml_value(spec, raw)
        return [part.strip() for part in raw.split(",") if part.strip()]
    return _toml_value(spec, raw) if raw else None


def _toml_value(spec: FieldSpec, raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if spec.path.startswith("plugins."):
            return raw  # a bare word is a string, for convenience
        raise FieldError(f"{spec.path}: '{raw}' is not a TOML value") from None
    except (ValueError, RecursionError):  # an integer of over 4,300 digits, or hundreds of nested arrays
        raise FieldError(f"{spec.path}: the value is too large or too deeply nested") from None


def get_field(project: Project, path: str) -> Any:
    data: Any = project_to_data(project)
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def set_field(project: Project, path: str, value: Any) -> Project:
    """Return `project` with `path` set to `value` (None unsets), or raise FieldError saying what is wrong."""
    spec_for(path)
    data = project_to_data(project)
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {"done": child} if isinstance(child, bool) else {}
            node[part] = child
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    new, issues = project_from_data(data)
    if issues:
        raise FieldError("; ".join(f"{'.'.join(map(str, i.path))}: {i.message}" for i in issues))
    assert new is not None
    return new
