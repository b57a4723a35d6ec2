"""The core commands, driven through `main()` as a user would type them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers_storage import run_cli

from fsdl_tui.cli.main import main
from fsdl_tui.storage import load

HAND_WRITTEN = textwrap.dedent(
    """\
    # Our team's ML bets, reviewed every quarter.
    schema_version = 1
    name    = "Vision team"      # keep short

    [[projects]]
    id = "grasp-pose"
    title = "6D pose for grasping"
    owner="ana"
    tags = [ "robotics" , "vision" ]
    favourite_color = "teal"   # not a field fsdl-tui knows: must survive

    [projects.impact]
    overall = 5        # the whole product depends on it
    peers   = 4

    [projects.cost]
    data_availability    = 2   # labels are 6D poses: painful
    accuracy_requirement = 4
    problem_difficulty   = 4

    [projects.gate]
    product = { done = true,  note = "arm SDK ships" }
    data    = { done = false }

    [projects.lifecycle]
    stage = "training"
    history = [
      { from = "planning", to = "data", date = 2025-01-10, note = "gate passed" },
      { from = "data", to = "training", date = 2025-03-02 },
    ]

    [[projects]]
    id = "bin-count"
    title = "Count parts in bins"
    [projects.lifecycle]
    stage = "planning"
    """
)


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    import difflib

    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def test_set_changes_exactly_one_line(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", str(portfolio), "grasp-pose", "cost.accuracy_requirement=5"]) == 0
    removed, added = changed_lines(HAND_WRITTEN, portfolio.read_text())
    assert removed == ["accuracy_requirement = 4"]
    assert added == ["accuracy_requirement = 5"]
    assert load(portfolio).portfolio.get("grasp-pose").cost.accuracy_requirement == 5


def test_set_keeps_comment_on_the_line(portfolio: Path) -> None:
    assert main(["set", str(portfolio), "grasp-pose", "cost.data_availability=3"]) == 0
    _removed, added = changed_lines(HAND_WRITTEN, portfolio.read_text())
    assert added == ["data_availability    = 3   # labels are 6D poses: painful"]


def test_set_out_of_range_is_refused_and_file_untouched(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", str(portfolio), "grasp-pose", "impact.overall=9"]) == 1
    err = capsys.readouterr().err
    assert "out of range" in err and "impact.overall" in err
    assert portfolio.read_text() == HAND_WRITTEN


def test_set_unknown_field_suggests(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", str(portfolio), "grasp-pose", "cost.acuracy_requirement=3"]) == 1
    assert "did you mean cost.accuracy_requirement" in capsys.readouterr().err


def test_set_stage_points_to_move(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", str(portfolio), "grasp-pose", "lifecycle.stage=data"]) == 1
    assert "fsdl-tui move" in capsys.readouterr().err


def test_move_back_needs_note_then_adds_one_line(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["move", str(portfolio), "grasp-pose", "data"]) == 1
    assert "needs a reason" in capsys.readouterr().err
    assert portfolio.read_text() == HAND_WRITTEN
    assert main(["move", str(portfolio), "grasp-pose", "data", "--note", "Need more data", "--date", "2025-04-01"]) == 0
    removed, added = changed_lines(HAND_WRITTEN, portfolio.read_text())
    assert removed == ['stage = "training"']
    assert added == [
        'stage = "data"',
        '  { from = "training", to = "data", date = 2025-04-01, note = "Need more data" },',
    ]
    moves = load(portfolio).portfolio.get("grasp-pose").lifecycle.history
    assert moves[-1].is_backward and moves[-1].note == "Need more data"


def test_leaving_planning_with_open_gate_items(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["move", str(portfolio), "bin-count", "data"]) == 1
    err = capsys.readouterr().err
    assert "open gate items" in err and "Is it ethical" in err
    assert main(["move", str(portfolio), "bin-count", "data", "--force", "--date", "2025-05-05"]) == 0
    last = load(portfolio).portfolio.get("bin-count").lifecycle.history[-1]
    assert "gate overridden" in last.note and last.to_stage == "data"


def test_add_and_remove_round_trip(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "add",
                str(portfolio),
                "defect-detect",
                "--title",
                "Defect detection",
                "--archetype",
                "human-in-the-loop",
                "--tag",
                "qa",
            ]
        )
        == 0
    )
    text = portfolio.read_text()
    # placed by id (before the first project whose id sorts after it), as a pure insertion
    import difflib

    ops = difflib.SequenceMatcher(None, HAND_WRITTEN.splitlines(), text.splitlines()).get_opcodes()
    assert {tag for tag, *_ in ops} <= {"equal", "insert"}
    assert 'id = "defect-detect"' in text and "# Is there a product for ML to plug into?" in text
    assert main(["add", str(portfolio), "defect-detect", "--title", "Again"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["remove", str(portfolio), "defect-detect", "--yes"]) == 0
    assert portfolio.read_text() == HAND_WRITTEN


def test_remove_without_yes_off_a_terminal_is_refused(
    portfolio: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["remove", str(portfolio), "bin-count"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert portfolio.read_text() == HAND_WRITTEN


def test_new_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.toml"
    assert main(["new", str(path), "--name", "Team"]) == 0
    first = path.read_text()
    assert "schema_version = 1" in first and 'name = "Team"' in first
    assert main(["validate", str(path)]) == 0
    assert main(["new", str(path)]) == 1
    assert path.read_text() == first


def test_show_json_and_project(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["show", str(portfolio), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["grasp-pose", "bin-count"]
    assert rows[0]["rank"] == 1 and rows[1]["score"] is None
    assert main(["show", str(portfolio), "grasp-pose"]) == 0
    out = capsys.readouterr().out
    assert "Where would cheap prediction change important decisions?" in out
    assert "arm SDK ships" in out
    assert main(["show", str(portfolio), "grasp-pose", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["favourite_color"] == "teal" and data["lifecycle"]["history"][0]["date"] == "2025-01-10"


def test_unknown_project_id(portfolio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(portfolio), "grasp-pos"]) == 1
    assert "did you mean grasp-pose" in capsys.readouterr().err


def test_usage_error_exits_2(portfolio: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["move", str(portfolio)])
    assert exc.value.code == 2


HOSTILE = {
    "conflict.toml": 'schema_version = 1\n<<<<<<< HEAD\nname = "a"\n=======\nname = "b"\n>>>>>>> theirs\n',
    "bom.toml": '\ufeffschema_version = 1\nname = "x"\n',
    "syntax.toml": 'schema_version = 1\n[[projects]\nid = "x"\n',
    "future.toml": 'schema_version = 99\nname = "x"\n',
    "binary.toml": 'schema_version = 1\nname = "\xff\xfe"\n',
    "range.toml": 'schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A"\n[projects.impact]\noverall = 0\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_report_location_without_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    data = HOSTILE[name].encode("latin-1" if name == "binary.toml" else "utf-8")
    path.write_bytes(data)
    for argv in (["validate", str(path)], ["set", str(path), "a", "title=B"], ["show", str(path)]):
        if name == "binary.toml":  # the console command itself, once per command: its stderr and exit code
            proc = subprocess.run([sys.executable, "-m", "fsdl_tui.cli.main", *argv], capture_output=True, text=True)
            rc, stderr = proc.returncode, proc.stderr
        else:  # in this process: an exception would fail the test here, as a traceback would there
            rc, _out, stderr = run_cli(argv)
        assert rc == 1, stderr
        assert "Traceback" not in stderr
        first = stderr.splitlines()[0]
        assert first.startswith(f"{path}:"), first
        line, col = first[len(str(path)) + 1 :].split(":")[:2]
        assert line.isdigit() and col.isdigit()
    assert path.read_bytes() == data


def test_conflict_markers_each_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(HOSTILE["conflict.toml"])
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [e.split(":")[1] for e in err] == ["2", "4", "6"]


def test_all_problems_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.toml"
    path.write_text(
        textwrap.dedent("""\
        schema_version = 1
        [[projects]]
        id = "a"
        title = "A"
        archetype = "robot"
        [projects.cost]
        data_availability = 7
        [projects.lifecycle]
        stage = "data"
        history = [
          { from = "planning", to = "training", date = 2025-01-01 },
          { from = "training", to = "data", date = 2025-02-01 },
        ]
        [[projects]]
        id = "a"
        title = "dup"
        """)
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    where = {e.split(": ", 1)[1].split(" ")[0]: e.split(":")[1] for e in err}
    assert len(err) == 4, err
    assert any(e.startswith(f"{path}:5:1: unknown archetype 'robot'") for e in err)
    assert any(e.startswith(f"{path}:7:1: 'data_availability' = 7") for e in err)
    assert any(e.startswith(f"{path}:12:3: moving back from 'training' to 'data' needs a reason") for e in err)
    assert any(e.startswith(f"{path}:15:1: duplicate project id 'a'") for e in err)
    assert where


def test_validate_warns_about_likely_typos_but_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(
        'schema_version = 1\n[[projects]]\nid = "a"\ntitle = "A"\nteam = "ok: project keys are free"\n'
        "[projects.impact]\noveral = 4\n[projects.cost]\ndata_availability = 3\n"
    )
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"{path}:7:1: warning: unknown key 'overal' in [projects.impact] is kept but not used; did you mean 'overall'?"
    ]
    assert "1 warning(s)" in captured.out
    assert main(["set", str(path), "a", "impact.overall=5"]) == 0
    assert "overal = 4" in path.read_text()  # kept as written


def test_a_bad_id_does_not_hide_the_projects_other_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "badid.toml"
    path.write_text('schema_version = 1\n[[projects]]\nid = "A B"\ntitle = 3\n[projects.impact]\noverall = 9\n')
    assert main(["validate", str(path)]) == 1
    lines = [e.split(":")[1] for e in capsys.readouterr().err.splitlines()]
    assert lines == ["3", "4", "6"]


def test_show_ranks_by_the_portfolios_default_scorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        HAND_WRITTEN.replace(
            'name    = "Vision team"      # keep short\n',
            'name = "W"\n[settings]\ndefault_scorer = "weighted"\n[scoring.weighted]\nimpact = 2.0\n',
        )
    )
    assert main(["show", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == "grasp-pose" and rows[0]["score"] == pytest.approx(10.0)  # 2.0 x impact 5


def test_the_command_freezes_what_is_left_when_it_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`fsdl-tui` (the `run` entry point) returns main's exit code, and leaves what is still alive frozen,
    out of the collector's last full pass at the process's exit."""
    import gc

    from fsdl_tui.cli.main import run

    path = tmp_path / "team.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    gc.unfreeze()
    try:
        monkeypatch.setattr(sys, "argv", ["fsdl-tui", "validate", str(path)])
        assert run() == 0
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        monkeypatch.setattr(sys, "argv", ["fsdl-tui", "validate", str(tmp_path / "missing.toml")])
        assert run() == 1
    finally:
        gc.freeze()  # as the suite's conftest leaves it
