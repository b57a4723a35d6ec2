"""The semantic diff: `diff_portfolios`, its text/JSON/Markdown renderings, and `fsdl-tui diff` in each of
its calling conventions (two files, git's textconv, git's external diff)."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from helpers_git import base_text, edit, setting

from fsdl_tui.cli.main import main
from fsdl_tui.domain.lifecycle import move, new_project
from fsdl_tui.gitops.diff import diff_portfolios, format_markdown, format_text, show_text
from fsdl_tui.storage import loads

BASE = base_text()


def changed_text() -> str:
    def change(pf):
        pf = pf.without_project("unscored").with_project(new_project("new-one", "New one"))
        g = pf.get("lens-only")
        return pf.with_project(move(g, "data", date=_dt.date(2024, 6, 1), note="labels in", force=True))

    text = edit(BASE, setting("grasp-pose", "cost.accuracy_requirement", 3))
    return edit(text, change)


def test_diff_lists_added_removed_changed_moves_and_ranks() -> None:
    d = diff_portfolios(loads(BASE).portfolio, loads(changed_text()).portfolio)
    kinds = {c.id: c.kind for c in d.projects}
    assert kinds["new-one"] == "added" and kinds["unscored"] == "removed"
    assert kinds["grasp-pose"] == "changed" and kinds["lens-only"] == "changed"
    g = next(c for c in d.projects if c.id == "grasp-pose")
    assert [(f.path, f.old, f.new) for f in g.fields] == [("cost.accuracy_requirement", 5, 3)]
    assert g.old.score < g.new.score  # a lower accuracy requirement costs less
    lens = next(c for c in d.projects if c.id == "lens-only")
    assert lens.stage == ("planning", "data")
    assert [m["note"] for m in lens.moves] == [
        "labels in (gate overridden with open items: product, data, people, need, rules_first, ethics)"
    ]
    assert lens.fields == ()  # the stage and the history are reported as a move, not as raw fields


def test_no_changes() -> None:
    pf = loads(BASE).portfolio
    d = diff_portfolios(pf, pf)
    assert d.empty and format_text(d) == "no changes\n"
    assert "No changes." in format_markdown(d)


def test_text_format_reads_field_by_field() -> None:
    out = format_text(diff_portfolios(loads(BASE).portfolio, loads(changed_text()).portfolio))
    lines = out.splitlines()
    assert "+ new-one: 'New one' added (not scorable)" in lines
    assert any(line.startswith("- unscored: 'No scores yet' removed") for line in lines)
    assert "    cost.accuracy_requirement: 5 -> 3" in lines
    assert "    stage: planning -> data" in lines
    assert "    score 3.35 -> 3.83" in lines


def test_rank_changes_are_listed_also_for_projects_that_did_not_change() -> None:
    after = edit(BASE, setting("grasp-pose", "cost.data_availability", 5))
    after = edit(after, setting("grasp-pose", "cost.accuracy_requirement", 1))
    d = diff_portfolios(loads(BASE).portfolio, loads(after).portfolio)
    g = next(c for c in d.projects if c.id == "grasp-pose")
    assert (g.old.rank, g.new.rank) == (3, 1)
    assert (g.old.quadrant, g.new.quadrant) == ("moonshot", "high-priority")
    assert [(c.id, c.old.rank, c.new.rank) for c in d.projects if c.kind == "moved"] == [
        ("defect-detect", 2, 3),
        ("lens-only", 1, 2),
    ]
    assert "~ lens-only: 'Scored by lenses' (rank only)\n    rank #1 -> #2\n" in format_text(d)


def test_markdown_is_a_table_per_changed_project() -> None:
    out = format_markdown(diff_portfolios(loads(BASE).portfolio, loads(changed_text()).portfolio))
    assert out.startswith("### Portfolio changes: Vision team\n")
    assert "| `cost.accuracy_requirement` | 5 | 3 |" in out
    assert "#### `grasp-pose` Grasp pose estimation" in out
    assert "| stage | planning | data |" in out


def test_markdown_escapes_pipes_in_values() -> None:
    after = edit(BASE, setting("grasp-pose", "summary", "a | b"))
    out = format_markdown(diff_portfolios(loads(BASE).portfolio, loads(after).portfolio))
    assert '| `summary` | (unset) | "a \\| b" |' in out or '"a \\| b"' in out


def test_header_changes_are_listed() -> None:
    after = edit(BASE, lambda pf: pf.replace(name="Perception"))
    d = diff_portfolios(loads(BASE).portfolio, loads(after).portfolio)
    assert [(f.path, f.old, f.new) for f in d.header] == [("name", "Vision team", "Perception")]


def test_a_whole_file_added_or_removed() -> None:
    pf = loads(BASE).portfolio
    assert {c.kind for c in diff_portfolios(None, pf).projects} == {"added"}
    assert {c.kind for c in diff_portfolios(pf, None).projects} == {"removed"}


def test_show_text_has_one_line_per_field_under_a_project_line() -> None:
    text = show_text(loads(BASE).portfolio)
    lines = text.splitlines()
    i = lines.index('project grasp-pose: "Grasp pose estimation"')
    assert lines[i + 1].startswith("grasp-pose: rank #3, score 3.35, moonshot")
    assert "grasp-pose.cost.accuracy_requirement = 5" in lines
    assert "grasp-pose.lifecycle.history: planning -> data on 2024-01-08" in lines
    assert not any(line.startswith("grasp-pose.summary") for line in lines)  # empty fields are left out
    assert 'name = "Vision team"' in lines


# --- the command --------------------------------------------------------------------------------------------


@pytest.fixture()
def files(tmp_path):
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(BASE, encoding="utf-8")
    new.write_text(changed_text(), encoding="utf-8")
    return old, new


def test_diff_command_formats(files, capsys) -> None:
    old, new = files
    assert main(["diff", str(old), str(new)]) == 0
    assert "cost.accuracy_requirement: 5 -> 3" in capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = {p["id"]: p["kind"] for p in data["projects"]}
    assert kinds["new-one"] == "added" and data["scorer"] == "fsdl"
    assert main(["diff", str(old), str(new), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("### Portfolio changes")


def test_diff_command_exit_code_option(files, capsys) -> None:
    old, new = files
    assert main(["diff", str(old), str(new), "--exit-code"]) == 1
    assert main(["diff", str(old), str(old), "--exit-code"]) == 0
    assert capsys.readouterr().out.endswith("no changes\n")


def test_diff_against_dev_null(files, capsys) -> None:
    old, _ = files
    assert main(["diff", "/dev/null", str(old)]) == 0
    assert "4 added, 0 removed" in capsys.readouterr().out


def test_invalid_file_is_a_located_message_not_a_traceback(files, tmp_path, capsys) -> None:
    old, _ = files
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[[projects]]\nid = 'x'\ntitle = 'X'\n[projects.impact]\noverall = 9\n")
    assert main(["diff", str(old), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:6:1:" in err and "out of range" in err and "Traceback" not in err
    assert main(["diff", str(old), str(tmp_path / "missing.toml")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_wrong_number_of_files(files, capsys) -> None:
    old, _ = files
    assert main(["diff", str(old)]) == 1
    assert "OLD NEW" in capsys.readouterr().err


def test_textconv_prints_the_field_view(files, capsys) -> None:
    old, _ = files
    assert main(["diff", "--textconv", str(old)]) == 0
    doc = loads(BASE)
    assert capsys.readouterr().out == show_text(doc.portfolio, None, doc)


def test_textconv_of_an_invalid_file_explains_and_shows_the_text(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("x = [\n")
    assert main(["diff", "--textconv", str(bad)]) == 0  # git would stop on a failing textconv
    out = capsys.readouterr().out
    assert out.startswith("# fsdl-tui: not a valid portfolio, shown as plain text:\n")
    assert out.endswith("x = [\n")


def test_external_diff_convention(files, capsys) -> None:
    old, new = files
    args = ["portfolio.toml", str(old), "a" * 40, "100644", str(new), "b" * 40, "100644"]
    assert main(["diff", *args]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fsdl-tui diff portfolio.toml (aaaaaaaa..bbbbbbbb)\n")
    assert "cost.accuracy_requirement: 5 -> 3" in out
    # an added file: git passes /dev/null for the old side
    assert main(["diff", "portfolio.toml", "/dev/null", ".", ".", str(new), "b" * 40, "100644"]) == 0
    assert "added" in capsys.readouterr().out


def test_external_diff_of_an_invalid_version_falls_back_to_a_line_diff(files, tmp_path, capsys) -> None:
    old, _ = files
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE.replace("schema_version = 1", "schema_version = [", 1))
    args = ["portfolio.toml", str(old), "a" * 40, "100644", str(bad), "b" * 40, "100644"]
    assert main(["diff", *args]) == 0  # git stops at an external diff that fails
    out = capsys.readouterr().out
    assert "not a valid portfolio, so a line diff follows:" in out
    assert "+schema_version = [" in out and "-schema_version = 1" in out


def test_gitops_leaves_ui_and_dataframe_libraries_out() -> None:
    import subprocess
    import sys

    code = (
        "import json, sys\nimport fsdl_tui.gitops.diff, fsdl_tui.gitops.merge, fsdl_tui.gitops.history, "
        "fsdl_tui.gitops.setup, fsdl_tui.cli.gitcmds\nprint(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert "fsdl_tui" in loaded and not loaded & {"textual", "pandas", "rich"}


def _with_default_scorer(text: str, name: str) -> str:
    return text.replace('default_scorer = "fsdl"', f'default_scorer = "{name}"', 1)


@pytest.mark.parametrize("scorer", ["weighted", "rice"])  # a built-in and a plugin's scorer
def test_diff_and_textconv_rank_with_the_portfolios_default_scorer(tmp_path, capsys, scorer) -> None:
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(_with_default_scorer(BASE, scorer))
    new.write_text(_with_default_scorer(changed_text(), scorer))
    assert main(["diff", str(old), str(new)]) == 0
    assert f"(ranks under the {scorer} scorer)" in capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--scorer", "fsdl"]) == 0
    assert "(ranks under the fsdl scorer)" in capsys.readouterr().out
    assert main(["diff", "--textconv", str(new)]) == 0
    assert capsys.readouterr().out.startswith(f"# fsdl-tui portfolio, ranked by the {scorer} scorer\n")
    assert main(["diff", str(old), str(new), "--scorer", "nope"]) == 1
    assert "no scorer named 'nope'" in capsys.readouterr().err


def test_ranks_in_the_diff_follow_the_scorer() -> None:
    from fsdl_tui.scoring import WeightedScorer

    d = diff_portfolios(loads(BASE).portfolio, loads(changed_text()).portfolio, WeightedScorer())
    assert d.scorer == "weighted"
    fsdl = diff_portfolios(loads(BASE).portfolio, loads(changed_text()).portfolio)
    scores = {c.id: c.new.score for c in d.projects if c.new}, {c.id: c.new.score for c in fsdl.projects if c.new}
    assert scores[0] != scores[1]


def test_show_text_lists_comments_after_strings_of_every_kind_but_none_inside_them() -> None:
    text = BASE.replace(
        'summary = ""\n',
        'summary = """\n# not a comment: text\n[[projects]]\nends here""" # after a multi-line string\n'
        "owner_note = '''\"#\"''' # after a literal one\n",
        1,
    )
    doc = loads(text)
    lines = show_text(doc.portfolio, None, doc).splitlines()
    assert "grasp-pose # after a multi-line string" in lines
    assert "grasp-pose # after a literal one" in lines
    assert "grasp-pose # not a comment: text" not in lines
