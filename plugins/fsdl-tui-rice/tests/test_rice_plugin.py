"""Tests of the RICE/ICE plugin, using the fixtures fsdl-tui ships for plugin authors."""

import math

import fsdl_tui_rice
import pytest

from fsdl_tui.testing import check_scorer, fsdl_host, make_portfolio, make_project, plugin_host, portfolio_file, run_cli  # noqa: F401 - pytest fixtures


def rice_project(pid="p", **fields):
    return make_project(pid, plugins={"rice": fields})


def test_rice_formula_and_explanation():
    p = rice_project(reach=400, impact=2, confidence=0.8, effort=4)
    s = fsdl_tui_rice.RiceScorer().score(p, {})
    assert s.value == pytest.approx(400 * 2 * 0.8 / 4)
    assert math.isclose(sum(t.contribution for t in s.terms), s.value)


def test_ice_uses_inverse_effort_and_percentage_confidence():
    p = rice_project(impact=3, confidence=50, effort=2)
    assert fsdl_tui_rice.IceScorer().score(p, {}).value == pytest.approx(3 * 0.5 / 2)


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"impact": 1, "confidence": 1, "effort": 1}, "missing plugins.rice.reach"),
        ({"reach": 1, "impact": 1, "confidence": 1, "effort": 0}, "effort must be more than 0"),
        ({"reach": "many", "impact": 1, "confidence": 1, "effort": 1}, "reach must be a number"),
        ({"reach": 1, "impact": 1, "confidence": 300, "effort": 1}, "confidence must be 0-1"),
    ],
)
def test_bad_inputs_are_not_scorable_with_a_reason(fields, reason):
    s = fsdl_tui_rice.RiceScorer().score(rice_project(**fields), {})
    assert s.value is None and reason in s.reason


def test_plugin_settings_reach_the_hook():
    pf = make_portfolio([rice_project(reach=10, impact=1, effort=1)], plugins={"rice": {"default_confidence": 0.5}})
    host = plugin_host(fsdl_tui_rice, name="rice")
    assert [r.score.value for r in host.rank(pf, "rice")] == [5.0]
    assert host.problems == []


def test_bad_plugin_settings_are_reported_with_the_plugin_name():
    pf = make_portfolio([rice_project(reach=10, impact=1, effort=1)], plugins={"rice": {"default_confidence": "x"}})
    host = plugin_host(fsdl_tui_rice, name="rice")
    assert "rice" not in host.scorers(pf)
    assert any(p.plugin == "rice" and "default_confidence" in p.message for p in host.problems)


def test_scorers_meet_the_contract():
    for scorer in (fsdl_tui_rice.RiceScorer(), fsdl_tui_rice.IceScorer()):
        check_scorer(scorer)


def test_installed_entry_point_is_found(fsdl_host):
    assert {"rice", "ice"} <= set(fsdl_host.scorers())


def test_cli_ranks_by_rice_and_explains(run_cli, portfolio_file):
    code, out, err = run_cli("rank", portfolio_file, "--scorer", "rice", "--explain", "grasp-pose")
    assert code == 0, err
    assert "reach x impact x confidence" in out and "50.0000" in out  # 300 x 2 x 0.5 / 6


def test_fields_are_declared_with_their_ranges():
    host = plugin_host(fsdl_tui_rice, name="rice")
    fields = {f.path: f for f in host.fields() if f.path.startswith("plugins.rice.")}
    assert set(fields) == {f"plugins.rice.{k}" for k in fsdl_tui_rice.FIELDS}
    assert fields["plugins.rice.confidence"].bounds == (0, 100)
    assert fields["plugins.rice.reach"].bounds == (0, None)
    settings = [f.path for f in host.fields(scope="portfolio") if f.path.startswith("plugins.rice.")]
    assert settings == ["plugins.rice.default_confidence"]
    assert host.problems == []


def test_set_makes_a_project_rankable_by_rice(run_cli, portfolio_file):
    for value in ("reach=100", "impact=2", "confidence=80", "effort=4"):
        code, _, err = run_cli("set", portfolio_file, "grasp-pose", f"plugins.rice.{value}")
        assert code == 0, err
    code, _, err = run_cli("set", portfolio_file, "grasp-pose", "plugins.rice.effort=-1")
    assert code == 1 and "out of range" in err
    code, out, err = run_cli("rank", portfolio_file, "--scorer", "rice", "--explain", "grasp-pose")
    assert code == 0, err
    assert "40.0000" in out  # 100 x 2 x 0.8 / 4
