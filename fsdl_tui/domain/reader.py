"""Read the plain-data layout of a portfolio file into the domain model, checking as it goes.

What is valid comes from the schema (`schema.py`): each field's kind, range, choices and default. The few
rules that span fields (a killed project needs a reason, a move back needs a note, ids are unique and
`depends_on` names known projects) are checked here. Models are built by keyword from the schema's paths.

`portfolio_from_data` never raises on bad content: it collects every problem as an `Issue` with the path of
the offending key (storage turns paths into FILE:LINE:COL) and builds the best model it can.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import framework as fw
from . import schema as sc
from .model import (
    SCHEMA_VERSION,
    Baseline,
    Check,
    Cost,
    Effort,
    Impact,
    Lifecycle,
    Metrics,
    Move,
    Portfolio,
    Project,
    Ranges,
    Settings,
    Threshold,
)
from .schema import Field

Path = tuple[Any, ...]

# The dataclass that holds each sub-table, by the table's name in the file.
TABLE_MODELS: dict[str, type] = {
    "impact": Impact,
    "cost": Cost,
    "metrics": Metrics,
    "effort": Effort,
    "range": Ranges,
    "lifecycle": Lifecycle,
    "settings": Settings,
}
_DIRECTIONS = ("min", "max")

# Memory at 100,000 projects: the words a file repeats in every project (item ids, stages, archetypes,
# owners, tags, short notes) are kept once (`sys.intern`), and so are the checks with no note or a short
# one, and the dates; the parser makes a new object for each occurrence.
_SHORT = 64  # text up to this long is interned: ids of things, names, owners, short notes; not prose
_CHECKS = {(False, ""): Check(False), (True, ""): Check(True)}
_NOTED: dict[tuple[bool, str], Check] = {}  # checks with a short note
_DATES: dict[_dt.date, _dt.date] = {}
_MEMO_BOUND = 100_000  # entries of `_NOTED` and `_DATES`: a bound for a process that reads many files


def _check(done: bool, note: str = "") -> Check:
    key = (done, note)
    got = _CHECKS.get(key)
    if got is None:
        got = _NOTED.get(key)
    if got is not None:
        return got
    if len(note) > _SHORT:
        return Check(done=done, note=note)
    if len(_NOTED) > _MEMO_BOUND:
        _NOTED.clear()
    return _NOTED.setdefault((done, note), Check(done=done, note=sys.intern(note)))


def _date(date: _dt.date) -> _dt.date:
    if len(_DATES) > _MEMO_BOUND:
        _DATES.clear()
    return _DATES.setdefault(date, date)


def _short(value: str) -> str:
    return sys.intern(value) if len(value) <= _SHORT else value


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in portfolio data: `path` names the key, e.g. ("projects", 3, "cost", "data_availability")."""

    path: Path
    message: str


def _type_name(value: Any) -> str:
    return {
        dict: "a table",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a float",
    }.get(type(value), type(value).__name__)


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

    def score(
        self, table: Mapping[str, Any], key: str, path: Path, bounds: tuple[int, int] = sc.SCORE_RANGE
    ) -> int | None:
        if key not in table:
            return None
        value = table[key]
        lo, hi = bounds
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
            return tuple(_short(v) for v in value)
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
            return sys.intern(value)
        self.add(path + (key,), f"unknown {what} {value!r}: expected one of {', '.join(choices)}")
        return None


# --- one field, by kind ---------------------------------------------------------------------------------


def _checks(c: _Checker, table: Mapping[str, Any], path: Path, f: Field) -> dict[str, Check]:
    known = f.item_ids
    out: dict[str, Check] = {}
    for key, value in table.items():
        p = path + (key,)
        if key not in known:
            c.add(p, f"unknown {f.what} item '{key}': expected one of {', '.join(known)}")
            continue
        key = sys.intern(key)
        if isinstance(value, bool):
            out[key] = _check(value)
        elif isinstance(value, dict):
            done = value.get("done", False)
            if not isinstance(done, bool):
                c.add(p + ("done",), "'done' must be true or false")
                done = False
            out[key] = _check(done, c.text(value, "note", p))
        else:
            c.add(p, f"'{key}' must be true, false or {{ done = ..., note = \"...\" }}")
    return out


def _answers(c: _Checker, table: Mapping[str, Any], path: Path, f: Field) -> dict[str, str]:
    known = f.item_ids
    out: dict[str, str] = {}
    for key in table:
        if key not in known:
            c.add(path + (key,), f"unknown {f.what} '{key}': expected one of {', '.join(known)}")
        else:
            out[sys.intern(key)] = c.text(table, key, path)
    return out


def _history(c: _Checker, table: Mapping[str, Any], path: Path) -> tuple[Move, ...]:
    """The lifecycle history: moves `{ from, to, date, note }` and status changes `{ status, date, note }`
    (a status change happened in the stage the moves around it name, else in the current stage)."""
    stages = fw.STAGE_IDS
    raw = table.get("history", [])
    if not isinstance(raw, list):
        c.add(path + ("history",), "'history' must be an array of { from, to, date, note } tables")
        raw = []
    entries: list[Move | None] = []  # a status change's stage is filled in once the moves are known
    pending: list[tuple[int, str, _dt.date, str]] = []
    for i, entry in enumerate(raw):
        p = path + ("history", i)
        if not isinstance(entry, dict):
            c.add(p, "a history entry must be a table { from, to, date, note } or { status, date, note }")
            continue
        is_status = "status" in entry
        if is_status and ("from" in entry or "to" in entry):
            c.add(p, "a history entry is a move { from, to } or a status change { status }, not both")
            continue
        status = c.choice(entry, "status", p, fw.STATUSES, "status") if is_status else None
        src = None if is_status else c.choice(entry, "from", p, stages, "stage")
        dst = None if is_status else c.choice(entry, "to", p, stages, "stage")
        date = entry.get("date")
        if isinstance(date, _dt.datetime):
            date = date.date()
        if not isinstance(date, _dt.date):
            c.add(p + ("date",), "a history entry needs a 'date' written as YYYY-MM-DD")
            date = _dt.date(1970, 1, 1)
        date = _date(date)
        note = _short(c.text(entry, "note", p))
        if is_status:
            if status is None:
                continue
            if status == "killed" and not note.strip():
                c.add(p, "killing a project needs a reason in 'note'")
            pending.append((len(entries), status, date, note))
            entries.append(None)
            continue
        if src is None or dst is None:
            if "from" not in entry or "to" not in entry:
                c.add(p, "a history entry needs 'from' and 'to' stages")
            continue
        move = Move(from_stage=src, to_stage=dst, date=date, note=note)
        if move.is_backward and not note.strip():
            c.add(p, f"moving back from '{src}' to '{dst}' needs a reason in 'note'")
        entries.append(move)
    current = table.get("stage")
    for at, status, date, note in pending:
        before = next((m.to_stage for m in reversed(entries[:at]) if m is not None), None)
        after = next((m.from_stage for m in entries[at + 1 :] if m is not None), None)
        stage = before or after or (current if current in fw.STAGE_INDEX else "planning")
        entries[at] = Move(stage, stage, date, note, status)
    return tuple(m for m in entries if m is not None)


def _records(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> tuple[Any, ...]:
    """The satisficing thresholds or the baselines: arrays of inline tables."""
    key = f.key
    raw = table.get(key, [])
    out: list[Any] = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        p = path + (key, i)
        if f.kind == "satisficing":
            if not isinstance(entry, dict):
                c.add(p, "a satisficing entry must be a table { metric, threshold, direction }")
                continue
            direction = c.choice(entry, "direction", p, _DIRECTIONS, "direction") or "min"
            threshold = c.number(entry, "threshold", p)
            out.append(
                Threshold(
                    metric=_short(c.text(entry, "metric", p)),
                    threshold=threshold if threshold is not None else 0.0,
                    direction=direction,
                )
            )
        else:
            if not isinstance(entry, dict):
                c.add(p, "a baseline must be a table { kind, name, value }")
                continue
            kinds = tuple(k.id for k in fw.BASELINE_KINDS)
            kind = c.choice(entry, "kind", p, kinds, "baseline kind") or "internal"
            name = _short(c.text(entry, "name", p))
            out.append(Baseline(kind=kind, name=name, value=c.number(entry, "value", p)))
    if not isinstance(raw, list):
        c.add(path + (key,), f"'{key}' must be an array of tables")
    return tuple(out)


def _text(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    value = _short(c.text(table, f.key, path, f.default if isinstance(f.default, str) else ""))
    return f.default if f.blank_is_default and not value else value


def _score(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    return c.score(table, f.key, path, f.range)


def _range(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    if f.key not in table:
        return None
    value = table[f.key]
    lo, hi = f.range
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi for v in value)
        and value[0] <= value[1]
    ):
        return (value[0], value[1])
    c.add(
        path + (f.key,),
        f"'{f.key}' must be [LOW, HIGH], whole numbers from {lo} to {hi} with LOW <= HIGH, not {value!r}",
    )
    return None


def _number(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    number = c.number(table, f.key, path)
    lo, hi = f.bounds
    if number is not None and ((lo is not None and number < lo) or (hi is not None and number > hi)):
        allowed = (
            f"from {lo:g} to {hi:g}"
            if lo is not None and hi is not None
            else (f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
        )
        c.add(path + (f.key,), f"'{f.key}' = {number:g} is out of range: must be {allowed}")
        return f.default
    return f.default if number is None else number


def _bool(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    value = table.get(f.key, f.default)
    if value is None or isinstance(value, bool):
        return value
    c.add(path + (f.key,), f"'{f.key}' must be true or false, not {value!r}")
    return f.default


def _choice(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    chosen = c.choice(table, f.key, path, f.choices, f.what)
    return f.default if chosen is None else chosen


def _list(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    values = c.strings(table, f.key, path)
    if not f.choices:
        return values
    for v in values:
        if v not in f.choices:
            c.add(path + (f.key,), f"unknown {f.what} '{v}': expected one of {', '.join(f.choices)}")
    return tuple(v for v in values if v in f.choices)


def _plugin_tables(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    tables = c.table(table, f.key, path)
    return {sys.intern(k): _interned_keys(v) for k, v in tables.items() if isinstance(v, dict)}


def _interned_keys(table: dict[str, Any]) -> dict[str, Any]:
    """A plugin's table with its keys (and short string values) interned, one level deep: its fields."""
    return {sys.intern(k): _short(v) if isinstance(v, str) else v for k, v in table.items()}


# How each kind of field is read from its table at `path`: checked, the default when absent or wrong.
_READERS: dict[str, Callable[[_Checker, Field, Mapping[str, Any], Path], Any]] = {
    "text": _text,
    "longtext": _text,
    "score": _score,
    "number": _number,
    "range": _range,
    "bool": _bool,
    "choice": _choice,
    "list": _list,
    "checks": lambda c, f, t, p: _checks(c, c.table(t, f.key, p), p + (f.key,), f),
    "answers": lambda c, f, t, p: _answers(c, c.table(t, f.key, p), p + (f.key,), f),
    "history": lambda c, f, t, p: _history(c, t, p),
    "satisficing": _records,
    "baselines": _records,
    "plugins": _plugin_tables,
}


def _value(c: _Checker, f: Field, table: Mapping[str, Any], path: Path) -> Any:
    """Field `f` read from `table` (its own table) at `path`, checked; the default when absent or wrong."""
    read = _READERS.get(f.kind)
    if read is None:
        raise ValueError(f"field '{f.path}' has a kind the reader does not know: {f.kind!r}")
    return read(c, f, table, path)


def _read_fields(
    c: _Checker, fields_: Iterable[Field], data: Mapping[str, Any], path: Path
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The values of `fields_` in `data`: the record's own keys, and each sub-table's keys."""
    own: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    raw_tables: dict[str, Mapping[str, Any]] = {}
    for f in fields_:
        if f.kind in ("id", "version", "projects"):
            continue  # read by their record's own rules
        if f.table:
            if f.table not in raw_tables:
                raw_tables[f.table] = c.table(data, f.table, path)
            tables.setdefault(f.table, {})[f.key] = _value(c, f, raw_tables[f.table], path + (f.table,))
        else:
            own[f.key] = _value(c, f, data, path)
    return own, tables


_TOP_KEYS: dict[int, tuple[tuple[Field, ...], frozenset[str]]] = {}


def _top_keys(fields_: tuple[Field, ...]) -> frozenset[str]:
    """The keys a record's fields use directly, worked out once per schema."""
    cached = _TOP_KEYS.get(id(fields_))
    if cached is None or cached[0] is not fields_:
        cached = _TOP_KEYS[id(fields_)] = (fields_, frozenset(sc.top_keys(fields_)))
    return cached[1]


def _split_known(
    cls: type, values: Mapping[str, Any], data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Values the dataclass has an attribute for, and the checked values of the other fields present in
    `data` (schema fields the model has no attribute for are kept in `extra`)."""
    names = sc.model_attributes(cls)
    known = {k: v for k, v in values.items() if k in names}
    return known, {k: v for k, v in values.items() if k not in names and k in data}


def _project(c: _Checker, data: Mapping[str, Any], path: Path) -> Project | None:
    pid = data.get("id")
    if not isinstance(pid, str) or not sc.ID_RE.fullmatch(pid):
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
    own, tables = _read_fields(c, sc.PROJECT_FIELDS, data, path)
    if not own["title"].strip() and isinstance(data.get("title", ""), str):  # a wrong type is reported already
        c.add(path + ("title",) if "title" in data else path, f"project '{pid}' needs a 'title'")
    lifecycle = tables.get("lifecycle", {})
    if lifecycle.get("status") == "killed" and not lifecycle.get("status_reason", "").strip():
        c.add(path + ("lifecycle", "status"), "a killed project needs a 'status_reason'")
    plugins = data.get("plugins")
    for name, value in plugins.items() if isinstance(plugins, dict) else ():
        if not isinstance(value, dict):
            c.add(path + ("plugins", name), f"plugin fields 'plugins.{name}' must be a table")
    known = _top_keys(sc.PROJECT_FIELDS)
    if not valid_id:
        return None
    attrs, in_extra = _split_known(Project, own, data)
    extra = {k: v for k, v in data.items() if k not in known} | in_extra
    for name, values in tables.items():
        attrs[name] = TABLE_MODELS[name](**values)
    return Project(id=pid, **attrs, extra=extra)


# --- the fast reader: the common case, exact ------------------------------------------------------------
#
# Most projects have no problem at all. For them, a reader made once from the schema (one small closure per
# field) takes each value only when it is plainly valid (the exact types the parser makes, in range, known
# keys), with no per-field dispatch, no paths and no `Issue`s. On anything else it gives up (`_Slow`) and the
# project is read again by the checking reader above, which words every problem: so the fast reader only
# ever builds the model the checking reader would build without a problem, or none.


class _Slow(Exception):
    """The fast reader met something it does not take: the checking reader reads this project."""


_ABSENT: Any = object()
_Read = Callable[[Mapping[str, Any]], Any]


def _fast_text(f: Field) -> _Read:
    key, default, blank, fdefault = (
        f.key,
        (f.default if isinstance(f.default, str) else ""),
        f.blank_is_default,
        f.default,
    )

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, default)
        if type(v) is not str:
            raise _Slow
        if len(v) <= _SHORT:
            v = sys.intern(v)
        return fdefault if blank and not v else v

    return read


def _fast_score(f: Field) -> _Read:
    key, (lo, hi) = f.key, f.range

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, _ABSENT)
        if v is _ABSENT:
            return None
        if type(v) is int and lo <= v <= hi:
            return v
        raise _Slow

    return read


def _finite(v: Any) -> bool:
    tv = type(v)
    return tv is int or (tv is float and math.isfinite(v))


def _fast_number(f: Field) -> _Read:
    key, (lo, hi), default = f.key, f.bounds, f.default

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, _ABSENT)
        if v is _ABSENT:
            return default
        if not _finite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
            raise _Slow
        return v

    return read


def _fast_range(f: Field) -> _Read:
    key, (lo, hi) = f.key, f.range

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, _ABSENT)
        if v is _ABSENT:
            return None
        if type(v) is list and len(v) == 2:
            a, b = v
            if type(a) is int and type(b) is int and lo <= a <= b <= hi:
                return (a, b)
        raise _Slow

    return read


def _fast_bool(f: Field) -> _Read:
    key, default = f.key, f.default

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, default)
        if v is None or type(v) is bool:
            return v
        raise _Slow

    return read


def _fast_choice(f: Field) -> _Read:
    key, choices, default = f.key, frozenset(f.choices), f.default

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, _ABSENT)
        if v is _ABSENT:
            return default
        if type(v) is str and v in choices:
            return sys.intern(v)
        raise _Slow

    return read


def _fast_list(f: Field) -> _Read:
    key, choices = f.key, frozenset(f.choices)

    def read(t: Mapping[str, Any]) -> Any:
        v = t.get(key, _ABSENT)
        if v is _ABSENT:
            return ()
        if type(v) is not list:
            raise _Slow
        for s in v:
            if type(s) is not str or (choices and s not in choices):
                raise _Slow
        return tuple(_short(s) for s in v)

    return read


def _sub_table(t: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    v = t.get(key, _ABSENT)
    if v is _ABSENT:
        return {}
    if type(v) is not dict:
        raise _Slow
    return v


def _fast_checks(f: Field) -> _Read:
    key, known = f.key, {k: sys.intern(k) for k in f.item_ids}
    done, undone = _check(True), _check(False)

    def read(t: Mapping[str, Any]) -> Any:
        out: dict[str, Check] = {}
        for k, v in _sub_table(t, key).items():
            item = known.get(k)
            if item is None:
                raise _Slow
            if v is True:
                out[item] = done
            elif v is False:
                out[item] = undone
            elif type(v) is dict:
                is_done, note = v.get("done", False), v.get("note", "")
                if type(is_done) is not bool or type(note) is not str:
                    raise _Slow
                got = _NOTED.get((is_done, note))  # (most notes are short and repeat)
                out[item] = got if got is not None else _check(is_done, note)
            else:
                raise _Slow
        return out

    return read


def _fast_answers(f: Field) -> _Read:
    key, known = f.key, frozenset(f.item_ids)

    def read(t: Mapping[str, Any]) -> Any:
        out: dict[str, str] = {}
        for k, v in _sub_table(t, key).items():
            if k not in known or type(v) is not str:
                raise _Slow
            out[sys.intern(k)] = v
        return out

    return read


def _fast_entries(t: Mapping[str, Any], key: str) -> list[Any]:
    raw = t.get(key, _ABSENT)
    if raw is _ABSENT:
        return []
    if type(raw) is not list:
        raise _Slow
    for entry in raw:
        if type(entry) is not dict:
            raise _Slow
    return raw


def _fast_text_of(entry: Mapping[str, Any], key: str) -> str:
    v = entry.get(key, "")
    if type(v) is not str:
        raise _Slow
    return _short(v)


def _fast_choice_of(entry: Mapping[str, Any], key: str, choices: frozenset[str], default: str) -> str:
    v = entry.get(key, _ABSENT)
    if v is _ABSENT:
        return default
    if type(v) is str and v in choices:
        return sys.intern(v)
    raise _Slow


def _fast_satisficing(f: Field) -> _Read:
    key, directions = f.key, frozenset(_DIRECTIONS)

    def read(t: Mapping[str, Any]) -> Any:
        out = []
        for entry in _fast_entries(t, key):
            threshold = entry.get("threshold", 0.0)
            if not _finite(threshold):
                raise _Slow
            direction = _fast_choice_of(entry, "direction", directions, "min")
            out.append(Threshold(metric=_fast_text_of(entry, "metric"), threshold=threshold, direction=direction))
        return tuple(out)

    return read


def _fast_baselines(f: Field) -> _Read:
    key, kinds = f.key, frozenset(k.id for k in fw.BASELINE_KINDS)

    def read(t: Mapping[str, Any]) -> Any:
        out = []
        for entry in _fast_entries(t, key):
            kind = _fast_choice_of(entry, "kind", kinds, "internal")
            name = _fast_text_of(entry, "name")
            value = entry.get("value", None)
            if "value" in entry and not _finite(value):
                raise _Slow
            out.append(Baseline(kind=kind, name=name, value=value))
        return tuple(out)

    return read


def _fast_history(f: Field) -> _Read:
    stages, statuses = frozenset(fw.STAGE_IDS), frozenset(fw.STATUSES)
    index = fw.STAGE_INDEX

    def read(t: Mapping[str, Any]) -> Any:
        entries: list[Move | None] = []
        pending: list[tuple[int, str, _dt.date, str]] = []
        for entry in _fast_entries(t, "history"):
            date = entry.get("date")
            if type(date) is not _dt.date:
                raise _Slow
            date = _date(date)
            note = _fast_text_of(entry, "note")
            if "status" in entry:
                status = entry["status"]
                if "from" in entry or "to" in entry or type(status) is not str or status not in statuses:
                    raise _Slow
                if status == "killed" and not note.strip():
                    raise _Slow
                pending.append((len(entries), sys.intern(status), date, note))
                entries.append(None)
                continue
            src, dst = entry.get("from"), entry.get("to")
            if type(src) is not str or type(dst) is not str or src not in stages or dst not in stages:
                raise _Slow
            if index[dst] < index[src] and not note.strip():
                raise _Slow
            entries.append(Move(sys.intern(src), sys.intern(dst), date, note))
        if not pending:
            return tuple(entries)
        current = t.get("stage")
        for at, status, date, note in pending:
            before = next((m.to_stage for m in reversed(entries[:at]) if m is not None), None)
            after = next((m.from_stage for m in entries[at + 1 :] if m is not None), None)
            stage = before or after or (current if current in index else "planning")
            entries[at] = Move(stage, stage, date, note, status)
        return tuple(m for m in entries if m is not None)

    return read


def _fast_plugins(f: Field) -> _Read:
    key = f.key

    def read(t: Mapping[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for k, v in _sub_table(t, key).items():
            if type(v) is not dict:
                raise _Slow
            out[sys.intern(k)] = _interned_keys(v)
        return out

    return read


_FAST_READERS: dict[str, Callable[[Field], _Read]] = {
    "text": _fast_text,
    "longtext": _fast_text,
    "score": _fast_score,
    "number": _fast_number,
    "range": _fast_range,
    "bool": _fast_bool,
    "choice": _fast_choice,
    "list": _fast_list,
    "checks": _fast_checks,
    "answers": _fast_answers,
    "history": _fast_history,
    "satisficing": _fast_satisficing,
    "baselines": _fast_baselines,
    "plugins": _fast_plugins,
}


def _make_fast_project(fields_: tuple[Field, ...]) -> Callable[[Mapping[str, Any]], Project] | None:
    """The fast reader of a project with these fields, or None where the schema has what it does not take
    (a kind it has no reader for, a project-level field the model has no attribute for, a sub-table of
    several levels): those projects are all read by the checking reader."""
    names = sc.model_attributes(Project)
    own: list[tuple[str, _Read]] = []
    tables: dict[str, list[tuple[str, _Read]]] = {}
    for f in fields_:
        if f.kind in ("id", "version", "projects"):
            continue
        make = _FAST_READERS.get(f.kind)
        if make is None or (f.table and (f.table not in TABLE_MODELS or "." in f.table)):
            return None
        if f.table:
            if f.key not in sc.model_attributes(TABLE_MODELS[f.table]):
                return None
            tables.setdefault(f.table, []).append((f.key, make(f)))
        elif f.key in names:
            own.append((f.key, make(f)))
        else:
            return None
    if "title" not in dict(own) or "lifecycle" in dict(own) or "lifecycle" not in tables:
        return None
    known = _top_keys(fields_)
    # A sub-table's model is made from its values in the order of its attributes when the schema names
    # them all in that order (as it does): by position, not keyword.
    subs = tuple(
        (name, TABLE_MODELS[name], tuple(readers), _in_order(TABLE_MODELS[name], readers))
        for name, readers in tables.items()
    )
    owns = tuple(own)
    slug = sc.ID_RE.fullmatch

    def read(data: Mapping[str, Any]) -> Project:
        pid = data.get("id")
        if type(pid) is not str or not slug(pid):
            raise _Slow
        attrs = {key: read(data) for key, read in owns}
        if not attrs["title"].strip():
            raise _Slow
        for name, cls, readers, in_order in subs:
            t = _sub_table(data, name)
            if in_order:
                attrs[name] = cls(*[read(t) for _, read in readers])
            else:
                attrs[name] = cls(**{key: read(t) for key, read in readers})
        lifecycle = attrs["lifecycle"]
        if lifecycle.status == "killed" and not lifecycle.status_reason.strip():
            raise _Slow
        return Project(id=pid, **attrs, extra={k: v for k, v in data.items() if k not in known})

    return read


def _in_order(cls: type, readers: list[tuple[str, _Read]]) -> bool:
    """Whether `readers` name the attributes of dataclass `cls`, all of them, in their order."""
    return tuple(key for key, _ in readers) == tuple(x.name for x in dataclasses.fields(cls) if x.init)


_FAST: dict[int, tuple[tuple[Field, ...], Callable[[Mapping[str, Any]], Project] | None]] = {}


def _fast_project_reader() -> Callable[[Mapping[str, Any]], Project] | None:
    """The fast reader of the schema's projects, made once."""
    fields_ = sc.PROJECT_FIELDS
    cached = _FAST.get(id(fields_))
    if cached is None or cached[0] is not fields_:
        cached = _FAST[id(fields_)] = (fields_, _make_fast_project(fields_))
    return cached[1]


def _read_project(c: _Checker, data: Mapping[str, Any], path: Path) -> Project | None:
    """`_project`: by the fast reader when the project is plain, else by the checking reader."""
    fast = _fast_project_reader()
    if fast is not None:
        try:
            return fast(data)
        except _Slow:
            pass
    return _project(c, data, path)


def check_fields(fields_: Iterable[Field], data: Mapping[str, Any], path: Path = ()) -> list[Issue]:
    """The problems of the values of `fields_` (e.g. a plugin's, at `plugins.NAME.KEY`) in a record's plain
    data `data` at `path`: a value of the wrong type or out of range. Absent values are no problem."""
    c = _Checker()
    for f in fields_:
        node: Any = data
        where = path
        for part in f.table.split(".") if f.table else ():
            node = node.get(part) if isinstance(node, Mapping) else None
            where += (part,)
        if isinstance(node, Mapping) and f.key in node:
            _value(c, f, node, where)
    return c.issues


def project_from_data(data: Mapping[str, Any], path: Path = ()) -> tuple[Project | None, list[Issue]]:
    c = _Checker()
    return _read_project(c, data, path), c.issues


def portfolio_from_data(
    data: Mapping[str, Any],
    built: dict[int, tuple[Any, Project]] | None = None,
    projects_data: Iterable[Any] | None = None,
) -> tuple[Portfolio, list[Issue]]:
    """Build a portfolio from parsed TOML data, collecting every problem instead of stopping at the first.

    `built` (by `id()` of a project's table, with the table itself) lends the projects already built from the
    very same tables, and takes those built without a problem: versions of one file parsed with shared
    tables (`storage.segment_memo`) build each unchanged project once.

    `projects_data`, when given, yields the project tables in place of `data["projects"]`: a reader that
    parses them one at a time need not hold them all, since each is let go once its project is built. It
    may yield a `Project` in place of a table, built already (from the cache of parsed files): it is taken
    as it is, and only the rules across projects (unique ids, known dependencies) are checked."""
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
    own, tables = _read_fields(c, sc.PORTFOLIO_FIELDS, data, ())
    projects: list[Project] = []
    raw: Iterable[Any] = data.get("projects", []) if projects_data is None else projects_data
    if projects_data is None and not isinstance(raw, list):
        c.add(("projects",), "'projects' must be an array of tables: write each project as [[projects]]")
        raw = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        if type(entry) is Project:  # built already (`projects_data` only: parsed data holds no such value)
            project: Project | None = entry
        elif not isinstance(entry, dict):
            c.add(("projects", i), "a project must be a table")
            continue
        else:
            lent = built.get(id(entry)) if built is not None else None
            if lent is not None and lent[0] is entry:
                project = lent[1]
            else:
                before = len(c.issues)
                project = _read_project(c, entry, ("projects", i))
                if built is not None and project is not None and len(c.issues) == before:
                    built[id(entry)] = (entry, project)
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
    known = _top_keys(sc.PORTFOLIO_FIELDS)
    attrs, in_extra = _split_known(Portfolio, own, data)
    for name, values in tables.items():
        attrs[name] = TABLE_MODELS[name](**values)
    portfolio = Portfolio(
        schema_version=version,
        projects=tuple(projects),
        extra={k: v for k, v in data.items() if k not in known} | in_extra,
        **attrs,
    )
    return portfolio, c.issues


def unknown_key_warnings(data: Mapping[str, Any]) -> list[Issue]:
    """Keys that fsdl-tui does not know inside tables whose keys it does know: likely typos.

    They are not errors (unknown keys are kept as written), but `overal = 4` in [projects.impact] is
    almost certainly meant to be `overall`. Project-level and top-level unknown keys are left alone: those are
    the documented places for a team's own keys.
    """
    out: list[Issue] = []
    for name, known in sc.table_keys(sc.PORTFOLIO_FIELDS).items():
        _unknown_keys(out, data.get(name), known, (name,), name)
    projects = data.get("projects")
    for i, project in enumerate(projects if isinstance(projects, list) else []):
        out.extend(project_key_warnings(project, ("projects", i)))
    return out


def project_key_warnings(project: Any, path: Path) -> list[Issue]:
    """`unknown_key_warnings` of one project's table at `path`."""
    out: list[Issue] = []
    if isinstance(project, dict):
        for name, known, known_set in _table_keys(sc.PROJECT_FIELDS):
            table = project.get(name)
            if isinstance(table, dict) and not known_set.issuperset(table):  # (most tables: no unknown key)
                _unknown_keys(out, table, known, (*path, name), f"projects.{name}")
    return out


_TABLE_KEYS: dict[int, tuple[tuple[Field, ...], tuple[tuple[str, tuple[str, ...], frozenset[str]], ...]]] = {}


def _table_keys(fields_: tuple[Field, ...]) -> tuple[tuple[str, tuple[str, ...], frozenset[str]], ...]:
    """`sc.table_keys(fields_)`, each with its keys as a set too, worked out once per schema."""
    cached = _TABLE_KEYS.get(id(fields_))
    if cached is None or cached[0] is not fields_:
        keys = tuple((name, known, frozenset(known)) for name, known in sc.table_keys(fields_).items())
        cached = _TABLE_KEYS[id(fields_)] = (fields_, keys)
    return cached[1]


def _unknown_keys(out: list[Issue], table: Any, known: tuple[str, ...], path: Path, where: str) -> None:
    if not isinstance(table, dict):
        return
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            out.append(Issue(path + (key,), f"unknown key '{key}' in [{where}] is kept but not used{hint}"))
