"""Property: text edits of different projects (comments, unknown keys, field values, by hand) merge to
exactly the text of applying both sides' edits, comments and unknown keys included."""

from __future__ import annotations

from helpers_git import base_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsdl_tui.gitops.merge import merge_texts
from fsdl_tui.storage import loads

BASE = base_text()
IDS = [p.id for p in loads(BASE).portfolio.projects]
WORDS = st.text(st.sampled_from("abcdefghij xyz-"), min_size=1, max_size=10).map(str.strip).filter(bool)


def _segment(text: str, pid: str) -> tuple[int, int]:
    start = text.index(f'id = "{pid}"')
    end = text.find("[[projects]]", start)
    return start, len(text) if end < 0 else end


def _after_line(text: str, pid: str, marker: str, line: str) -> str:
    start, end = _segment(text, pid)
    at = text.index("\n", text.index(marker, start, end)) + 1
    return text[:at] + line + "\n" + text[at:]


def _retitle(text: str, pid: str, title: str) -> str:
    start, end = _segment(text, pid)
    line_start = text.index("title = ", start, end)
    line_end = text.index("\n", line_start)
    return text[:line_start] + f'title = "{title}"' + text[line_end:]


EDITS = {
    "comment": lambda t, pid, w: _after_line(t, pid, "[projects.cost]", f"# {w}"),
    "unknown": lambda t, pid, w: _after_line(t, pid, "[projects.metrics]", f'ticket = "{w}"'),
    "title": lambda t, pid, w: _retitle(t, pid, w),
}


@st.composite
def sides(draw):
    chosen = draw(st.lists(st.sampled_from(IDS), min_size=2, max_size=len(IDS), unique=True))
    cut = draw(st.integers(1, len(chosen) - 1))

    def edits(ids):
        out = []
        for pid in ids:
            for kind in draw(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=3, unique=True)):
                out.append((kind, pid, draw(WORDS)))
        return out

    return edits(chosen[:cut]), edits(chosen[cut:])


def apply(text: str, edits) -> str:
    for kind, pid, word in edits:
        text = EDITS[kind](text, pid, word)
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sides())
def test_text_edits_of_different_projects_merge_to_both_edits(pair) -> None:
    ours_edits, theirs_edits = pair
    ours, theirs = apply(BASE, ours_edits), apply(BASE, theirs_edits)
    expected = apply(ours, theirs_edits)
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    assert result.text == expected
    assert merge_texts(BASE, theirs, ours).text == expected
