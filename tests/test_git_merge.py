"""The 3-way merge by project id and field (`merge_texts` and `fsdl-tui merge`), without git."""

from __future__ import annotations

import datetime as _dt
import re

import pytest
from helpers_git import INLINE_COMMENT, PROJECT_COMMENT, TOP_COMMENT, base_text, edit, files_checked, setting

from fsdl_tui.cli.main import main
from fsdl_tui.domain.codec import portfolio_to_data
from fsdl_tui.domain.lifecycle import move, new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.gitops.merge import merge_texts, with_markers
from fsdl_tui.storage import PortfolioLoadError, loads

BASE = base_text()


@pytest.fixture(autouse=True)
def _the_merge_from_the_files_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every merge of these tests is also made from files (`gitops/filemerge.py`): the same bytes whenever
    that merge answers."""
    monkeypatch.setitem(globals(), "merge_texts", files_checked(merge_texts))


def data(text: str) -> dict:
    return portfolio_to_data(loads(text).portfolio)


def adding(project_id: str, title: str):
    return lambda pf: pf.with_project(new_project(project_id, title))


def both(*changes):
    def change(pf: Portfolio) -> Portfolio:
        for c in changes:
            pf = c(pf)
        return pf

    return change


def take(text: str, side: str) -> str:
    """Resolve every conflict in `text` by keeping one side's lines."""
    pattern = re.compile(r"^<{7} ours\n(.*?)^={7}\n(.*?)^>{7} theirs\n", re.DOTALL | re.MULTILINE)
    return pattern.sub(lambda m: m.group(1) if side == "ours" else m.group(2), text)


def test_different_fields_and_new_projects_on_both_sides_merge_cleanly_keeping_comments() -> None:
    ours = edit(BASE, both(setting("grasp-pose", "cost.accuracy_requirement", 3), adding("ours-new", "Ours")))
    theirs = edit(BASE, both(setting("grasp-pose", "impact.overall", 2), adding("theirs-new", "Theirs")))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean and result.conflicts == []
    merged = loads(result.text).portfolio
    assert [p.id for p in merged.projects][-2:] == ["ours-new", "theirs-new"]
    g = merged.get("grasp-pose")
    assert (g.cost.accuracy_requirement, g.impact.overall) == (3, 2)
    # the same as applying theirs' edits after ours'
    expected = edit(ours, both(setting("grasp-pose", "impact.overall", 2), adding("theirs-new", "Theirs")))
    assert data(result.text) == data(expected)
    assert result.portfolio is not None and portfolio_to_data(result.portfolio) == data(expected)
    for comment in (TOP_COMMENT, PROJECT_COMMENT, INLINE_COMMENT):
        assert comment in result.text


def test_result_starts_from_ours_text_so_ours_formatting_stays() -> None:
    ours = BASE.replace("[settings]\n", "[settings]  # tuned by the team\n")
    theirs = edit(BASE, setting("unscored", "owner", "bo"))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean
    assert "[settings]  # tuned by the team\n" in result.text
    changed = [line for line in result.text.splitlines() if line not in ours.splitlines()]
    assert changed == ['owner = "bo"']


def test_same_field_changed_differently_is_a_conflict_with_git_markers() -> None:
    ours = edit(BASE, both(setting("grasp-pose", "cost.accuracy_requirement", 3), setting("lens-only", "owner", "x")))
    theirs = edit(BASE, setting("grasp-pose", "cost.accuracy_requirement", 4))
    result = merge_texts(BASE, ours, theirs)
    assert not result.clean
    assert result.conflicts == ["project 'grasp-pose': cost.accuracy_requirement: ours 3, theirs 4 (base 5)"]
    lines = result.text.splitlines()
    start = lines.index("<<<<<<< ours")
    assert lines[start + 1].startswith("accuracy_requirement = 3")
    assert lines[start + 2] == "======="
    assert lines[start + 3].startswith("accuracy_requirement = 4")
    assert lines[start + 4] == ">>>>>>> theirs"
    assert result.text.count("<<<<<<<") == 1
    with pytest.raises(PortfolioLoadError):
        loads(result.text)
    # either side of the conflict resolves to a valid portfolio with the other edits kept
    for side, value in (("ours", 3), ("theirs", 4)):
        resolved = loads(take(result.text, side)).portfolio
        assert resolved.get("grasp-pose").cost.accuracy_requirement == value
        assert resolved.get("lens-only").owner == "x"


def test_marker_size_is_honoured() -> None:
    ours = edit(BASE, setting("unscored", "title", "A"))
    theirs = edit(BASE, setting("unscored", "title", "B"))
    result = merge_texts(BASE, ours, theirs, marker_size=9)
    assert "<<<<<<<<< ours\n" in result.text and "\n=========\n" in result.text
    assert ">>>>>>>>> theirs\n" in result.text


def test_same_change_on_both_sides_is_taken_once() -> None:
    ours = edit(BASE, setting("grasp-pose", "owner", "bo"))
    result = merge_texts(BASE, ours, ours)
    assert result.clean and result.text == ours


def test_removed_on_one_side_and_untouched_on_the_other_is_removed() -> None:
    ours = edit(BASE, setting("grasp-pose", "owner", "bo"))
    theirs = edit(BASE, lambda pf: pf.without_project("unscored"))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean
    merged = loads(result.text).portfolio
    assert "unscored" not in merged and merged.get("grasp-pose").owner == "bo"
    assert data(merge_texts(BASE, theirs, ours).text) == data(result.text)


def test_removed_on_one_side_and_changed_on_the_other_is_a_conflict() -> None:
    ours = edit(BASE, lambda pf: pf.without_project("lens-only"))
    theirs = edit(BASE, setting("lens-only", "owner", "bo"))
    result = merge_texts(BASE, ours, theirs)
    assert not result.clean
    assert result.conflicts == ["project 'lens-only': removed in ours, changed in theirs"]
    assert "lens-only" not in loads(take(result.text, "ours")).portfolio
    assert loads(take(result.text, "theirs")).portfolio.get("lens-only").owner == "bo"


def _moving(pid: str, stage: str, day: int, note: str = ""):
    when = _dt.date(2024, 6, day)
    return lambda pf: pf.with_project(move(pf.get(pid), stage, date=when, note=note, force=True))


def test_moves_of_different_projects_on_both_sides_merge() -> None:
    ours = edit(BASE, _moving("grasp-pose", "data", 2, "labels too noisy"))
    theirs = edit(BASE, _moving("lens-only", "data", 1))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean
    merged = loads(result.text).portfolio
    assert merged.get("grasp-pose").stage == "data" and merged.get("lens-only").stage == "data"


def test_history_appended_on_both_sides_is_united_in_date_order() -> None:
    # both sides record a move of the same project to the same stage, on different days
    ours = edit(BASE, _moving("grasp-pose", "data", 3, "relabel again"))
    theirs = edit(BASE, _moving("grasp-pose", "data", 1, "relabel"))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean
    history = loads(result.text).portfolio.get("grasp-pose").lifecycle.history
    assert len(history) == 2 + 2  # the sample project had two moves
    assert [(m.date.day, m.note) for m in history[-2:]] == [(1, "relabel"), (3, "relabel again")]


def test_identical_history_entries_are_kept_once() -> None:
    same = edit(BASE, _moving("grasp-pose", "data", 1, "relabel"))
    result = merge_texts(BASE, same, edit(same, setting("unscored", "owner", "x")))
    assert result.clean
    history = loads(result.text).portfolio.get("grasp-pose").lifecycle.history
    assert len(history) == 2 + 1 and history[-1].note == "relabel"


def test_moves_to_different_stages_on_both_sides_conflict_on_the_stage() -> None:
    result = merge_texts(
        BASE, edit(BASE, _moving("unscored", "data", 1)), edit(BASE, _moving("unscored", "training", 1))
    )
    assert not result.clean
    assert any("lifecycle.stage" in c for c in result.conflicts)


def test_same_project_added_on_both_sides() -> None:
    ours = edit(BASE, adding("new-one", "New one"))
    result = merge_texts(BASE, ours, ours)
    assert result.clean and [p.id for p in loads(result.text).portfolio.projects].count("new-one") == 1
    theirs = edit(BASE, adding("new-one", "Another title"))
    result = merge_texts(BASE, ours, theirs)
    assert not result.clean and result.conflicts == [
        'project \'new-one\': title: ours "New one", theirs "Another title" (base (unset))'
    ]


def test_no_common_ancestor_merges_against_an_empty_base() -> None:
    ours = edit(BASE, adding("ours-new", "Ours"))
    theirs = edit(BASE, adding("theirs-new", "Theirs"))
    result = merge_texts("", ours, theirs)
    assert result.clean
    assert {"ours-new", "theirs-new"} <= {p.id for p in loads(result.text).portfolio.projects}


def test_header_fields_merge_too() -> None:
    ours = edit(BASE, lambda pf: pf.replace(name="Vision"))
    theirs = edit(BASE, lambda pf: pf.replace(description="Robots that see"))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean
    merged = loads(result.text).portfolio
    assert (merged.name, merged.description) == ("Vision", "Robots that see")
    result = merge_texts(BASE, ours, edit(BASE, lambda pf: pf.replace(name="Perception")))
    assert result.conflicts == ['portfolio: name: ours "Vision", theirs "Perception" (base "Vision team")']


def test_a_valid_merge_of_an_invalid_combination_is_not_clean() -> None:
    ours = edit(BASE, setting("grasp-pose", "depends_on", ["unscored"]))
    theirs = edit(BASE, lambda pf: pf.without_project("unscored"))
    result = merge_texts(BASE, ours, theirs)
    assert not result.clean
    assert any("depends on unknown project 'unscored'" in c for c in result.conflicts)
    assert "<<<<<<<" not in result.text


@pytest.mark.parametrize("bad", ["not = [valid toml", "schema_version = 1\n[[projects]]\nid = 'BAD ID'\n", ""])
def test_a_side_that_is_not_a_portfolio_falls_back_to_a_line_merge(bad: str) -> None:
    theirs = edit(BASE, setting("grasp-pose", "owner", "bo"))
    result = merge_texts(BASE, bad, theirs)
    assert not result.clean
    assert result.conflicts and all(c.startswith("not a valid portfolio") for c in result.conflicts)
    assert "<<<<<<< ours" in result.text or result.text == theirs


def test_with_markers_closes_a_last_line_without_newline() -> None:
    assert with_markers("a\nb", "a\nc") == "a\n<<<<<<< ours\nb\n=======\nc\n>>>>>>> theirs\n"


def test_crlf_files_stay_crlf() -> None:
    base = BASE.replace("\n", "\r\n")
    ours = edit(base, setting("grasp-pose", "owner", "a"))
    theirs = edit(base, setting("lens-only", "owner", "b"))
    result = merge_texts(base, ours, theirs)
    assert result.clean
    assert "\n" not in result.text.replace("\r\n", "")


# --- the command ------------------------------------------------------------------------------------------


def test_merge_command_writes_ours_and_exits_0_when_clean(tmp_path, capsys) -> None:
    files = {
        "base": BASE,
        "ours": edit(BASE, setting("grasp-pose", "owner", "a")),
        "theirs": edit(BASE, setting("lens-only", "owner", "b")),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [str(tmp_path / n) for n in ("base", "ours", "theirs")]
    assert main(["merge", *args, "--marker-size", "7", "--path", "team.toml"]) == 0
    merged = loads((tmp_path / "ours").read_text(encoding="utf-8")).portfolio
    assert (merged.get("grasp-pose").owner, merged.get("lens-only").owner) == ("a", "b")
    assert capsys.readouterr().err == ""


def test_merge_command_exits_1_with_conflicts_listed(tmp_path, capsys) -> None:
    for name, owner in (("ours", "a"), ("theirs", "b")):
        (tmp_path / name).write_text(edit(BASE, setting("grasp-pose", "owner", owner)), encoding="utf-8")
    (tmp_path / "base").write_text(BASE, encoding="utf-8")
    args = [str(tmp_path / n) for n in ("base", "ours", "theirs")]
    assert main(["merge", *args, "--path", "team.toml"]) == 1
    err = capsys.readouterr().err
    assert "team.toml: 1 conflict(s)" in err and 'owner: ours "a", theirs "b"' in err
    assert "<<<<<<< ours" in (tmp_path / "ours").read_text(encoding="utf-8")


def test_merge_command_survives_bytes_that_are_not_utf8(tmp_path, capsys) -> None:
    (tmp_path / "base").write_bytes(b"a = 1\n")
    (tmp_path / "ours").write_bytes(b"a = '\xff'\n")
    (tmp_path / "theirs").write_bytes(b"a = 2\n")
    args = [str(tmp_path / n) for n in ("base", "ours", "theirs")]
    assert main(["merge", *args]) == 1
    assert "not a valid portfolio" in capsys.readouterr().err
    assert b"\xff" in (tmp_path / "ours").read_bytes()


def test_merge_command_missing_file_is_a_message(tmp_path, capsys) -> None:
    assert main(["merge", str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "c")]) == 1
    assert "fsdl-tui:" in capsys.readouterr().err


def test_a_checklist_item_added_with_a_note_on_one_side_and_done_on_the_other() -> None:
    # grasp-pose has no gate items: setting the note adds `{ done = false, note = ... }`
    ours = edit(BASE, setting("grasp-pose", "gate.ethics.note", "reviewed by legal"))
    theirs = edit(BASE, setting("grasp-pose", "gate.ethics.done", True))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    check = loads(result.text).portfolio.get("grasp-pose").gate["ethics"]
    assert (check.done, check.note) == (True, "reviewed by legal")
    # a real disagreement is still a conflict
    done_false = edit(BASE, setting("defect-detect", "gate.product.done", False))
    assert not merge_texts(BASE, done_false, edit(BASE, setting("defect-detect", "gate.product.note", "x"))).conflicts
    assert merge_texts(
        BASE, edit(BASE, setting("grasp-pose", "owner", "")), edit(BASE, setting("grasp-pose", "owner", "bo"))
    ).conflicts


def _corpus_with_projects():
    from helpers_storage import CORPUS_FILES

    return [f for f in CORPUS_FILES if loads(f.read_text(encoding="utf-8")).portfolio.projects]


@pytest.mark.parametrize("path", _corpus_with_projects(), ids=lambda p: p.name)
def test_hand_formatted_files_merge_and_keep_their_comments(path) -> None:
    text = path.read_text(encoding="utf-8")
    pf = loads(text).portfolio
    first, last = pf.projects[0].id, pf.projects[-1].id
    ours_change = both(setting(first, "owner", "ours-owner"), adding("zz-ours", "Ours"))
    theirs_change = both(setting(last, "summary", "theirs\nsummary"), adding("zz-theirs", "Theirs"))
    ours, theirs = edit(text, ours_change), edit(text, theirs_change)
    result = merge_texts(text, ours, theirs)
    assert result.clean, result.conflicts
    assert data(result.text) == data(edit(ours, theirs_change))
    # comment lines both sides kept (not text inside the multi-line string theirs replaced) are all there
    comments = [line for line in ours.splitlines() if line.lstrip().startswith("#") and line in theirs.splitlines()]
    assert comments
    assert all(line in result.text.splitlines() for line in comments)
