"""Bad input: every problem at once, each as FILE:LINE:COL: message pointing at the offending key."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_storage import corpus_text

from fsdl_tui.domain.model import SCHEMA_VERSION
from fsdl_tui.storage import PortfolioLoadError, Problem, load, loads
from fsdl_tui.storage.scan import layout, locate

GOOD_PROJECT = """\
[[projects]]
id = "{pid}"
title = "A project"
archetype = "software-2.0"

[projects.impact]
overall = 3

[projects.cost]
data_availability = 3

[projects.lifecycle]
stage = "data"
status = "active"
history = [
  {{ from = "planning", to = "data", date = 2024-01-01 }},
]
"""


def problems_of(text: str, filename: str = "p.toml") -> list[Problem]:
    with pytest.raises(PortfolioLoadError) as info:
        loads(text, filename)
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return info.value.problems


def where(problems: list[Problem]) -> list[tuple[int, int]]:
    return [(p.line, p.col) for p in problems]


def line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = text.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[nth]


def test_problem_prints_as_file_line_col_message() -> None:
    assert str(Problem("a/p.toml", 3, 7, "bad")) == "a/p.toml:3:7: bad"


def test_many_problems_are_all_reported_at_once_with_their_lines() -> None:
    text = (
        "schema_version = 1\n"
        "name = 'Bad'\n\n"
        + GOOD_PROJECT.format(pid="alpha")
        + "\n"
        + GOOD_PROJECT.format(pid="alpha")  # duplicate id
        .replace("overall = 3", "overall = 9")  # out of range
        .replace('archetype = "software-2.0"', 'archetype = "robot"')  # unknown archetype
        .replace('stage = "data"', 'stage = "testing"')  # unknown stage
        .replace('status = "active"', 'status = "paused"')  # unknown status
        + "\n[[projects]]\n"
        'title = "No id"\n'  # missing id
        "\n[[projects]]\n"
        'id = "beta"\n'
        "title = 5\n"  # wrong type
        'depends_on = ["ghost"]\n'  # unknown dependency
        "[projects.lifecycle]\n"
        'stage = "data"\n'
        'status = "killed"\n'  # killed without reason
        "history = [\n"
        '  { from = "planning", to = "training", date = 2024-01-01 },\n'
        '  { from = "training", to = "data", date = 2024-02-01 },\n'  # backward without reason
        "]\n"
        "[projects.cost]\n"
        'accuracy_requirement = "high"\n'  # wrong type
    )
    problems = problems_of(text)
    expect = [
        (line_of(text, "overall = 9"), "out of range"),
        (line_of(text, 'archetype = "robot"'), "unknown archetype 'robot'"),
        (line_of(text, 'stage = "testing"'), "unknown stage 'testing'"),
        (line_of(text, 'status = "paused"'), "unknown status 'paused'"),
        (line_of(text, 'id = "alpha"', 1), "duplicate project id 'alpha'"),
        (line_of(text, "[[projects]]", 2), "project has no 'id'"),
        (line_of(text, "title = 5"), "'title' must be a string"),
        (line_of(text, 'depends_on = ["ghost"]'), "depends on unknown project 'ghost'"),
        (line_of(text, 'status = "killed"'), "a killed project needs a 'status_reason'"),
        (line_of(text, 'to = "data", date = 2024-02-01'), "moving back from 'training' to 'data' needs a reason"),
        (line_of(text, 'accuracy_requirement = "high"'), "'accuracy_requirement' must be a whole number"),
    ]
    for line, message in expect:
        assert any(p.line == line and message in p.message for p in problems), (line, message, problems)
    assert all(p.file == "p.toml" for p in problems)
    assert where(problems) == sorted(where(problems))
    assert len(problems) == len(expect)


def test_columns_point_at_the_key() -> None:
    text = (
        "schema_version = 1\n\n"
        "[[projects]]\n"
        'id = "a"\n'
        'title = "A"\n'
        "impact = { overall = 3, peers = 7 }\n"
        "  [projects.cost]\n"
        "    data_availability = 0\n"
    )
    problems = problems_of(text)
    assert where(problems) == [(6, 25), (8, 5)]


def test_problems_inside_history_and_metric_arrays_point_at_the_item() -> None:
    text = (
        "schema_version = 1\n"
        "[[projects]]\n"
        'id = "a"\n'
        'title = "A"\n'
        "[projects.metrics]\n"
        "satisficing = [\n"
        '  { metric = "latency", threshold = 10, direction = "max" },\n'
        '  # a comment between items, and a string with ] and { inside: "]{"\n'
        '  { metric = "size ]{", threshold = 3, direction = "up" },\n'
        "]\n"
        'baselines = [{ kind = "human", name = "x" }, { kind = "alien", name = "y" }]\n'
        "[projects.lifecycle]\n"
        'stage = "planning"\n'
        'history = [{ from = "planning", to = "data", date = 2024-01-01 },\n'
        '           { from = "data", to = "planning", date = 2024-02-01 }]\n'
    )
    problems = problems_of(text)
    assert [(p.line, p.col, p.message.split(":")[0]) for p in problems] == [
        (9, 40, "unknown direction 'up'"),
        (11, 48, "unknown baseline kind 'alien'"),
        (15, 12, "moving back from 'data' to 'planning' needs a reason in 'note'"),
    ]


def test_a_problem_in_a_later_project_is_not_confused_with_an_earlier_one() -> None:
    text = (
        "schema_version = 1\n\n"
        + GOOD_PROJECT.format(pid="one")
        + "\n"
        + GOOD_PROJECT.format(pid="two").replace("data_availability = 3", "data_availability = 6")
    )
    (problem,) = problems_of(text)
    assert problem.line == line_of(text, "data_availability = 6")


def test_problems_in_tables_after_the_projects_and_in_the_header() -> None:
    text = corpus_text("unknown_keys_unusual_order.toml").replace("impact_threshold = 3.5", 'impact_threshold = "x"')
    text = text.replace('name = "Unusual order"', "name = 3")
    problems = problems_of(text)
    assert where(problems) == [(line_of(text, "name = 3"), 1), (line_of(text, 'impact_threshold = "x"'), 1)]


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ("schema_version = 1\nname = \n", 2, 8, "TOML syntax error: invalid value"),
        ('schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A\n', 4, 11, "TOML syntax error: illegal character"),
        ('schema_version = 1\nname = "a"\nname = "b"\n', 3, 11, "TOML syntax error: cannot overwrite a value"),
        ('schema_version = 1\ndescription = """\nnever closed\n', 4, 1, "TOML syntax error: unterminated string"),
    ],
)
def test_syntax_errors(text: str, line: int, col: int, message: str) -> None:
    (problem,) = problems_of(text)
    assert (problem.line, problem.col) == (line, col)
    assert problem.message.startswith(message)


def test_git_conflict_markers_are_all_reported() -> None:
    text = (
        "schema_version = 1\n"
        "[[projects]]\n"
        'id = "a"\n'
        "<<<<<<< HEAD\n"
        'title = "Ours"\n'
        "=======\n"
        'title = "Theirs"\n'
        ">>>>>>> feature\n"
    )
    problems = problems_of(text)
    assert where(problems) == [(4, 1), (6, 1), (8, 1)]
    assert all("leftover git conflict marker" in p.message for p in problems)


def test_conflict_markers_inside_a_multi_line_string_are_still_reported() -> None:
    text = 'schema_version = 1\ndescription = """\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> b\n"""\n'
    assert where(problems_of(text)) == [(3, 1), (5, 1), (7, 1)]


def test_a_markdown_underline_in_a_string_is_not_a_conflict() -> None:
    text = 'schema_version = 1\ndescription = """\nTitle\n=======\n"""\n'
    assert loads(text).portfolio.description == "Title\n=======\n"


def test_a_byte_order_mark_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes('\ufeffschema_version = 1\n[settings]\nimpact_threshold = "high"\n'.encode())
    with pytest.raises(PortfolioLoadError) as info:
        load(path)
    problems = info.value.problems
    assert where(problems) == [(1, 1), (3, 1)]
    assert "byte-order mark" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:1:1: ")


def test_invalid_utf8_is_reported_at_each_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'schema_version = 1\nname = "caf\xe9"\ndescription = "na\xefve \xff"\n')
    with pytest.raises(PortfolioLoadError) as info:
        load(path)
    problems = info.value.problems
    assert where(problems) == [(2, 12), (3, 18), (3, 22)]
    assert all("not valid UTF-8" in p.message for p in problems)


def test_invalid_utf8_and_other_problems_together(tmp_path: Path) -> None:
    path = tmp_path / "mixed.toml"
    path.write_bytes(b'schema_version = 1\nname = "caf\xe9"\n[settings]\nimpact_threshold = true\n')
    with pytest.raises(PortfolioLoadError) as info:
        load(path)
    assert where(info.value.problems) == [(2, 12), (4, 1)]


def test_a_newer_schema_version_is_refused_with_its_line() -> None:
    text = f"# comment\nname = 'x'\nschema_version = {SCHEMA_VERSION + 1}\n[[projects]]\nid = 5\n"
    (problem,) = problems_of(text)
    assert (problem.line, problem.col) == (3, 1)
    assert "newer than this fsdl-tui understands" in problem.message


def test_missing_schema_version() -> None:
    (problem,) = problems_of('name = "x"\n')
    assert (problem.line, problem.col) == (1, 1) and "missing 'schema_version'" in problem.message


def test_bad_input_never_raises_anything_but_a_load_error() -> None:
    samples = [
        "",
        "\x00",
        "[[projects]]\n",
        "projects = 5\n",
        "schema_version = 'one'\n",
        "schema_version = 1\nprojects = [1, 2]\n",
        'schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A"\ngate = 5\nlifecycle = { history = 5 }\n',
        'schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A"\n[projects.lifecycle]\nhistory = [1, {}]\n',
        'schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A"\n[projects.metrics]\nsatisficing = 3\nbaselines = [{}]\n',
        'schema_version = 1\n[projects]\nid = "a"\n',
        "\ufeff",
        "<<<<<<<\n",
    ]
    for text in samples:
        try:
            loads(text, "x.toml")
        except PortfolioLoadError as exc:
            assert exc.problems and all(str(p).startswith("x.toml:") for p in exc.problems)


def test_locate_handles_quoted_keys_and_strings_that_look_like_headers() -> None:
    text = (
        "schema_version = 1\n"
        "[[projects]]\n"
        'id = "a"\n'
        'summary = """\n'
        "[projects.cost]\n"
        "data_availability = 1\n"
        '"""\n'
        '[projects."cost"]\n'
        "'data_availability' = 9\n"
    )
    lay = layout(text)
    assert locate(lay, ("projects", 0, "cost", "data_availability")) == (9, 1)
    assert locate(lay, ("projects", 0, "summary")) == (4, 1)
    assert locate(lay, ("projects", 1, "id")) == (1, 1)  # no such project: the top of the file


def test_layout_attaches_comments_above_a_header_but_not_string_lines() -> None:
    text = (
        'schema_version = 1\nnotes = """\n# not a comment"""\n[[projects]]\nid = "a"\n# mine\n[[projects]]\nid = "b"\n'
    )
    segs = [(s.kind, s.start, s.end) for s in layout(text).segments]
    assert segs == [("preamble", 0, 3), ("project", 3, 5), ("project", 5, 8)]


def test_layout_flags_files_it_cannot_split_safely() -> None:
    base = 'schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A"\n'
    assert layout(base, 1).standard
    # a project sub-table after another table belongs to the last project: not a segment of its own
    assert not layout(base + "[settings]\nx = 1\n[projects.cost]\ny = 1\n", 1).standard
    # a header-like line inside a multi-line array
    assert not layout(base + 'tags = [\n  ["nested"]\n]\n', 1, {"schema_version", "projects"}).standard
    # more [[projects]] headers than projects
    assert not layout(base + "[[projects]]\n", 1).standard


def test_a_binary_file_gives_a_short_list_of_problems(tmp_path: Path) -> None:
    path = tmp_path / "image.toml"
    path.write_bytes(bytes(range(128, 256)) * 50)
    with pytest.raises(PortfolioLoadError) as info:
        load(path)
    problems = info.value.problems
    assert len(problems) == 11 and "is this a text file?" in problems[-1].message
