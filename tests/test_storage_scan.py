"""The line scanner's one state machine for TOML strings: basic, literal, multi-line basic and literal
strings, escapes and comments after strings, on their own and across lines; and, as a property, that what
the scanner makes of random documents full of tricky strings (each line's state, its comment, the headers,
the segments, the line of every key and array element) is what `tomllib` reads them as."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsdl_tui.storage.scan import (
    layout,
    lines_with_offsets,
    locate,
    scan,
    skip_string,
    string_end,
    string_state_after,
    walk_line,
)

ML_BASIC, ML_LITERAL = '"""', "'''"


def line_states(lines: list[str]) -> list[str | None]:
    """The state each line starts in, walking the lines in order."""
    states: list[str | None] = []
    state: str | None = None
    for line in lines:
        states.append(state)
        state = walk_line(line, state)[0]
    return states


# --- each kind of string, by example ----------------------------------------------------------------

LINE_CASES = [
    # (line, state at its start, state at its end, its comment: the rest of the line from the `#`, or None)
    ('a = "x # y" # c', None, None, "# c"),
    ('a = "say \\"hi\\" # no" # yes', None, None, "# yes"),
    ('a = "ends with a backslash \\\\" # c', None, None, "# c"),
    ("a = 'C:\\path\\' # c", None, None, "# c"),  # a literal string has no escapes
    ('a = \'""" is text here\' # c', None, None, "# c"),
    ("a = \"''' is text here\" # c", None, None, "# c"),
    ('a = """one line""" # c', None, None, "# c"),
    ('a = """ends in quotes""""" # c', None, None, "# c"),
    ("a = '''ends in quotes''''' # c", None, None, "# c"),
    ('a = """opens # not a comment', None, ML_BASIC, None),
    ("a = '''opens # not a comment", None, ML_LITERAL, None),
    ('a = """opens \\"""', None, ML_BASIC, None),  # an escaped quote and two more: still open
    ('a = """closes \\\\"""', None, None, None),  # an escaped backslash, then the closing quotes
    ('still inside # """', ML_LITERAL, ML_LITERAL, None),  # a basic delimiter in a literal string
    ("still inside # '''", ML_BASIC, ML_BASIC, None),
    ('closes here""" # c', ML_BASIC, None, "# c"),
    ('closes here"""" # c', ML_BASIC, None, "# c"),  # one quote of the string's own, then the delimiter
    ("closes here''' # c", ML_LITERAL, None, "# c"),
    ('escaped \\""" still in', ML_BASIC, ML_BASIC, None),
    ("a literal keeps its backslash \\''' # c", ML_LITERAL, None, "# c"),
    ('closes""" b = """and opens again', ML_BASIC, ML_BASIC, None),
    ('closes""" # and """ in the comment', ML_BASIC, None, '# and """ in the comment'),
    ("# a comment with \"\"\" and '''", None, None, "# a comment with \"\"\" and '''"),
    ("[[projects]] # '''", None, None, "# '''"),
    ('a = "unclosed', None, None, None),
    ("", None, None, None),
    ("", ML_BASIC, ML_BASIC, None),
]


@pytest.mark.parametrize(("line", "before", "after", "comment"), LINE_CASES)
def test_one_line_through_the_state_machine(
    line: str, before: str | None, after: str | None, comment: str | None
) -> None:
    assert string_state_after(line, before) == after
    assert walk_line(line, before) == (after, len(line) - len(comment) if comment else -1)


def test_string_end_and_skip_string_for_each_kind() -> None:
    strings = ['"a\\"b"', "'c\\'", '"""d"" e"""', "'''f'''''"]  # escapes; none in literals; quotes at the end
    line = " ".join(strings)
    at = 0
    for s in strings:
        assert skip_string(line, at) == (at + len(s), None), s
        at += len(s) + 1
    assert skip_string('x = """open', 4) == (11, ML_BASIC)
    assert skip_string("x = '''open", 4) == (11, ML_LITERAL)
    assert skip_string("'open", 0) == (5, None)  # not valid TOML: it ends with its line
    assert string_end('ab\\\\"', 0, '"') == 5
    assert string_end('ab\\"', 0, '"') == -1


def test_line_states_across_a_file_with_every_kind_of_string() -> None:
    text = (
        'a = "[not] a header"\n'
        'b = """\n'
        "[[projects]]\n"
        'x = "in the string"\n'
        '  \\""" still in """\n'
        "c = '''\n"
        '# """ not a comment\n'
        "''' # a comment\n"
        "[t] # '''\n"
        "d = [\n"
        '  """one\n'
        'two""", # after\n'
        "  'x',\n"
        "]\n"
    )
    assert tomllib.loads(text)["b"] == '[[projects]]\nx = "in the string"\n  """ still in '
    lines = lines_with_offsets(text)
    assert line_states(lines) == [
        None, None, ML_BASIC, ML_BASIC, ML_BASIC, None, ML_LITERAL, ML_LITERAL, None, None, None, ML_BASIC, None, None
    ]  # fmt: skip
    assert [h.key for h in scan(text).headers] == [("t",)]
    lay = layout(text)
    assert locate(lay, ("b",)) == (2, 1)
    assert locate(lay, ("t", "d", 1)) == (13, 3)
    assert locate(lay, ("t", "d", 0)) == (11, 3)


# --- the property: random documents with tricky strings ----------------------------------------------

# Pieces of string content that look like TOML syntax: headers, keys, comments, delimiters, escapes.
TRICKY = ["[[projects]]", "[t0]", "k0 = 1", "#", "# c", "=", "[", "]", ",", "{", "}", "a", " ", "\t", "x y"]
QUOTES = ['"', "'", "\\", '"""', "'''", '""', "''"]


@dataclass
class Doc:
    """A document being written, with what each of its lines is, by construction."""

    lines: list[str] = field(default_factory=list)  # without line endings
    states: list[str | None] = field(default_factory=list)  # the state each line starts in
    comments: list[int] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    headers: list[tuple[int, tuple[str, ...], bool]] = field(default_factory=list)
    places: list[tuple[tuple[Any, ...], int, int]] = field(default_factory=list)  # data path, line, column

    def add(self, line: str, state: str | None = None, comment: int = -1) -> None:
        self.lines.append(line)
        self.states.append(state)
        self.comments.append(comment)


def _content(draw: st.DrawFn, *, multiline: bool) -> str:
    pieces = st.sampled_from(TRICKY + QUOTES + (["\n"] if multiline else []))
    return "".join(draw(st.lists(pieces, max_size=8)))


def _basic(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")


def _ml_basic_body(draw: st.DrawFn, value: str) -> str:
    """`value` written for a multi-line basic string: backslashes escaped, and a quote escaped where it
    would be the third in a row; some line breaks hidden by a line-ending backslash (which trims them)."""
    out: list[str] = []
    run = 0
    for i, ch in enumerate(value):
        if ch == "\\":
            out.append("\\\\")
            run = 0
        elif ch == '"':
            escape = run == 2 or draw(st.booleans())
            out.append('\\"' if escape else '"')
            run = 0 if escape else run + 1
        else:
            nxt = value[i + 1 : i + 2]
            if ch != "\n" and nxt and not nxt.isspace() and draw(st.integers(0, 9)) == 0:
                out.append(ch + "\\\n   ")  # a line continuation: it adds nothing to the value
            else:
                out.append(ch)
            run = 0
    return "".join(out)


def _ml_literal_value(value: str) -> str:
    while "'''" in value:
        value = value.replace("'''", "''")
    return value


@st.composite
def _value(draw: st.DrawFn, prefix: str, doc: Doc, path: tuple[Any, ...]) -> None:
    """A `key = value` entry: its lines go into `doc`, starting with `prefix`, its value into the data."""
    kind = draw(st.sampled_from(["basic", "literal", "ml_basic", "ml_literal", "int", "array"]))
    comment = draw(st.sampled_from(["", " # c", ' # with "quotes" and \'\'\' and """', "# '"]))
    if kind == "array":
        doc.add(prefix + "[")
        items: list[Any] = []
        for n in range(draw(st.integers(0, 3))):
            indent = draw(st.sampled_from(["  ", "\t", ""]))
            doc.places.append(((*path, n), len(doc.lines), len(indent)))
            items.append(draw(_string(indent, doc, ",", draw(st.sampled_from(["", " # i '\"'"])))))
        doc.add("]" + comment, comment=1 + comment.find("#") if comment else -1)
        return_value: Any = items
    elif kind == "int":
        doc.add(prefix + "7" + comment, comment=len(prefix) + 1 + comment.find("#") if comment else -1)
        return_value = 7
    else:
        return_value = draw(_string(prefix, doc, "", comment, kind))
    _set(doc.data, path, return_value)


@st.composite
def _string(draw: st.DrawFn, prefix: str, doc: Doc, after: str, comment: str, kind: str | None = None) -> str:
    """A string of `kind` (any, when None) written at the end of `prefix`, followed by `after` and
    `comment`; its lines go into `doc`. Returns its value."""
    kind = kind or draw(st.sampled_from(["basic", "literal", "ml_basic", "ml_literal"]))
    if kind == "basic":
        value = _content(draw, multiline=False)
        text = f'"{_basic(value)}"'
    elif kind == "literal":
        value = _content(draw, multiline=False).replace("'", "")
        text = f"'{value}'"
    elif kind == "ml_basic":
        value = _content(draw, multiline=True)
        first_newline = "\n" if value.startswith("\n") or draw(st.booleans()) else ""
        text = ML_BASIC + first_newline + _ml_basic_body(draw, value) + ML_BASIC
    else:
        value = _ml_literal_value(_content(draw, multiline=True))
        first_newline = "\n" if value.startswith("\n") or draw(st.booleans()) else ""
        text = ML_LITERAL + first_newline + value + ML_LITERAL
    parts = (prefix + text).split("\n")
    delim = ML_BASIC if kind == "ml_basic" else ML_LITERAL
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        line = part + (after + comment if last else "")
        at = len(part) + len(after) + comment.find("#") if last and comment else -1
        doc.add(line, delim if n else None, at)
    return value


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        data = data[p]
    data[path[-1]] = value


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    doc = Doc()
    tables: list[tuple[tuple[Any, ...], bool]] = [((), False)]  # the root, then [tN] and [[projects]]
    for n in range(draw(st.integers(0, 4))):
        tables.append(((f"t{n}",), False) if draw(st.booleans()) else (("projects",), True))
    projects = 0
    for key, array in tables:
        if key:
            for _ in range(draw(st.integers(0, 2))):
                doc.add(draw(st.sampled_from(["", "# above", "  # '''", '# """'])), comment=-1)
                if doc.lines[-1].strip():
                    doc.comments[-1] = doc.lines[-1].index("#")
            header = "[[projects]]" if array else f"[{key[0]}]"
            tail = draw(st.sampled_from(["", " # '''", ' # "'])) if not array else ""
            doc.headers.append((len(doc.lines), key, array))
            doc.add(header + tail, comment=len(header) + 1 if tail else -1)
        if array:
            doc.data.setdefault("projects", []).append({})
            base: tuple[Any, ...] = ("projects", projects)
            projects += 1
        else:
            base = key
            if key:
                doc.data[key[0]] = {}
        for k in range(draw(st.integers(0, 4))):
            indent = draw(st.sampled_from(["", "  "]))
            name = f"k{k}"
            written = draw(st.sampled_from([name, f'"{name}"', f"'{name}'"]))
            doc.places.append(((*base, name), len(doc.lines), len(indent)))
            draw(_value(f"{indent}{written} = ", doc, (*base, name)))
    return doc


EXAMPLES = int(os.environ.get("FSDL_PROPERTY_EXAMPLES", "200"))
DERANDOMIZE = "FSDL_PROPERTY_EXAMPLES" not in os.environ


@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.sampled_from(["", "\n"]))
def test_the_scanner_reads_random_documents_as_tomllib_does(doc: Doc, end: str) -> None:
    text = "".join(line + "\n" for line in doc.lines)
    text = text if end else text[:-1]
    # The construction is what TOML means: tomllib reads exactly the values written.
    assert tomllib.loads(text) == doc.data
    lines = lines_with_offsets(text)
    assert [line.rstrip("\n") for line in lines] == doc.lines
    # Each line's state, and where its comment starts.
    assert line_states(lines) == doc.states
    assert [walk_line(line, s)[1] for line, s in zip(lines, doc.states, strict=True)] == doc.comments
    # The headers that split the file, none of the header-like lines inside strings.
    assert [(h.line, h.key, h.array) for h in scan(text).headers] == doc.headers
    # The segments, each starting at the comments directly above its header.
    lay = layout(text, len(doc.data.get("projects", [])), set(doc.data))
    assert lay.standard
    starts = []
    for line, _, _ in doc.headers:
        while line > 0 and doc.states[line - 1] is None and doc.lines[line - 1].lstrip().startswith("#"):
            line -= 1
        starts.append(line)
    assert [s.start for s in lay.segments[1:]] == starts
    kinds = ["project" if array else "table" for _, _, array in doc.headers]
    assert [s.kind for s in lay.segments] == ["preamble", *kinds]
    # Every key and every array element, found on its line and column.
    for path, line, col in doc.places:
        assert locate(lay, path) == (line + 1, col + 1), path
