"""Property: two edit sets that touch different fields merge to the portfolio of applying both in turn."""

from __future__ import annotations

import pytest
from helpers_git import base_text, edit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsdl_tui.domain.codec import portfolio_to_data
from fsdl_tui.domain.fields import FIELDS, set_field
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.gitops.merge import merge_texts
from fsdl_tui.storage import loads

BASE = base_text()
PROJECT_IDS = [p.id for p in loads(BASE).portfolio.projects]
SPECS = [
    f
    for f in FIELDS
    if f.kind in ("score", "text", "longtext", "bool", "number", "list", "choice")
    and not f.path.startswith("lifecycle.")
    and f.path not in ("cost.flags", "depends_on")
]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


def value_for(spec) -> st.SearchStrategy:
    if spec.path == "title":
        return TEXT.filter(str.strip)  # a project needs a title
    return {
        "score": st.none() | st.integers(1, 5),
        "text": TEXT,
        "longtext": TEXT | st.just("two\nlines"),
        "bool": st.booleans(),
        "number": st.none() | st.integers(-5, 5) | st.floats(-10, 10, allow_nan=False, width=32).map(float),
        "list": st.lists(st.sampled_from(["vision", "nlp", "robotics"]), max_size=2, unique=True),
        "choice": st.none() | st.sampled_from(spec.choices),
    }[spec.kind]


@st.composite
def edit_sets(draw):
    """Disjoint (project, field) edits split into two sides, plus new projects and a removal per side."""
    targets = draw(
        st.lists(
            st.tuples(st.sampled_from(PROJECT_IDS), st.sampled_from(SPECS)),
            max_size=8,
            unique_by=lambda t: (t[0], t[1].path),
        )
    )
    edits = [(pid, spec.path, draw(value_for(spec))) for pid, spec in targets]
    split = draw(st.lists(st.booleans(), min_size=len(edits), max_size=len(edits)))
    ours = [e for e, side in zip(edits, split, strict=False) if side]
    theirs = [e for e, side in zip(edits, split, strict=False) if not side]
    touched_by = {side: {pid for pid, *_ in es} for side, es in (("ours", ours), ("theirs", theirs))}
    removals = {}
    for side, other in (("ours", "theirs"), ("theirs", "ours")):
        free = [
            pid
            for pid in PROJECT_IDS
            if pid not in touched_by[other] and pid not in touched_by[side] and pid not in removals.values()
        ]
        removals[side] = draw(st.none() | st.sampled_from(free)) if free else None
    adds = {side: draw(st.integers(0, 2)) for side in ("ours", "theirs")}
    return ours, theirs, removals, adds


def apply(pf: Portfolio, edits, removal, adds: int, side: str) -> Portfolio:
    for pid, path, value in edits:
        pf = pf.with_project(set_field(pf.get(pid), path, value))
    if removal:
        pf = pf.without_project(removal)
    for i in range(adds):
        pf = pf.with_project(new_project(f"{side}-new-{i}", f"{side.title()} new {i}"))
    return pf


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sets())
def test_disjoint_edits_merge_like_applying_both_in_turn(sets) -> None:
    ours_edits, theirs_edits, removals, adds = sets
    ours = edit(BASE, lambda pf: apply(pf, ours_edits, removals["ours"], adds["ours"], "ours"))
    theirs = edit(BASE, lambda pf: apply(pf, theirs_edits, removals["theirs"], adds["theirs"], "theirs"))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    both = edit(ours, lambda pf: apply(pf, theirs_edits, removals["theirs"], adds["theirs"], "theirs"))
    assert portfolio_to_data(loads(result.text).portfolio) == portfolio_to_data(loads(both).portfolio)
    # and the other way round: the same portfolio, with theirs' layout
    swapped = merge_texts(BASE, theirs, ours)
    assert swapped.clean
    assert {p.id: p for p in loads(swapped.text).portfolio.projects} == {
        p.id: p for p in loads(both).portfolio.projects
    }
