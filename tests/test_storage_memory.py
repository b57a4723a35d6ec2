"""Memory at scale: a load builds each project as its segment is parsed, and keeps repeated words once.

The streamed load (used where no cache entry is written) must read exactly as a load from the whole parsed
data: the same portfolio, the same problems, the same warnings; and hold less at its peak.
"""

from __future__ import annotations

import tomllib
import tracemalloc

import pytest
from helpers_storage import make_portfolio_text

from fsdl_tui.domain.codec import portfolio_from_data, unknown_key_warnings
from fsdl_tui.storage import PortfolioLoadError, lint, loading, loads, parsing

TEXT = make_portfolio_text(60, seed=3)


def _whole(text: str) -> tuple[object, list[str]]:
    """The portfolio and warnings as built from the whole parsed data at once."""
    data = tomllib.loads(text)
    portfolio, issues = portfolio_from_data(data)
    assert not issues
    return portfolio, [i.message for i in unknown_key_warnings(data)]


def test_the_streamed_load_reads_as_the_whole_data_does() -> None:
    text = TEXT.replace("[projects.impact]", "[projects.impact]\noveral = 4", 2)  # two typos: warnings
    streamed = loading._load_by_segment(text, "team.toml", [], True)
    assert streamed is not None  # a standard layout: streamed
    portfolio, warnings = _whole(text)
    assert streamed.portfolio == portfolio
    assert [p.message for p in lint(streamed)] == warnings and len(warnings) == 2
    assert loads(text).portfolio == portfolio


def test_a_problem_in_a_later_project_is_reported_as_by_tomllib() -> None:
    pieces = TEXT.split("[[projects]]")
    pieces[40] = pieces[40].replace("title = ", "title = = ", 1)
    text = "[[projects]]".join(pieces)
    with pytest.raises(PortfolioLoadError) as got:
        loads(text)
    with pytest.raises(tomllib.TOMLDecodeError) as expected:
        tomllib.loads(text)
    (problem,) = got.value.problems
    assert f"(at line {problem.line}, column {problem.col})" in str(expected.value)


def test_invalid_values_are_reported_with_every_project_checked() -> None:
    text = TEXT.replace("overall = ", "overall = 9 #", 3)
    with pytest.raises(PortfolioLoadError) as got:
        loads(text)
    assert sum("'overall' = 9 is out of range" in p.message for p in got.value.problems) == 3


def _peak(fn: object) -> int:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_streamed_load_never_holds_every_projects_data() -> None:
    text = make_portfolio_text(150, seed=4)
    streamed = _peak(lambda: loading._load_by_segment(text, "team.toml", [], False))
    whole = _peak(lambda: loading._from_data(parsing.parse_text(text)[0], text, "team.toml", []))
    assert streamed < whole * 0.7


def test_repeated_words_are_kept_once() -> None:
    projects = loads(TEXT).portfolio.projects
    seen: dict[str, str] = {}
    for p in projects:  # an equal owner, stage or archetype is the very same string
        for word in (p.owner, p.stage, p.archetype or "", *p.tags):
            assert seen.setdefault(word, word) is word
    first, other = projects[0], projects[1]
    assert [k for k in first.gate] == [k for k in other.gate]
    for a, b in zip(first.gate, other.gate, strict=False):
        assert a is b
    unnoted = [c for p in projects for c in p.gate.values() if not c.note and c.done]
    assert len(unnoted) > 1 and all(c is unnoted[0] for c in unnoted)
    dates = {}
    for p in projects:
        for m in p.lifecycle.history:
            assert dates.setdefault(m.date, m.date) is m.date
