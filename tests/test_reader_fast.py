"""The fast reader of projects (`reader._read_project`) builds exactly what the checking reader builds.

For a plain project it must give the very model the checking reader gives, with no problem; for anything
else it must step aside, so the checking reader words every problem. Each case is checked both ways: one
project on its own, and whole portfolios with and without the fast reader (the same model, the same
problems)."""

from __future__ import annotations

import copy
import datetime as dt
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest

from fsdl_tui.domain import reader
from fsdl_tui.domain.codec import portfolio_to_data
from fsdl_tui.testing import make_portfolio, sample_projects

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "sample_portfolios").glob("*.toml")) + sorted((ROOT / "tests" / "corpus").glob("*.toml"))

# Values that are wrong somewhere, or right in a way only the checking reader takes (a float score).
HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    3,
    5,
    6,
    -1,
    2**63 - 1,
    3.0,
    2.5,
    float("nan"),
    float("inf"),
    -0.0,
    "",
    " ",
    "x",
    "planning",
    "killed",
    "software-2.0",
    "min",
    "external",
    "Bad Id",
    "ok-id",
    "x" * 100,
    [],
    [1, 2],
    [2, 1],
    [1, 5],
    [1, 6],
    [True, 2],
    ["a", "b"],
    ["complex_output"],
    [{}],
    [{"from": "training", "to": "planning", "date": dt.date(2024, 1, 1)}],
    [{"status": "killed", "date": dt.date(2024, 1, 1), "note": "done"}],
    [{"status": "on-hold", "from": "data", "date": dt.date(2024, 1, 1)}],
    {},
    {"done": True},
    {"done": 1},
    {"done": False, "note": 3},
    {"x": 1},
    {"a": {"b": 1}},
    dt.date(2024, 2, 3),
    dt.datetime(2024, 2, 3, 4, 5, 6),
    dt.time(1, 2),
]


def _tables() -> list[dict[str, Any]]:
    out = [portfolio_to_data(make_portfolio(sample_projects()))]
    out += [tomllib.loads(p.read_text(encoding="utf-8")) for p in FILES]
    return out


def _projects(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for t in tables for p in t.get("projects", []) if isinstance(p, dict)]


def _places(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) in `node`, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        out.append((node, k))
        _places(v, out)
    return out


def _mutated(project: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    p = copy.deepcopy(project)
    for _ in range(rng.randint(1, 3)):
        places = _places(p, [])
        if not places:
            break
        node, key = rng.choice(places)
        what = rng.random()
        if what < 0.15 and isinstance(node, dict):
            del node[key]
        elif what < 0.3 and isinstance(node, dict):
            node[rng.choice(["zzz", "note", "done", "status", "from", "to", "stage", "kind", "title"])] = rng.choice(
                HOSTILE
            )
        else:
            node[key] = copy.deepcopy(rng.choice(HOSTILE))
    return p


def _plain(data: dict[str, Any]) -> tuple[Any, list[reader.Issue]]:
    c = reader._Checker()
    return reader._project(c, data, ("projects", 0)), c.issues


def _assert_same(data: dict[str, Any]) -> bool:
    """The fast reader gives the checking reader's project (with no problem), or steps aside; True if it took it."""
    want, issues = _plain(data)
    fast = reader._fast_project_reader()
    assert fast is not None  # the schema's kinds are all ones the fast reader takes
    try:
        got = fast(data)
    except reader._Slow:
        return False
    assert issues == [], issues
    assert got == want
    assert type(got) is type(want)
    return True


def test_plain_projects_are_read_fast_and_the_same() -> None:
    projects = _projects(_tables())
    taken = [_assert_same(p) for p in projects]
    assert sum(taken) >= len(projects) // 2  # the common case is the fast one


@pytest.mark.parametrize("seed", range(8))
def test_hostile_projects_give_the_same_model_and_problems(seed: int) -> None:
    rng = random.Random(seed)
    projects = _projects(_tables())
    slow = 0
    for _ in range(400):
        slow += not _assert_same(_mutated(rng.choice(projects), rng))
    assert slow > 0  # the mutations did reach the checking reader


@pytest.mark.parametrize("seed", range(4))
def test_portfolios_read_the_same_with_and_without_the_fast_reader(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    tables = _tables()
    for table in tables:
        data = copy.deepcopy(table)
        projects = data.get("projects", [])
        for i in range(len(projects) if isinstance(projects, list) else 0):
            if rng.random() < 0.5 and isinstance(projects[i], dict):
                projects[i] = _mutated(projects[i], rng)
        fast = reader.portfolio_from_data(data)
        with monkeypatch.context() as m:
            m.setattr(reader, "_fast_project_reader", lambda: None)
            plain = reader.portfolio_from_data(data)
        assert fast == plain
