"""The schema drives the file format: reading, writing, pruning, `set`, `validate`, `show` and the exports.

The extension tests add fields to the schema (monkeypatched) and see them everywhere without other changes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fsdl_tui.analysis import record_columns
from fsdl_tui.domain import fields as fd
from fsdl_tui.domain import schema as sc
from fsdl_tui.domain.codec import portfolio_from_data, project_from_data, project_to_data
from fsdl_tui.storage import load, tomlkit_edit
from fsdl_tui.testing import run_cli  # noqa: F401 - pytest fixture

TEAM = sc.Field("team", "text", "Team", "Which team builds it?", default="", prunes=True)
RISK = sc.Field("risk", "choice", "Risk", "How risky is it?", choices=("low", "high"), what="risk level")

FILE = """\
schema_version = 1
name = "Team"

[[projects]]
id = "pose"
title = "Pose"
owner = "ana"

[projects.impact]
overall = 4
peers = 2

[projects.cost]
data_availability = 3
accuracy_requirement = 4
problem_difficulty = 2

[[projects]]
id = "infra"
title = "Infra"
team = "platform"
risk = "high"
"""


@pytest.fixture
def extended(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema with two project-level fields more: a text and a choice."""
    fields = sc.extended(sc.PROJECT_FIELDS, TEAM, after="owner")
    monkeypatch.setattr(sc, "PROJECT_FIELDS", sc.extended(fields, RISK, after="team"))


def write(tmp_path: Path, text: str = FILE) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the schema itself ------------------------------------------------------------------------------------


def test_every_editable_path_comes_from_the_schema() -> None:
    schema_paths = {f.path for f in sc.PROJECT_FIELDS}
    for spec in fd.editable_fields():
        assert (
            spec.path in schema_paths
            or spec.path.rsplit(".", 1)[0] in schema_paths
            or (spec.path.split(".")[0] in schema_paths)
        ), spec.path
    assert {"lifecycle.stage", "lifecycle.history", "id", "plugins"}.isdisjoint(f.path for f in fd.editable_fields())


def test_storage_prunes_what_the_schema_says() -> None:
    assert sc.prunable_keys() == tomlkit_edit._PRUNABLE
    assert "status_reason" in sc.prunable_keys() and "title" not in sc.prunable_keys()


def test_values_land_in_their_own_field_whatever_the_schema_order(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"id": "a", "title": "A", "impact": {"overall": 1, "cheap_prediction": 2, "automation": 4, "peers": 5}}
    expected, issues = project_from_data(data)
    assert issues == [] and expected is not None
    assert (expected.impact.overall, expected.impact.automation, expected.impact.peers) == (1, 4, 5)
    monkeypatch.setattr(sc, "PROJECT_FIELDS", tuple(reversed(sc.PROJECT_FIELDS)))
    reordered, issues = project_from_data(data)
    assert issues == [] and reordered == expected  # built by keyword: no value shifts into another field
    assert project_to_data(reordered)["impact"] == {**data["impact"], "rationale": ""}


def test_unknown_keys_in_known_tables_are_the_schema_s_complement() -> None:
    from fsdl_tui.domain.codec import unknown_key_warnings

    data = {"schema_version": 1, "projects": [{"id": "a", "title": "A", "lifecycle": {"status_reasn": "x"}}]}
    (warning,) = unknown_key_warnings(data)
    assert warning.path == ("projects", 0, "lifecycle", "status_reasn") and "did you mean 'status_reason'" in (
        warning.message
    )


# --- adding a field ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("extended")
def test_an_added_field_is_read_checked_and_written_in_schema_order() -> None:
    data = {"schema_version": 1, "projects": [{"id": "a", "title": "A", "risk": "high", "team": "ml", "x": 1}]}
    pf, issues = portfolio_from_data(data)
    assert issues == []
    (p,) = pf.projects
    assert sc.value_of(p, TEAM) == "ml" and sc.value_of(p, RISK) == "high"
    keys = list(project_to_data(p))
    assert keys[keys.index("owner") :][:3] == ["owner", "team", "risk"] and keys.index("x") > keys.index("risk")
    _, issues = portfolio_from_data({"schema_version": 1, "projects": [{"id": "a", "title": "A", "risk": "mid"}]})
    assert [i.message for i in issues] == ["unknown risk level 'mid': expected one of low, high"]
    _, issues = portfolio_from_data({"schema_version": 1, "projects": [{"id": "a", "title": "A", "team": 3}]})
    assert [i.message for i in issues] == ["'team' must be a string, not an integer"]


@pytest.mark.usefixtures("extended")
def test_an_added_field_is_settable_and_saved_as_one_line(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path)
    before = path.read_text()
    code, out, err = run_cli("set", path, "pose", "team=perception", "risk=low")
    assert code == 0, err
    added = [line for line in path.read_text().splitlines() if line not in before.splitlines()]
    assert added == ['team = "perception"', 'risk = "low"']
    p = load(path).portfolio.get("pose")
    assert p is not None and sc.value_of(p, TEAM) == "perception"
    code, _, err = run_cli("set", path, "pose", "risk=medium")
    assert code == 1 and "unknown risk level 'medium'" in err
    code, out, _ = run_cli("set", path, "pose", "--help")
    assert "team" in out and "risk" in out


@pytest.mark.usefixtures("extended")
def test_an_added_field_is_validated_with_its_position(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path, FILE.replace('risk = "high"', 'risk = "extreme"'))
    code, _, err = run_cli("validate", path)
    line = FILE.splitlines().index('risk = "high"') + 1
    assert code == 1 and f"team.toml:{line}:1: unknown risk level 'extreme'" in err


@pytest.mark.usefixtures("extended")
def test_an_added_field_shows_in_show_and_in_the_csv_and_json_exports(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path)
    code, out, _ = run_cli("show", path, "infra")
    assert code == 0 and "Team" in out and "platform" in out and "Which team builds it?" in out
    code, out, _ = run_cli("show", path, "infra", "--json")
    assert json.loads(out)["team"] == "platform"
    assert "team" in record_columns() and "risk" in record_columns()
    code, out, _ = run_cli("export", path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["id"]: r["team"] for r in rows} == {"pose": "", "infra": "platform"}
    code, out, _ = run_cli("export", path, "--format", "json")
    by_id = {p["id"]: p["project"] for p in json.loads(out)["projects"]}
    assert by_id["infra"]["risk"] == "high" and "team" not in by_id["pose"]
