"""The domain model: immutable values, canonical data, field edits and lifecycle moves (FSDL lecture 1)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from helpers_storage import make_portfolio

from fsdl_tui.domain import framework as fw
from fsdl_tui.domain.codec import portfolio_from_data, portfolio_to_data, project_from_data, project_to_data
from fsdl_tui.domain.fields import FIELDS, FieldError, get_field, parse_value, set_field, spec_for
from fsdl_tui.domain.lifecycle import MoveRefused, loop_back_reasons, move, new_project, slugify
from fsdl_tui.domain.model import Check, Move, Portfolio, Project

DAY = dt.date(2025, 1, 2)


def _ready(p: Project) -> Project:
    return p.replace(gate={g.id: Check(True) for g in fw.GATE_ITEMS})


def test_values_are_immutable_and_edits_return_new_values() -> None:
    p = new_project("a", "A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.title = "B"  # type: ignore[misc]
    pf = Portfolio(projects=(p,))
    edited = pf.with_project(p.replace(title="B"))
    assert pf.get("a").title == "A" and edited.get("a").title == "B"
    assert len(edited.projects) == 1
    grown = edited.with_project(new_project("b", "B"))
    assert [x.id for x in grown.projects] == ["a", "b"] and "b" in grown and "b" not in edited
    assert [x.id for x in grown.without_project("a").projects] == ["b"]
    assert grown.index_of("b") == 1 and grown.get("zz") is None


def test_new_project_starts_in_planning_with_every_check_open() -> None:
    p = new_project("pose", "Pose estimation")
    assert p.stage == "planning" and p.status == "active"
    assert set(p.gate) == {g.id for g in fw.GATE_ITEMS} and not any(c.done for c in p.gate.values())
    assert set(p.feasibility) == {s.id for s in fw.FEASIBILITY_STEPS}
    assert p.open_gate_items() == list(fw.GATE_ITEMS)
    with pytest.raises(ValueError):
        new_project("Not A Slug", "x")


def test_project_data_round_trips_and_is_canonical() -> None:
    for p in make_portfolio(25, seed=3).projects:
        data = project_to_data(p)
        back, issues = project_from_data(data)
        assert issues == [] and back == p
        assert project_to_data(back) == data
    pf = make_portfolio(10, seed=4)
    again, issues = portfolio_from_data(portfolio_to_data(pf))
    assert issues == [] and portfolio_to_data(again) == portfolio_to_data(pf)


def test_project_data_keeps_unknown_keys_and_plugin_fields() -> None:
    data = {"id": "a", "title": "A", "colour": "red", "plugins": {"jira": {"epic": "ML-1"}}}
    p, issues = project_from_data(data)
    assert issues == [] and p is not None
    assert p.extra == {"colour": "red"} and p.plugins == {"jira": {"epic": "ML-1"}}
    assert project_to_data(p)["colour"] == "red"


def test_set_field_changes_one_field_and_validates() -> None:
    p = new_project("a", "A")
    q = set_field(p, "cost.accuracy_requirement", 5)
    assert q.cost.accuracy_requirement == 5 and p.cost.accuracy_requirement is None
    assert get_field(q, "cost.accuracy_requirement") == 5
    assert set_field(q, "cost.accuracy_requirement", None).cost.accuracy_requirement is None
    assert set_field(p, "gate.data.done", True).gate["data"].done
    assert set_field(p, "plugins.jira.epic", "ML-2").plugins == {"jira": {"epic": "ML-2"}}
    with pytest.raises(FieldError, match="out of range"):
        set_field(p, "impact.overall", 6)
    with pytest.raises(FieldError, match="unknown archetype"):
        set_field(p, "archetype", "robot")
    with pytest.raises(FieldError, match="did you mean"):
        set_field(p, "cost.acuracy_requirement", 3)
    with pytest.raises(FieldError, match="lifecycle move"):
        spec_for("lifecycle.stage")


def test_parse_value_by_kind() -> None:
    by_path = {f.path: f for f in FIELDS}
    assert parse_value(by_path["impact.overall"], " 4 ") == 4
    assert parse_value(by_path["impact.overall"], "") is None
    assert parse_value(by_path["tags"], "a, b,,c") == ["a", "b", "c"]
    assert parse_value(by_path["gate.data.done"], "yes") is True
    assert parse_value(by_path["metrics.target"], "0.9") == 0.9
    with pytest.raises(FieldError):
        parse_value(by_path["impact.overall"], "high")
    with pytest.raises(FieldError):
        parse_value(by_path["gate.data.done"], "maybe")


def test_forward_moves_record_history_and_backward_moves_need_a_reason() -> None:
    p = _ready(new_project("a", "A"))
    p = move(p, "data", date=DAY)
    p = move(p, "training", note="labels in", date=DAY)
    assert p.stage == "training"
    assert p.lifecycle.history == (Move("planning", "data", DAY), Move("data", "training", DAY, "labels in"))
    with pytest.raises(MoveRefused, match="needs a reason"):
        move(p, "data", date=DAY)
    back = move(p, "data", note="Need more data", date=DAY)
    assert back.lifecycle.history[-1].is_backward and back.lifecycle.loop_backs == 1
    with pytest.raises(MoveRefused, match="already in"):
        move(back, "data")
    with pytest.raises(MoveRefused, match="unknown stage"):
        move(back, "testing")


def test_leaving_planning_with_open_gate_items_needs_force_and_records_it() -> None:
    p = new_project("a", "A")
    with pytest.raises(MoveRefused) as info:
        move(p, "data", date=DAY)
    assert len(info.value.open_items) == len(fw.GATE_ITEMS)
    forced = move(p, "data", date=DAY, force=True)
    assert "gate overridden" in forced.lifecycle.history[-1].note


def test_loop_back_reasons_come_from_the_lecture() -> None:
    assert "Need more data" in loop_back_reasons("training", "data")
    assert loop_back_reasons("planning", "data") == []


def test_slugify_proposes_unique_ids() -> None:
    assert slugify("Pose Estimation!") == "pose-estimation"
    assert slugify("Pose Estimation", taken={"pose-estimation"}) == "pose-estimation-2"
    assert slugify("!!!") == "project"
