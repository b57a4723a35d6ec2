"""Plugin fields (`register_fields`): declared fields become schema fields that `set`, `validate` and `show` use."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsdl_tui.domain import schema as sc
from fsdl_tui.domain.fields import FieldError, parse_value, set_fields, spec_for
from fsdl_tui.domain.reader import check_fields
from fsdl_tui.plugins.fields import PluginField, range_text
from fsdl_tui.plugins.manager import load_plugins
from fsdl_tui.testing import isolated_env, make_project

FIELDS_DIR = Path(__file__).parent / "plugin_fixtures" / "fields"


@pytest.fixture
def host(tmp_path):
    return load_plugins(plugins_dir=str(FIELDS_DIR), env=isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="speed"))


def test_declarations_become_schema_fields_and_bad_ones_are_reported(host):
    fields = {f.path: f for f in host.fields()}
    assert list(fields) == [
        "plugins.speed.weeks",
        "plugins.speed.risk",
        "plugins.speed.urgent",
        "plugins.speed.team_size",
    ]
    assert fields["plugins.speed.weeks"].bounds == (1, 52) and fields["plugins.speed.weeks"].label == "Weeks"
    assert fields["plugins.speed.team_size"].range == (1, 9)
    assert [f.path for f in host.fields(scope="portfolio")] == [
        "plugins.fsdl_tui.exclude_inactive",  # the built-in exporters' settings come first
        "plugins.fsdl_tui.plan_budget",
        "plugins.fsdl_tui.top_k",
        "plugins.speed.horizon",
    ]
    messages = [p.message for p in host.problems if p.plugin == "speed"]
    assert any("'weeks' declared twice" in m for m in messages)
    assert any("'colour' is not one of" in m for m in messages)
    assert any("returned str" in m for m in messages)
    info = {p["name"]: p for p in host.info()}
    assert info["speed"]["provides"]["fields"] == ["weeks", "risk", "urgent", "team_size", "horizon"]


def test_set_parses_and_checks_a_declared_field(host):
    extra = host.fields()
    p = make_project("a")
    spec = spec_for("plugins.speed.weeks", extra)
    assert spec.kind == "number"
    p = set_fields(p, [("plugins.speed.weeks", parse_value(spec, "12"))], extra)
    assert p.plugins["speed"]["weeks"] == 12
    with pytest.raises(FieldError, match="out of range: must be from 1 to 52"):
        set_fields(p, [("plugins.speed.weeks", 60)], extra)
    with pytest.raises(FieldError, match="not a number"):
        parse_value(spec, "soon")
    with pytest.raises(FieldError, match=r"unknown speed\.risk 'medium'"):
        set_fields(p, [("plugins.speed.risk", "medium")], extra)
    with pytest.raises(FieldError, match="true or false"):
        parse_value(spec_for("plugins.speed.urgent", extra), "maybe")
    # an undeclared plugin value stays free-form data
    assert set_fields(p, [("plugins.other.x", "anything")], extra).plugins["other"]["x"] == "anything"


def test_check_fields_names_the_key_of_each_bad_value():
    f = PluginField("reach", min=0).to_field("rice")
    issues = check_fields([f], {"plugins": {"rice": {"reach": -3}}}, ("projects", 4))
    assert [i.path for i in issues] == [("projects", 4, "plugins", "rice", "reach")]
    assert check_fields([f], {"plugins": {"rice": {"reach": 3}}}) == []
    assert check_fields([f], {"plugins": {}}) == []  # absent is fine


def test_range_text_and_invalid_declarations():
    assert range_text(PluginField("x", min=0, max=1).to_field("p")) == "0 to 1"
    assert range_text(PluginField("x", min=0).to_field("p")) == "at least 0"
    assert range_text(PluginField("x", "choice", choices=("a", "b")).to_field("p")) == "one of a, b"
    with pytest.raises(ValueError, match="needs its choices"):
        PluginField("x", "choice").to_field("p")
    with pytest.raises(ValueError, match="scope"):
        PluginField("x", scope="team").to_field("p")
    with pytest.raises(ValueError, match="names are lowercase"):
        sc.plugin_field("p", "Bad Key", "number")


RICE_FILE = Path(__file__).parent.parent / "sample_portfolios" / "saas-support.toml"


def test_rice_fields_are_declared_and_usable_from_the_cli(run_cli, tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(RICE_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run_cli("set", path, "ticket-routing", "plugins.rice.confidence=500")
    assert code == 1 and "plugins.rice.confidence" in err and "out of range" in err
    code, _, err = run_cli("set", path, "ticket-routing", "plugins.rice.reach=abc")
    assert code == 1 and "'abc' is not a number" in err
    code, _, err = run_cli("set", path, "ticket-routing", "plugins.rice.reach=1200")
    assert code == 0, err
    code, out, _ = run_cli("show", path, "ticket-routing")
    assert code == 0 and "Plugin fields" in out and "Reach (rice)" in out and "1200" in out
    code, _, err = run_cli("validate", path)
    assert code == 0, err


def test_validate_reports_a_bad_plugin_value_at_its_line(run_cli, tmp_path):
    text = RICE_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("effort ="))
    lines[at] = 'effort = "lots"'
    path = tmp_path / "p.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli("validate", path)
    assert code == 1
    assert f"{path}:{at + 1}:1: 'effort' must be a finite number" in err
    code, out, _err = run_cli("show", path, "ticket-routing")  # shown as written, never a crash
    assert code == 0 and "must be a finite number" in out


def test_the_detail_pane_lists_declared_fields_and_shows_bad_values_as_plain_text(host):
    from fsdl_tui.render import project_renderable
    from fsdl_tui.scoring import FsdlScorer, rank
    from fsdl_tui.testing import make_portfolio

    p = make_project(
        "a",
        impact=3,
        cost=(3, 3, 3),
        plugins={"speed": {"weeks": "[bold]soon[/bold]", "risk": "low"}, "other": {"k": 1}},
    )
    (r,) = rank(make_portfolio([p]), FsdlScorer())
    assert "Plugin fields" not in project_renderable(r, "FSDL").plain  # the pane, until it is given the fields
    text = project_renderable(r, "FSDL", full=True, plugin_fields=host.fields()).plain
    section = text[text.index("Plugin fields") :]
    assert "Weeks (speed): Calendar weeks to a first version." in section
    assert "[bold]soon[/bold]" in section and "must be a finite number" in section  # as written, not markup
    assert "Risk (speed): How risky.\n  low" in section
    assert "plugins.other.k" in section  # an undeclared value, by its path
