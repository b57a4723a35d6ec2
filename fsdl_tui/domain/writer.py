"""Write the domain model as the plain-data layout of a portfolio file, in the schema's canonical order.

`project_to_data` gives the canonical plain-data form; equal projects give equal dicts, which is what the
minimal-diff writer and the merge driver compare. A record's own keys come first (in the schema's order),
then its unknown keys as they were read, then its tables. A value of None is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    out: dict[str, Any] = {"from": mv.from_stage, "to": mv.to_stage, "date": mv.date}
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


def field_data(f: Field, value: Any) -> Any:
    """The plain-data form of one field's value (None: left out)."""
    if value is None:
        return None
    if f.kind == "list":
        return list(value)
    if f.kind == "checks":
        return {k: _check_data(v) for k, v in value.items()}
    if f.kind == "answers":
        return dict(value)
    if f.kind == "history":
        return [_move_data(mv) for mv in value]
    if f.kind == "satisficing":
        return [_threshold_data(t) for t in value]
    if f.kind == "baselines":
        return [_baseline_data(b) for b in value]
    if f.kind == "plugins":
        return {k: dict(v) for k, v in value.items()}
    return value


def _record_data(record: Any, fields: Iterable[Field], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    fields = [f for f in fields if f.kind not in skip]
    own = {f.key for f in fields if not f.table}
    extra = record.extra
    out: dict[str, Any] = {}
    for f in fields:
        if f.is_table:
            continue
        if f.key in extra or f.key in sc.model_attributes(type(record)):
            value = field_data(f, sc.value_of(record, f))
            if value is not None:
                out[f.key] = value
    out.update({k: v for k, v in extra.items() if k not in own})
    for f in fields:
        if not f.is_table:
            continue
        value = field_data(f, sc.value_of(record, f))
        if f.table:
            table = out.setdefault(f.table, {})
            if value is not None:
                table[f.key] = value
        elif value is not None:
            out[f.key] = value
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
