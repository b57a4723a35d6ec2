"""Every editable project field by dotted path, with its kind, label and the framework's question.

`FIELDS` is derived from the schema (`schema.py`), where each field is described once; the CLI's `set` and
the app's edit form read it. `set_field` changes one field of a project and validates the result.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from . import framework as fw
from . import schema as sc
from .model import Project
from .reader import check_fields, project_from_data
from .schema import Field
from .writer import project_to_data


class FieldError(ValueError):
    """A value that cannot be set; the message names the field and what is expected."""


FieldSpec = Field  # one editable leaf: a schema field, or one item of a checklist or of the key questions


def leaves(f: Field) -> tuple[Field, ...]:
    """The paths `set` and the form edit for one schema field: a checklist gives each item's `done` and
    `note`, the key questions each answer, the metric records their TOML value."""
    if f.kind == "checks":
        out: list[Field] = []
        for item in f.items:
            out.append(Field(f"{f.path}.{item.id}.done", "bool", item.label, item.question, column=None))
            out.append(Field(f"{f.path}.{item.id}.note", "text", f"{item.label}: note", column=None))
        return tuple(out)
    if f.kind == "answers":
        first: dict[str, fw.Item] = {}
        for item in f.items:
            first.setdefault(item.id, item)
        return tuple(Field(f"{f.path}.{i.id}", "longtext", i.label, i.question, column=None) for i in first.values())
    if f.kind in ("satisficing", "baselines"):
        return (replace(f, kind="data"),)
    return (f,)


def _build(schema_fields: tuple[Field, ...]) -> tuple[FieldSpec, ...]:
    return tuple(leaf for f in schema_fields if f.editable for leaf in leaves(f))


_built: dict[int, tuple[tuple[Field, ...], tuple[FieldSpec, ...], dict[str, FieldSpec]]] = {}


def editable_fields() -> tuple[FieldSpec, ...]:
    """Every editable leaf of the schema as it is now (a test may extend the schema)."""
    return _current()[0]


def field_by_path() -> dict[str, FieldSpec]:
    return _current()[1]


def _current() -> tuple[tuple[FieldSpec, ...], dict[str, FieldSpec]]:
    schema_fields = sc.PROJECT_FIELDS
    cached = _built.get(id(schema_fields))
    if cached is None or cached[0] is not schema_fields:
        _built.clear()
        specs = _build(schema_fields)
        cached = _built[id(schema_fields)] = (schema_fields, specs, {f.path: f for f in specs})
    return cached[1], cached[2]


FIELDS: tuple[FieldSpec, ...] = editable_fields()


def spec_for(path: str, extra: Iterable[Field] = ()) -> FieldSpec:
    """The spec of an editable path; `extra` are fields declared by plugins (`plugins.NAME.KEY`, see
    `schema.plugin_field`); an undeclared `plugins.NAME.KEY` is free-form data owned by a plugin."""
    by_path = field_by_path()
    if path in by_path:
        return by_path[path]
    for f in extra:
        if f.path == path:
            return f
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "plugins" and all(parts):
        return FieldSpec(path, "data", f"{parts[1]}: {parts[2]}", "A plugin's own field (any TOML value).")
    if path in ("lifecycle.stage", "lifecycle.history"):
        raise FieldError(f"'{path}' changes through a lifecycle move: use `fsdl-tui move PATH ID STAGE`")
    if path == "id":
        raise FieldError("a project's id is its identity in git history and cannot be changed by `set`")
    close = difflib.get_close_matches(path, list(by_path), n=3)
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
            lo, hi = spec.range
            raise FieldError(f"{spec.path}: '{text}' is not a whole number from {lo} to {hi}") from None
    if spec.kind == "number":
        if not raw:
            return None
        try:
            return float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        except ValueError:
            raise FieldError(f"{spec.path}: '{text}' is not a number") from None
    if spec.kind == "range":
        if not raw:
            return None
        parts = [x for x in raw.strip("[]() ").replace("..", "-").replace(",", "-").split("-") if x.strip()]
        try:
            bottom, top = (int(x) for x in parts)
        except ValueError:
            raise FieldError(f"{spec.path}: '{text}' is not a range such as 3-5 (LOW-HIGH, whole numbers)") from None
        return [bottom, top]
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
    return value_at(project_to_data(project), path)


def value_at(data: Any, path: str) -> Any:
    """The value at dotted `path` of a project's data (`project_to_data`), or None where there is none."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def set_field(project: Project, path: str, value: Any) -> Project:
    """Return `project` with `path` set to `value` (None unsets), or raise FieldError saying what is wrong."""
    return set_fields(project, [(path, value)])


def set_fields(project: Project, changes: Iterable[tuple[str, Any]], extra: Iterable[Field] = ()) -> Project:
    """Return `project` with every `(path, value)` of `changes` applied, validated together: the result must
    be valid, whatever the order of the changes (a killed status and its reason, say). `extra` are the
    fields plugins declare: values set at their paths must fit their kind and range."""
    extra = tuple(extra)
    data = project_to_data(project)
    set_paths = set()
    for path, value in changes:
        spec_for(path, extra)
        _assign(data, path, value)
        set_paths.add(path)
    new, issues = project_from_data(data)
    issues += [i for i in check_fields([f for f in extra if f.path in set_paths], data) if i.path]
    if issues:
        raise FieldError("; ".join(f"{'.'.join(map(str, i.path))}: {i.message}" for i in issues))
    assert new is not None
    return new


def _assign(data: dict[str, Any], path: str, value: Any) -> None:
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
