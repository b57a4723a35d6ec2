"""Property: random valid edits, written with the minimal-diff writer and read back, give exactly the edited
portfolio, and every byte outside the edited projects stays as it was."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from helpers_storage import corpus_text, make_portfolio_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsdl_tui.domain import framework as fw
from fsdl_tui.domain.codec import portfolio_to_data
from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import MoveRefused, move, new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.storage import PortfolioDocument, load, loads, render_text, save
from fsdl_tui.storage.scan import layout

pytestmark = pytest.mark.usefixtures("no_fsync")  # what is written, not its flush to disk (conftest)

# A fixed, fast sample by default; FSDL_PROPERTY_EXAMPLES=2000 explores further with fresh random cases.
EXAMPLES = int(os.environ.get("FSDL_PROPERTY_EXAMPLES", "150"))
DERANDOMIZE = "FSDL_PROPERTY_EXAMPLES" not in os.environ

BASES = [
    ("spacing_and_comments.toml", "\n"),
    ("multiline_strings.toml", "\r\n"),
    ("inline_and_dotted.toml", "\n"),
    ("unknown_keys_unusual_order.toml", "\r\n"),
    ("minimal_no_trailing_newline.toml", "\n"),
    ("no_projects.toml", "\n"),
    ("generated", "\n"),
]
SCORES = [f"impact.{k}" for k in ("overall", *(lens.id for lens in fw.IMPACT_LENSES))] + [
    f"cost.{d.id}" for d in fw.COST_DRIVERS
]
NOTES = (
    [f"cost.{d.id}_note" for d in fw.COST_DRIVERS]
    + ["impact.rationale", "summary", "owner"]
    + [f"gate.{g.id}.note" for g in fw.GATE_ITEMS]
    + [f"questions.{q}" for q in ("improves", "good_enough", "failure_rate")]
    + ["plugins.tracker.note"]
)
CHECKS = [f"gate.{g.id}.done" for g in fw.GATE_ITEMS] + [f"feasibility.{s.id}.done" for s in fw.FEASIBILITY_STEPS]

# Text as people paste it: quotes, backslashes, newlines, tabs, unicode; no lone surrogates (not UTF-8).
texts = st.lists(
    st.one_of(
        st.sampled_from(
            ['"', "'", "\\", "\n", "\r\n", "\t", "#", "[", "]", "{", "}", "=", '"""', "'''", "é", "日", "🙂"]
        ),
        st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF),
    ),
    max_size=25,
).map("".join)

edits = st.one_of(
    st.tuples(st.just("score"), st.integers(0, 30), st.sampled_from(SCORES), st.one_of(st.none(), st.integers(1, 5))),
    st.tuples(st.just("text"), st.integers(0, 30), st.sampled_from(NOTES), texts),
    st.tuples(st.just("check"), st.integers(0, 30), st.sampled_from(CHECKS), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 30), st.sampled_from(fw.STAGE_IDS), texts),
    st.tuples(st.just("add"), st.integers(0, 10**6), st.just(""), texts),
    st.tuples(st.just("remove"), st.integers(0, 30), st.just(""), st.just("")),
)


def _base(name: str, nl: str) -> str:
    if name == "generated":
        return make_portfolio_text(4, seed=7)
    return corpus_text(name, nl)


def _apply(pf: Portfolio, edit: tuple, touched: set[str]) -> Portfolio:
    kind, n, path, value = edit
    if kind == "add":
        pid = f"added-{n}"
        if pid in pf:
            return pf
        touched.add(pid)
        return pf.with_project(new_project(pid, (value.strip() or "Added").replace("\n", " ")))
    if not pf.projects:
        return pf
    p = pf.projects[n % len(pf.projects)]
    if kind == "remove":
        if any(p.id in q.depends_on for q in pf.projects):
            return pf
        touched.add(p.id)
        return pf.without_project(p.id)
    if kind == "move":
        try:
            p = move(p, path, note=value, date=dt.date(2025, 1, 1) + dt.timedelta(days=n), force=True)
        except MoveRefused:
            return pf
    else:
        p = set_field(p, path, value)
    touched.add(p.id)
    return pf.with_project(p)


def _segments(text: str) -> tuple[list[str], dict[str, str]]:
    """The texts of the non-project segments, and of each project segment by id, without the blank lines at
    their end (where a new project joins a segment, one blank line separates them)."""
    doc = loads(text)
    lay = layout(text, len(doc.portfolio.projects))
    others = [lay.segment_text(s).rstrip("\r\n") for s in lay.segments if s.kind != "project"]
    projects = {
        doc.portfolio.projects[s.project_index].id: lay.segment_text(s).rstrip("\r\n")
        for s in lay.segments
        if s.kind == "project"
    }
    return others, projects


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), batches=st.lists(st.lists(edits, min_size=1, max_size=4), min_size=1, max_size=3))
def test_random_edits_round_trip_and_leave_other_text_alone(base: tuple[str, str], batches: list) -> None:
    original = _base(*base)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        path.write_bytes(original.encode())
        doc: PortfolioDocument = load(path)
        touched: set[str] = set()
        for batch in batches:  # each batch is one save; the next builds on the saved document
            new = doc.portfolio
            for edit in batch:
                new = _apply(new, edit, touched)
            text = render_text(doc, new)
            doc = save(doc, new)
            assert path.read_bytes() == text.encode()
            assert portfolio_to_data(load(path).portfolio) == portfolio_to_data(new)
        others_before, projects_before = _segments(original)
        others_after, projects_after = _segments(path.read_bytes().decode("utf-8"))
        assert others_after == others_before
        for pid, seg in projects_before.items():
            if pid not in touched:
                assert projects_after[pid] == seg
