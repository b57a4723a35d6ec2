"""Portfolio data as leaves: `{("cost", "accuracy_requirement"): 5, ...}`, the unit that diff and merge compare.

A project's canonical data (`project_to_data`) is flattened into paths of dict keys; lists are leaves, and
so is an empty table (so that `questions = {}` is not lost).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..present import iso_data

Leaves = dict[tuple[str, ...], Any]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def flatten(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Leaves:
    out: Leaves = {}
    for key, value in data.items():
        path = prefix + (key,)
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def unflatten(leaves: Leaves) -> dict[str, Any]:
    """The nested dict of `leaves`, keys in the order of the leaves; an empty-table leaf under which other
    leaves also exist just makes sure the table is there."""
    out: dict[str, Any] = {}
    for path, value in leaves.items():
        node = out
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        last = path[-1]
        if isinstance(value, Mapping) and not value and isinstance(node.get(last), dict):
            continue
        node[last] = dict(value) if isinstance(value, Mapping) else value
    return out


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def show(value: Any, limit: int = 80) -> str:
    """A value as one short line: JSON-like, dates as YYYY-MM-DD, `(unset)` when missing."""
    if value is MISSING or value is None:
        return "(unset)"
    text = json.dumps(iso_data(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain(value: Any) -> Any:
    """A value fit for JSON: dates as ISO strings, missing as None."""
    return None if value is MISSING else iso_data(value)
