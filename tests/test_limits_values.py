"""`limits.value_issues`: what it finds beyond the limits, at the edges of each (its quick look and its walk
must agree)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from fsdl_tui.storage.limits import INT_MAX, INT_MIN, MAX_DEPTH, value_issues


def nested(depth: int, leaf: Any = 1) -> dict[str, Any]:
    """A table whose innermost value sits `depth` tables below the top (alternating tables and arrays)."""
    value: Any = leaf
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return {"top": value}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"a": "x", "b": True, "c": 1.5, "d": [1, 2, {"e": -0.0}]},
        {"n": INT_MAX, "m": INT_MIN, "big": [INT_MAX, INT_MIN]},
        nested(MAX_DEPTH - 1),
        {"projects": [{"id": "p", "impact": {"overall": 3}, "tags": ["a", "b"]}]},
    ],
)
def test_data_within_the_limits_has_no_issue(data: dict[str, Any]) -> None:
    assert value_issues(data) == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"a": {"b": [1, {"c": INT_MAX + 1}]}}, "beyond 64 bits"),
        ({"a": [INT_MIN - 1]}, "beyond 64 bits"),
        ({"a": {"b": math.nan}}, "nan"),
        ({"a": [[1.0, math.inf]]}, "infinite"),
        ({"a": {"b": -math.inf}}, "infinite"),
        (nested(MAX_DEPTH), "nested more than"),
    ],
)
def test_a_value_beyond_the_limits_is_found_wherever_it_is(data: dict[str, Any], words: str) -> None:
    issues = value_issues(data)
    assert len(issues) == 1
    assert words in issues[0].message
