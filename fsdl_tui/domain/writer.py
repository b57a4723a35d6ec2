"""Write the domain model as the plain-data layout of a portfolio file, in the schema's canonical order.

`project_to_data` gives the canonical plain-data form; equal projects give equal dicts, which is what the
minimal-diff writer and the merge driver compare. A record's own keys come first (in the schema's order),
then its unknown keys as they were read, then its tables. A value of None is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import schema as sc
from .model import Baseline, Check, Move, Portfolio, Project, Threshold
from .schema import Field


def _check_data(check: Check) -> dict[str, Any]:
    out: dict[str, Any] = {"done": check.done}
    if check.note:
        out["note"] = check.note
    return out


def _move_data(mv: Move) -> dict[str, Any]:
    out: dict[str, Any]
    if mv.status:  # a status change: its stage is the one it happened in, not written
        out = {"status": mv.status, "date": mv.date}
    else:
        out = {"from": mv.from_stage, "to": mv.to_stage, "date": mv.date}
    if mv.note:
        out["note"] = mv.note
    return out


def _threshold_data(t: Threshold) -> dict[str, Any]:
    return {"metric": t.metric, "threshold": t.threshold, "direction": t.direction}


def _baseline_data(b: Baseline) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": b.kind, "name": b.name}
    if b.value is not None:
        out["value"] = b.value
    return out


def _identity(value: Any) -> Any:
    return value


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "list": list,
    "range": list,
    "checks": lambda value: {k: _check_data(v) for k, v in value.items()},
    "answers": dict,
    "history": lambda value: [_move_data(mv) for mv in value],
    "satisficing": lambda value: [_threshold_data(t) for t in value],
    "baselines": lambda value: [_baseline_data(b) for b in value],
    "plugins": lambda value: {k: dict(v) for k, v in value.items()},
}


def field_data(f: Field, value: Any) -> Any:
    """The plain-data form of one field's value (None: left out)."""
    return None if value is None else _CONVERT.get(f.kind, _identity)(value)


# How to write one record type with one tuple of fields, worked out once: its own keys (key, read from an
# attribute or from `extra`, conversion), then its tables (table or "", key, conversion).
_Plan = tuple[
    tuple[tuple[str, bool, Callable[[Any], Any]], ...],
    frozenset[str],
    tuple[tuple[str, str, bool, Callable[[Any], Any]], ...],
]
_PLANS: dict[tuple[int, type], tuple[tuple[Field, ...], _Plan]] = {}


def _plan(fields: tuple[Field, ...], cls: type, skip: tuple[str, ...]) -> _Plan:
    cached = _PLANS.get((id(fields), cls))
    if cached is not None and cached[0] is fields:
        return cached[1]
    attrs = sc.model_attributes(cls)
    used = [f for f in fields if f.kind not in skip]
    own = tuple((f.key, f.key in attrs, _CONVERT.get(f.kind, _identity)) for f in used if not f.is_table)
    tables = tuple(
        (f.table, f.key, bool(f.table) or f.key in attrs, _CONVERT.get(f.kind, _identity)) for f in used if f.is_table
    )
    plan: _Plan = (own, frozenset(f.key for f in used if not f.table), tables)
    _PLANS[(id(fields), cls)] = (fields, plan)
    return plan


def _record_data(record: Any, fields: tuple[Field, ...], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    own, own_keys, tables = _plan(fields, type(record), skip)
    extra = record.extra
    out: dict[str, Any] = {}
    for key, in_attribute, convert in own:
        if in_attribute:
            value = getattr(record, key)
        elif key in extra:
            value = extra[key]
        else:
            continue
        if value is not None:
            out[key] = convert(value)
    out.update({k: v for k, v in extra.items() if k not in own_keys})
    for table, key, in_attribute, convert in tables:
        if table:
            value = getattr(getattr(record, table), key)
            node = out.setdefault(table, {})
            if value is not None:
                node[key] = convert(value)
        else:
            value = getattr(record, key) if in_attribute else extra.get(key)
            if value is not None:
                out[key] = convert(value)
    return out


def project_to_data(p: Project) -> dict[str, Any]:
    """The canonical plain-data form of a project, keys in the documented order. None values are left out."""
    return _record_data(p, sc.PROJECT_FIELDS)


def portfolio_header_data(pf: Portfolio) -> dict[str, Any]:
    """Everything but the projects, in canonical form."""
    return _record_data(pf, sc.PORTFOLIO_FIELDS, skip=("projects",))


def portfolio_to_data(pf: Portfolio) -> dict[str, Any]:
    out = portfolio_header_data(pf)
    out["projects"] = [project_to_data(p) for p in pf.projects]
    return out
