"""The core behind the app's rating, agreement and plan screens (no UI): `RatingDraft`, `agreement_rows`,
the markers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fsdl_tui.decide.agreement import agreement
from fsdl_tui.storage import load
from fsdl_tui.storage.ratings import load_ratings, record_many
from fsdl_tui.workspace import RatingDraft, Session, Workspace, agreement_rows, compute_decisions

SMALL = Path(__file__).parent / "tui" / "fixtures" / "small.toml"


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    shutil.copy(SMALL, path)
    return path


def test_a_draft_writes_only_what_changed_and_clearing_removes_a_value(team: Path) -> None:
    record_many(team, "Zoe", [("grasp-pose", {"impact": 4, "data_availability": 2}, "first look")])
    draft = RatingDraft("Zoe", load_ratings(team))
    assert not draft.dirty and draft.value("grasp-pose", "impact") == 4
    draft.set("grasp-pose", "impact", None)
    draft.set("label-tool", "problem_difficulty", 3)
    draft.set_note("grasp-pose", "")
    assert draft.changes() == [
        ("grasp-pose", {"impact": None}, ""),
        ("label-tool", {"problem_difficulty": 3}, None),
    ]
    draft.save(team)
    assert not draft.dirty
    (zoe,) = load_ratings(team)
    assert zoe.scores == {"grasp-pose": {"data_availability": 2}, "label-tool": {"problem_difficulty": 3}}
    assert zoe.notes == {}
    with pytest.raises(ValueError):
        draft.set("label-tool", "impact", 6)


def test_blind_until_rated_or_revealed(team: Path) -> None:
    record_many(team, "Bo", [("grasp-pose", {"impact": 1}, None), ("label-tool", {"impact": 2}, None)])
    draft = RatingDraft("Zoe", load_ratings(team))
    assert draft.others_values("grasp-pose") is None and draft.others_count("grasp-pose") == 1
    draft.set("grasp-pose", "impact", 5)
    assert draft.others_values("grasp-pose") == [("Bo", {"impact": 1})]
    assert draft.others_values("label-tool") is None
    assert draft.toggle_reveal("label-tool") and draft.others_values("label-tool") == [("Bo", {"impact": 2})]
    assert not draft.toggle_reveal("label-tool") and draft.others_values("label-tool") is None
    draft.reveal_all = True
    assert draft.others_values("label-tool") == [("Bo", {"impact": 2})]


def test_markers_and_rows_follow_the_agreement(team: Path) -> None:
    record_many(team, "Ana", [("grasp-pose", {"impact": 5}, None), ("label-tool", {"impact": 4}, None)])
    record_many(team, "Bo", [("grasp-pose", {"impact": 2}, None), ("label-tool", {"impact": 4}, None)])
    ws = Workspace(Session(load(team)))
    inputs = ws.decision_inputs()
    assert inputs is not None
    ws.adopt_decisions(compute_decisions(*inputs, draws=50))
    assert ws.marks("grasp-pose").startswith("±3!")
    assert ws.marks("label-tool").startswith("±0") and "!" not in ws.marks("label-tool")
    assert ws.marks("task-language") == ""
    portfolio, _, raters = inputs
    rows = agreement_rows(agreement(portfolio, raters), ["grasp-pose", "label-tool"])
    assert rows.consensus == [("grasp-pose", "3.5 ±3 !"), ("label-tool", "4 ±0")]
    assert rows.disputed == [("grasp-pose", "Impact", "3", "Bo 2", "Ana 5")]
    ws.adopt_decisions(None)
    assert ws.marks("grasp-pose") == ""
