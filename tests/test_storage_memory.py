"""Memory at scale: a load builds each project as its segment is parsed, and keeps repeated words once.

The streamed load (used where no cache entry is written) must read exactly as a load from the whole parsed
data: the same portfolio, the same problems, the same warnings; and hold less at its peak. So must the
read-only load of the commands that never save, which reads the file in pieces and never holds its text.
"""

from __future__ import annotations

import sys
import tomllib
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_storage import CORPUS_FILES, HOSTILE, corpus_text, make_portfolio_text

from fsdl_tui.domain.codec import portfolio_from_data, unknown_key_warnings
from fsdl_tui.storage import PortfolioDocument, PortfolioLoadError, cache, lint, load, loading, loads, parsing
from fsdl_tui.storage.errors import PortfolioError
from fsdl_tui.storage.loading import ReadOnlyDocument, load_read_only

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
    by_segment = lambda: loading._load_by_segment(text, "team.toml", [], False)  # noqa: E731
    at_once = lambda: loading._from_data(parsing.parse_text(text)[0], text, "team.toml", [])  # noqa: E731
    by_segment(), at_once()  # both once first: what they intern or memoize is then there for both measures
    streamed, whole = _peak(by_segment), _peak(at_once)
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
    dates: dict[object, object] = {}
    for p in projects:
        for m in p.lifecycle.history:
            assert dates.setdefault(m.date, m.date) is m.date
    noted: dict[object, object] = {}  # a check with a short note, and the note of a move, kept once too
    checks = [c for p in projects for c in (*p.gate.values(), *p.feasibility.values()) if c.note]
    for c in checks:
        assert noted.setdefault((c.done, c.note), c) is c
    assert len(checks) > len(noted)  # (the generated notes repeat)
    notes = [m.note for p in projects for m in p.lifecycle.history if m.note]
    assert len(notes) > len(set(notes)) and all(n is sys.intern(n) for n in notes)


# --- the read-only load (rank, show, export, validate, stats): the file read in pieces, its text not held


def _same_as_load(path: Path, piece_bytes: int) -> PortfolioDocument | None:
    """`load_read_only(path)` and `load(path)` give the same (document or problems); the read-only document
    (None when `load` raised)."""
    try:
        expected = load(path, warnings=True)
    except (PortfolioError, OSError) as exc:
        with pytest.raises(type(exc)) as got:
            load_read_only(path, warnings=True, piece_bytes=piece_bytes)
        assert str(got.value) == str(exc)
        if isinstance(exc, PortfolioLoadError):
            assert isinstance(got.value, PortfolioLoadError) and got.value.problems == exc.problems
        return None
    doc = load_read_only(path, warnings=True, piece_bytes=piece_bytes)
    assert doc.portfolio == expected.portfolio
    assert doc.digest == expected.digest and doc.path == expected.path
    assert lint(doc) == lint(expected)  # the same warnings at the same FILE:LINE:COL
    return doc


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")  # (a file the cache may hold is left to `load`)


@pytest.mark.parametrize("piece_bytes", [1, 700, 1 << 20])
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_the_read_only_load_reads_every_corpus_file_as_load_does(
    path: Path, newline: str, piece_bytes: int, tmp_path: Path, no_cache: None
) -> None:
    target = tmp_path / path.name
    target.write_bytes(corpus_text(path.name, newline).encode("utf-8"))
    _same_as_load(target, piece_bytes)


@pytest.mark.parametrize("piece_bytes", [1, 5000, 1 << 20])
def test_a_generated_file_is_read_in_pieces_with_its_warnings(piece_bytes: int, tmp_path: Path, no_cache: None) -> None:
    path = tmp_path / "team.toml"
    path.write_text(TEXT.replace("[projects.impact]", "[projects.impact]\noveral = 4", 2), encoding="utf-8")
    doc = _same_as_load(path, piece_bytes)
    assert isinstance(doc, ReadOnlyDocument)  # read in pieces, not left to `load`
    assert len(lint(doc)) == 2 and len(doc.portfolio.projects) == 60
    assert doc.text == path.read_text(encoding="utf-8")  # read again when asked for


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_the_read_only_load_refuses_every_hostile_file_as_load_does(case: str, tmp_path: Path) -> None:
    _same_as_load(HOSTILE[case](tmp_path), 700)


def _in_project(n: int, old: str, new: str) -> Callable[[str], str]:
    """The text with `old` replaced by `new` once, in project `n` (from 1)."""

    def edit(text: str) -> str:
        pieces = text.split("[[projects]]")
        pieces[n] = pieces[n].replace(old, new, 1)
        return "[[projects]]".join(pieces)

    return edit


def _first_project(text: str) -> str:
    start = text.index("[[projects]]")
    return text[start : text.index("[[projects]]", start + 1)]


BROKEN: dict[str, Callable[[str], str]] = {
    "a syntax error in a later project": _in_project(45, "title = ", "title = = "),
    "a value out of range": _in_project(50, "overall = ", "overall = 9 #"),
    "a duplicate id at the end": lambda t: t + _first_project(t),
    "an unknown dependency": _in_project(30, "depends_on = [", 'depends_on = ["nobody", '),
    "conflict markers": lambda t: t.replace("[[projects]]", "<<<<<<< ours\n=======\n>>>>>>> theirs\n[[projects]]", 2),
    "a byte-order mark": lambda t: "\ufeff" + t,
    "a table after the projects": lambda t: t + "\n[scoring.custom]\nw = 1\n",
    "a [[projects]] line inside a multi-line string": _in_project(
        30, 'summary = "', 'summary = """\n[[projects]]\nid = "not-a-project"\n"""\nsummary_was = "'
    ),
}


@pytest.mark.parametrize("piece_bytes", [1, 5000])
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_file_that_is_not_plain_gives_what_load_gives(
    case: str, piece_bytes: int, tmp_path: Path, no_cache: None
) -> None:
    path = tmp_path / "team.toml"
    path.write_text(BROKEN[case](TEXT), encoding="utf-8")
    _same_as_load(path, piece_bytes)


def test_the_text_read_again_must_be_the_bytes_that_were_read(tmp_path: Path, no_cache: None) -> None:
    path = tmp_path / "team.toml"
    path.write_text(TEXT.replace("[projects.impact]", "[projects.impact]\noveral = 4", 1), encoding="utf-8")
    doc = load_read_only(path, warnings=True)
    path.write_text(TEXT, encoding="utf-8")  # changed before the warning is placed
    with pytest.raises(PortfolioLoadError, match="changed while it was being read"):
        lint(doc)


def test_a_file_gone_before_its_text_is_read_again_is_a_problem(tmp_path: Path, no_cache: None) -> None:
    path = tmp_path / "team.toml"
    path.write_text(TEXT.replace("[projects.impact]", "[projects.impact]\noveral = 4", 1), encoding="utf-8")
    doc = load_read_only(path, warnings=True)
    path.unlink()
    with pytest.raises(PortfolioLoadError, match="could not be read again"):
        lint(doc)


def test_the_read_only_load_never_holds_the_text(tmp_path: Path, no_cache: None) -> None:
    text = make_portfolio_text(150, seed=4)
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    read_only = _peak(lambda: load_read_only(path, piece_bytes=64 << 10))
    whole = _peak(lambda: load(path))
    assert read_only < whole - len(text)  # at least the text (and the bytes) less at the peak
