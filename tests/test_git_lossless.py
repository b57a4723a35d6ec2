"""Nothing a side wrote is lost: the merge keeps comments, unknown keys and order, and git's rebase,
cherry-pick, stash and criss-cross merges keep comment-only, unknown-key-only and reorder-only commits."""

from __future__ import annotations

import pytest
from helpers_git import INLINE_COMMENT, PROJECT_COMMENT, Repo, base_text, edit, files_checked, setting

from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.gitops.merge import merge_texts
from fsdl_tui.storage import loads

BASE = base_text()


@pytest.fixture(autouse=True)
def _the_merge_from_the_files_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every merge of these tests is also made from files (`gitops/filemerge.py`): the same bytes whenever
    that merge answers."""
    monkeypatch.setitem(globals(), "merge_texts", files_checked(merge_texts))


def add_comment(text: str, before: str, comment: str, nth: int = 0) -> str:
    """`text` with a comment line above the `nth` line that starts with `before`."""
    lines = text.split("\n")
    found = [i for i, line in enumerate(lines) if line.startswith(before)]
    lines.insert(found[nth], comment)
    return "\n".join(lines)


def add_key(text: str, after: str, line: str, nth: int = 0) -> str:
    lines = text.split("\n")
    found = [i for i, x in enumerate(lines) if x.startswith(after)]
    lines.insert(found[nth] + 1, line)
    return "\n".join(lines)


def project_block(text: str, pid: str) -> tuple[int, int]:
    """Character range of project `pid` from its `[[projects]]` line to the next one (or the end)."""
    start = text.index(f'[[projects]]\nid = "{pid}"')
    nxt = text.find("[[projects]]", start + 1)
    return start, len(text) if nxt < 0 else nxt


def swap_last_two(text: str) -> str:
    """The last two projects in the other order (a hand reorder)."""
    doc = loads(text)
    a, b = (p.id for p in doc.portfolio.projects[-2:])
    sa, ea = project_block(text, a)
    sb, eb = project_block(text, b)
    block_a, block_b = text[sa:ea], text[sb:eb]
    if not block_b.endswith("\n\n"):
        block_b, block_a = block_b + "\n", block_a.rstrip("\n") + "\n"
    return text[:sa] + block_b + block_a


# --- the merge driver, without git -----------------------------------------------------------------------


def test_theirs_comment_unknown_key_and_field_survive_while_ours_edits_another_project() -> None:
    ours = edit(BASE, setting("defect-detect", "owner", "ana"))
    theirs = add_comment(BASE, "data_availability = ", "# quote from the vendor below, valid until May")
    theirs = add_key(theirs, "data_availability = ", "vendor_quote = 12000")
    theirs = edit(theirs, setting("grasp-pose", "impact.overall", 3))
    assert "vendor_quote = 12000" in theirs  # the edit kept the hand-written key
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    merged = loads(result.text).portfolio
    assert merged.get("defect-detect").owner == "ana"
    assert merged.get("grasp-pose").impact.overall == 3
    assert "# quote from the vendor below, valid until May\n" in result.text
    assert "vendor_quote = 12000\n" in result.text
    assert PROJECT_COMMENT in result.text and INLINE_COMMENT in result.text


def test_both_sides_edit_one_project_by_text_and_field_keeping_theirs_comment() -> None:
    ours = edit(BASE, setting("grasp-pose", "owner", "bo"))
    theirs = add_key(BASE, "[projects.metrics]", "jira_dashboard = 'PERC-7'", nth=0)
    theirs = add_comment(theirs, "[projects.lifecycle]", "# stage agreed at the Q3 review")
    theirs = edit(theirs, setting("grasp-pose", "cost.problem_difficulty", 2))
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    g = loads(result.text).portfolio.get("grasp-pose")
    assert (g.owner, g.cost.problem_difficulty) == ("bo", 2)
    assert "jira_dashboard = 'PERC-7'" in result.text and "# stage agreed at the Q3 review" in result.text


def test_a_comment_on_each_side_and_an_inline_comment_changed_by_theirs() -> None:
    ours = add_comment(BASE, "[settings]", "# settings: see the wiki")
    theirs = BASE.replace(INLINE_COMMENT, "# agreed with QA in April")
    theirs = add_comment(theirs, "[[projects]]", "# the last one is a placeholder", nth=3)
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    for line in ("# settings: see the wiki", "# agreed with QA in April", "# the last one is a placeholder"):
        assert line in result.text
    assert INLINE_COMMENT not in result.text


def test_theirs_reorder_by_hand_is_kept_with_ours_edit() -> None:
    ours = edit(BASE, setting("grasp-pose", "owner", "bo"))
    theirs = swap_last_two(BASE)
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    merged = loads(result.text).portfolio
    assert [p.id for p in merged.projects] == ["grasp-pose", "defect-detect", "unscored", "lens-only"]
    assert merged.get("grasp-pose").owner == "bo"


def test_the_same_line_edited_two_ways_in_text_only_is_a_conflict() -> None:
    ours = BASE.replace(INLINE_COMMENT, "# agreed with QA in April")
    theirs = BASE.replace(INLINE_COMMENT, "# agreed with QA in May")
    result = merge_texts(BASE, ours, theirs)
    assert result.clean  # no field differs: the field merge settles it, ours' text is kept
    assert "# agreed with QA in April" in result.text


def test_both_sides_add_one_id_with_different_owners_is_a_conflict() -> None:
    ours = edit(BASE, lambda pf: pf.with_project(new_project("shelf", "Shelf audit", owner="ana")))
    theirs = edit(BASE, lambda pf: pf.with_project(new_project("shelf", "Shelf audit", owner="bo")))
    result = merge_texts(BASE, ours, theirs)
    assert not result.clean
    assert result.conflicts == ['project \'shelf\': owner: ours "ana", theirs "bo" (base (unset))']
    assert "<<<<<<< ours" in result.text


def test_a_plugin_field_absent_from_base_set_two_ways_is_a_conflict() -> None:
    ours = edit(BASE, setting("grasp-pose", "plugins.rice.approved", False))
    theirs = edit(BASE, setting("grasp-pose", "plugins.rice.approved", True))
    result = merge_texts(BASE, ours, theirs)
    assert not result.clean
    assert result.conflicts == ["project 'grasp-pose': plugins.rice.approved: ours false, theirs true (base (unset))"]


def test_both_adding_projects_at_the_end_keeps_ours_first_and_each_own_text() -> None:
    ours = edit(BASE, lambda pf: pf.with_project(new_project("ours-new", "Ours")))
    theirs = edit(BASE, lambda pf: pf.with_project(new_project("theirs-new", "Theirs")))
    theirs = add_comment(theirs, 'id = "theirs-new"', "# proposed by the ops team")
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    assert [p.id for p in loads(result.text).portfolio.projects][-2:] == ["ours-new", "theirs-new"]
    assert "# proposed by the ops team" in result.text
    assert "\n\n\n" not in result.text and result.text.endswith("\n") and not result.text.endswith("\n\n")


# --- real git: rebase, cherry-pick, stash, criss-cross ------------------------------------------------


def comment_only(text: str) -> str:
    return add_comment(text, "[projects.cost]", "# note", nth=0)


def unknown_key_only(text: str) -> str:
    return add_key(text, "[projects.cost]", "vendor_quote = 12000", nth=0)


KINDS = {"comment": (comment_only, "# note\n"), "unknown-key": (unknown_key_only, "vendor_quote = 12000\n")}


@pytest.fixture()
def repo(tmp_path) -> Repo:
    r = Repo(tmp_path)
    r.setup()
    r.write("portfolio.toml", BASE)
    r.commit("Start")
    return r


def other_project_on_main(repo: Repo) -> None:
    repo.git("checkout", "-q", "main")
    repo.fsdl("set", "portfolio.toml", "unscored", "owner=Bo")
    repo.commit("Bo owns unscored")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_after_git_setup_a_text_only_commit_survives_a_rebase(repo: Repo, kind: str) -> None:
    change, line = KINDS[kind]
    repo.git("checkout", "-q", "-b", "mine")
    repo.write("portfolio.toml", change(repo.read()))
    repo.commit(f"Only a {kind}")
    other_project_on_main(repo)
    repo.git("checkout", "-q", "mine")
    out = repo.git("rebase", "main")
    assert "dropping" not in out.stdout + out.stderr
    assert repo.git("log", "--format=%s", "-1").stdout.strip() == f"Only a {kind}"
    text = repo.read()
    assert line in text and loads(text).portfolio.get("unscored").owner == "Bo"


def test_a_reorder_only_commit_survives_a_multi_commit_rebase(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "mine")
    repo.write("portfolio.toml", swap_last_two(repo.read()))
    repo.commit("Reorder by hand")
    repo.write("portfolio.toml", comment_only(repo.read()))
    repo.commit("A note")
    other_project_on_main(repo)
    repo.git("checkout", "-q", "mine")
    repo.git("rebase", "main")
    assert repo.git("log", "--format=%s", "main..mine").stdout.split("\n")[:2] == ["A note", "Reorder by hand"]
    ids = [p.id for p in loads(repo.read()).portfolio.projects]
    assert ids[-2:] == ["unscored", "lens-only"] and "# note\n" in repo.read()


def test_cherry_pick_of_a_comment_only_commit(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "mine")
    repo.write("portfolio.toml", comment_only(repo.read()))
    repo.commit("Only a comment")
    other_project_on_main(repo)
    repo.git("cherry-pick", "mine")
    assert "# note\n" in repo.read() and loads(repo.read()).portfolio.get("unscored").owner == "Bo"


def test_stash_pop_keeps_the_users_inline_comment(repo: Repo) -> None:
    mine = repo.read().replace(INLINE_COMMENT, "# mine: ask QA again")
    mine = unknown_key_only(mine)
    repo.write("portfolio.toml", mine)
    repo.git("stash")
    repo.fsdl("set", "portfolio.toml", "grasp-pose", "owner=Bo")
    repo.commit("Bo owns grasp-pose")
    repo.git("stash", "pop")
    text = repo.read()
    assert "# mine: ask QA again" in text and "vendor_quote = 12000" in text
    assert loads(text).portfolio.get("grasp-pose").owner == "Bo"


@pytest.mark.slow
def test_criss_cross_merge_keeps_text_only_commits(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "side")
    repo.write("portfolio.toml", comment_only(repo.read()))
    repo.commit("side: a note")
    repo.git("checkout", "-q", "main")
    repo.write("portfolio.toml", unknown_key_only(repo.read()).replace(INLINE_COMMENT, "# QA: April"))
    repo.commit("main: a vendor quote")
    main_tip = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("merge", "-q", "--no-edit", "side")  # main merges side
    repo.git("checkout", "-q", "side")
    repo.git("merge", "-q", "--no-edit", main_tip)  # side merges main's old tip: two merge bases
    repo.write("portfolio.toml", swap_last_two(repo.read()))
    repo.commit("side: reorder")
    repo.git("checkout", "-q", "main")
    repo.fsdl("set", "portfolio.toml", "grasp-pose", "owner=Bo")
    repo.commit("main: Bo owns grasp-pose")
    out = repo.git("merge", "--no-edit", "side")
    assert "CONFLICT" not in out.stdout
    text = repo.read()
    for line in ("# note\n", "vendor_quote = 12000\n", "# QA: April"):
        assert line in text
    merged = loads(text).portfolio
    assert [p.id for p in merged.projects][-2:] == ["unscored", "lens-only"]
    assert merged.get("grasp-pose").owner == "Bo"


def test_each_side_adds_a_different_unknown_key_at_the_same_place_both_are_kept() -> None:
    ours = add_key(BASE, "[projects.metrics]", "ours_ticket = 1")
    theirs = add_key(BASE, "[projects.metrics]", "theirs_ticket = 2")
    result = merge_texts(BASE, edit(ours, setting("grasp-pose", "owner", "bo")), theirs)
    assert result.clean, result.conflicts
    assert "ours_ticket = 1\n" in result.text and "theirs_ticket = 2\n" in result.text
    assert loads(result.text).portfolio.get("grasp-pose").owner == "bo"


def test_the_same_unknown_key_set_two_ways_is_a_conflict_with_markers() -> None:
    ours = add_key(BASE, "[projects.metrics]", "ticket = 1")
    theirs = add_key(BASE, "[projects.metrics]", "ticket = 2")
    result = merge_texts(BASE, edit(ours, setting("grasp-pose", "owner", "bo")), theirs)
    assert not result.clean
    assert result.conflicts == [
        "project 'grasp-pose': metrics.ticket (not an fsdl-tui field): ours 1, theirs 2 (base (unset))"
    ]
    assert "<<<<<<< ours\nticket = 1\n=======\nticket = 2\n>>>>>>> theirs\n" in result.text


# --- which view git's patch ids use -----------------------------------------------------------------------


def test_git_patch_ids_are_computed_from_the_raw_text_not_the_textconv_view(repo: Repo) -> None:
    """Two commits with the same textconv view but different raw text are not taken as equivalent, even
    with a textconv that hides every comment: what drops a commit in a rebase is a merge that loses its
    edit (the commit becomes empty), never the view."""
    repo.git("config", "diff.fsdl-tui.textconv", "sed -e /#/d")  # a view blind to comments
    repo.git("checkout", "-q", "-b", "mine")
    repo.write("portfolio.toml", repo.read().replace(INLINE_COMMENT, "# changed by me"))
    repo.commit("mine: a comment")
    repo.git("checkout", "-q", "main")
    repo.write("portfolio.toml", repo.read().replace(INLINE_COMMENT, "# changed upstream"))
    repo.commit("main: another comment")
    views = [
        [line for line in repo.git("diff", f"{ref}~1", ref).stdout.splitlines() if not line.startswith("index ")]
        for ref in ("main", "mine")
    ]
    assert views[0] == views[1]  # the same textconv diff
    assert (
        repo.git("diff", "--no-textconv", "main~1", "main").stdout
        != repo.git("diff", "--no-textconv", "mine~1", "mine").stdout
    )
    assert repo.git("cherry", "main", "mine").stdout.startswith("+ ")  # "+": not already upstream


def test_the_textconv_view_shows_comments_and_unknown_keys(repo: Repo) -> None:
    repo.write("portfolio.toml", unknown_key_only(comment_only(repo.read())))
    out = repo.git("diff").stdout
    added = [line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added == ["+grasp-pose # note", "+grasp-pose.cost.vendor_quote = 12000  (not an fsdl-tui field)"]


def test_adjacent_header_lines_edited_on_both_sides_keep_every_comment() -> None:
    ours = edit(BASE, lambda pf: pf.replace(name="Vision team (2025)"))
    ours = add_comment(ours, "[[projects]]", "# ours: a note on the last project", nth=3)
    theirs = edit(BASE, lambda pf: pf.replace(description="What we might build next"))
    theirs = add_comment(theirs, "[[projects]]", "# theirs: a note on the second project", nth=1)
    result = merge_texts(BASE, ours, theirs)
    assert result.clean, result.conflicts
    merged = loads(result.text).portfolio
    assert (merged.name, merged.description) == ("Vision team (2025)", "What we might build next")
    assert "# ours: a note on the last project" in result.text
    assert "# theirs: a note on the second project" in result.text
