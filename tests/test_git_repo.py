"""fsdl-tui in real throwaway git repositories: git-setup, then `git merge`, `git rebase`, `git diff`,
`git log -p` and `fsdl-tui log`, with git running fsdl-tui as its merge and diff driver."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from helpers_git import COMMAND, INLINE_COMMENT, PROJECT_COMMENT, TOP_COMMENT, Repo, base_text, edit, setting

from fsdl_tui.domain.lifecycle import move, new_project
from fsdl_tui.gitops.setup import update_attributes
from fsdl_tui.storage import loads


@pytest.fixture()
def repo(tmp_path) -> Repo:
    r = Repo(tmp_path)
    r.setup()
    r.write("portfolio.toml", base_text())
    r.commit("Start the portfolio")
    return r


def branch_edits(repo: Repo) -> None:
    """main and `feature` each add a project and edit different fields of grasp-pose."""
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(
        "portfolio.toml",
        edit(
            edit(repo.read(), setting("grasp-pose", "cost.accuracy_requirement", 3)),
            lambda pf: pf.with_project(new_project("theirs-new", "Theirs new")),
        ),
    )
    repo.commit("Relax the accuracy requirement; add theirs-new", author="Bo")
    repo.git("checkout", "-q", "main")
    repo.write(
        "portfolio.toml",
        edit(
            edit(repo.read(), setting("grasp-pose", "impact.overall", 4)),
            lambda pf: pf.with_project(new_project("ours-new", "Ours new")),
        ),
    )
    repo.commit("Lower the impact; add ours-new")


def test_git_setup_configures_drivers_and_attributes(repo: Repo) -> None:
    attrs = repo.git("check-attr", "-a", "portfolio.toml").stdout
    assert "portfolio.toml: merge: fsdl-tui" in attrs and "portfolio.toml: diff: fsdl-tui" in attrs
    assert "team.portfolio.toml: merge: fsdl-tui" in repo.git("check-attr", "merge", "team.portfolio.toml").stdout
    assert repo.git("check-attr", "merge", "other.toml").stdout.strip().endswith("unspecified")
    assert (
        repo.git("config", "merge.fsdl-tui.driver").stdout.strip()
        == f"{COMMAND} merge %O %A %B --marker-size=%L --path=%P"
    )
    assert repo.git("config", "diff.fsdl-tui.textconv").stdout.strip() == f"{COMMAND} diff --textconv"
    assert repo.git("config", "diff.fsdl-tui.xfuncname").stdout.strip().startswith("^(project ")


def test_git_setup_is_idempotent(repo: Repo) -> None:
    before = (repo.root / ".gitattributes").read_text()
    config = repo.git("config", "--local", "--list").stdout
    out = repo.setup().stdout
    assert "0 of 4 settings changed" in out and "(ok)" in out and "(added)" not in out
    assert (repo.root / ".gitattributes").read_text() == before
    assert repo.git("config", "--local", "--list").stdout == config


def test_git_setup_with_paths_and_existing_attributes(repo: Repo) -> None:
    (repo.root / "plans").mkdir()
    (repo.root / ".gitattributes").write_text("*.png binary\nteam.toml -diff\n")
    repo.setup("team.toml", "plans/q3.toml")
    text = (repo.root / ".gitattributes").read_text()
    assert text.startswith("*.png binary\nteam.toml merge=fsdl-tui diff=fsdl-tui\n")
    assert "/plans/q3.toml merge=fsdl-tui diff=fsdl-tui\n" in text
    assert "merge: fsdl-tui" in repo.git("check-attr", "merge", "plans/q3.toml").stdout
    assert "fsdl-tui" not in repo.git("check-attr", "merge", "q3.toml").stdout


def test_update_attributes_keeps_other_attributes_of_the_pattern() -> None:
    text, states = update_attributes("a.toml text eol=lf merge=union\n", ["a.toml"])
    assert text == "a.toml text eol=lf merge=fsdl-tui diff=fsdl-tui\n" and states == [("a.toml", "updated")]
    assert update_attributes(text, ["a.toml"]) == (text, [("a.toml", "ok")])


def test_git_setup_global_writes_user_config_and_attributes(tmp_path) -> None:
    r = Repo(tmp_path)
    out = r.fsdl("git-setup", "--global", "--command", COMMAND).stdout
    assert "4 of 4 settings changed" in out
    assert "merge=fsdl-tui" in (r.home / ".config" / "git" / "attributes").read_text()
    assert r.git("config", "--global", "merge.fsdl-tui.name").stdout.strip()
    assert r.git("config", "--local", "--get", "merge.fsdl-tui.name", check=False).returncode == 1
    assert "merge: fsdl-tui" in r.git("check-attr", "merge", "portfolio.toml").stdout


def test_git_setup_outside_a_repository_is_a_message(tmp_path) -> None:
    r = Repo(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    result = r.run(
        ["sh", "-c", f"cd {tmp_path / 'elsewhere'} && GIT_CEILING_DIRECTORIES={tmp_path} {COMMAND} git-setup"],
        check=False,
    )
    assert result.returncode == 1
    assert "not inside a git repository" in result.stderr and "Traceback" not in result.stderr


def test_branches_editing_different_fields_and_adding_projects_merge_cleanly(repo: Repo) -> None:
    branch_edits(repo)
    result = repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in result.stdout
    text = repo.read()
    merged = loads(text).portfolio
    g = merged.get("grasp-pose")
    assert (g.impact.overall, g.cost.accuracy_requirement) == (4, 3)
    assert [p.id for p in merged.projects][-2:] == ["ours-new", "theirs-new"]
    for comment in (TOP_COMMENT, PROJECT_COMMENT, INLINE_COMMENT):
        assert comment in text
    assert repo.fsdl("validate", "portfolio.toml").stdout.strip() == "portfolio.toml: ok (6 projects)"
    assert repo.git("status", "--porcelain").stdout == ""


def test_same_field_changed_on_both_branches_is_a_git_conflict(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("portfolio.toml", edit(repo.read(), setting("defect-detect", "cost.problem_difficulty", 4)))
    repo.commit("Harder than we thought")
    repo.git("checkout", "-q", "main")
    repo.write("portfolio.toml", edit(repo.read(), setting("defect-detect", "cost.problem_difficulty", 3)))
    repo.commit("A bit harder")
    result = repo.git("merge", "--no-edit", "feature", check=False)
    assert result.returncode == 1 and "CONFLICT (content): Merge conflict in portfolio.toml" in result.stdout
    assert "defect-detect': cost.problem_difficulty: ours 3, theirs 4 (base 2)" in result.stderr
    assert repo.git("status", "--porcelain").stdout == "UU portfolio.toml\n"
    lines = repo.read().splitlines()
    i = lines.index("<<<<<<< ours")
    assert lines[i + 1].startswith("problem_difficulty = 3") and lines[i + 3].startswith("problem_difficulty = 4")
    invalid = repo.fsdl_process("validate", "portfolio.toml", check=False)
    assert invalid.returncode == 1 and "leftover git conflict marker" in invalid.stderr


def test_rebase_replays_portfolio_edits_through_the_merge_driver(repo: Repo) -> None:
    branch_edits(repo)
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "main")
    merged = loads(repo.read()).portfolio
    assert {"ours-new", "theirs-new"} <= {p.id for p in merged.projects}
    g = merged.get("grasp-pose")
    assert (g.impact.overall, g.cost.accuracy_requirement) == (4, 3)
    assert PROJECT_COMMENT in repo.read()


def test_git_diff_reads_as_the_semantic_diff(repo: Repo) -> None:
    repo.write("portfolio.toml", edit(repo.read(), setting("grasp-pose", "cost.accuracy_requirement", 3)))
    out = repo.git("diff").stdout
    changed = [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert "-grasp-pose.cost.accuracy_requirement = 5" in changed
    assert "+grasp-pose.cost.accuracy_requirement = 3" in changed
    assert "-grasp-pose: rank #3, score 3.35, moonshot, impact 5.00, feasibility 1.70" in changed
    assert "+grasp-pose: rank #3, score 3.83, moonshot, impact 5.00, feasibility 2.66" in changed
    repo.commit("Relax accuracy")
    log = repo.git("log", "-p", "-1").stdout
    assert "+grasp-pose.cost.accuracy_requirement = 3" in log


def test_hunk_headers_name_the_project(repo: Repo) -> None:
    repo.write("portfolio.toml", edit(repo.read(), setting("defect-detect", "lifecycle.status_reason", "waiting")))
    hunks = [line for line in repo.git("diff").stdout.splitlines() if line.startswith("@@")]
    assert len(hunks) == 1 and hunks[0].endswith('@@ project defect-detect: "Defect detection"')


def test_hunk_headers_name_the_project_in_the_raw_toml_too(repo: Repo) -> None:
    repo.write("portfolio.toml", edit(repo.read(), setting("defect-detect", "metrics.target", 0.9)))
    out = repo.git("diff", "--no-textconv").stdout
    assert '@@ id = "defect-detect"' in out


def test_external_diff_driver_prints_the_semantic_diff(repo: Repo) -> None:
    repo.write("portfolio.toml", edit(repo.read(), setting("grasp-pose", "cost.accuracy_requirement", 3)))
    out = repo.git("diff", "--ext-diff", GIT_EXTERNAL_DIFF=f"{COMMAND} diff").stdout
    assert out.startswith("fsdl-tui diff portfolio.toml (")
    assert "    cost.accuracy_requirement: 5 -> 3" in out
    repo.commit("Relax accuracy")
    repo.git("rm", "-q", "portfolio.toml")
    out = repo.git("diff", "--cached", "--ext-diff", GIT_EXTERNAL_DIFF=f"{COMMAND} diff").stdout
    assert "0 added, 4 removed" in out


def test_diff_driver_command_makes_the_semantic_diff_the_default(repo: Repo) -> None:
    repo.git("config", "diff.fsdl-tui.command", f"{COMMAND} diff")
    repo.write("portfolio.toml", edit(repo.read(), setting("lens-only", "owner", "bo")))
    out = repo.git("diff").stdout
    assert out.startswith("fsdl-tui diff portfolio.toml (") and '    owner: "" -> "bo"' in out


def test_diff_of_revisions(repo: Repo) -> None:
    repo.write("portfolio.toml", edit(repo.read(), setting("grasp-pose", "owner", "bo")))
    out = repo.fsdl("diff", "HEAD:portfolio.toml", "portfolio.toml", "--format", "json").stdout
    change = json.loads(out)["projects"][0]
    assert change["fields"] == [{"path": "owner", "old": "ana", "new": "bo"}]
    bad = repo.fsdl_process("diff", "nosuchrev:portfolio.toml", "portfolio.toml", check=False)
    assert bad.returncode == 1 and "git cannot read it as REV:PATH" in bad.stderr


def test_log_of_a_project_is_the_blame_for_its_score(repo: Repo) -> None:
    branch_edits(repo)
    repo.git("merge", "--no-edit", "feature")
    repo.write("portfolio.toml", "broken = [\n")
    repo.commit("Oops")
    repo.write(
        "portfolio.toml",
        edit(
            base_text(), lambda pf: pf.with_project(move(pf.get("grasp-pose"), "deploying", date=_dt.date(2024, 5, 1)))
        ),
    )
    repo.commit("Fix the file; grasp-pose goes to deploying")
    rows = json.loads(repo.fsdl("log", "portfolio.toml", "grasp-pose", "--json").stdout)
    subjects = [r["subject"] for r in rows]
    assert subjects[0] == "Start the portfolio" and rows[0]["changed"] == ["added"]
    by_subject = {r["subject"]: r for r in rows}
    relax = by_subject["Relax the accuracy requirement; add theirs-new"]
    assert relax["author"] == "Bo" and relax["changed"] == ["cost.accuracy_requirement"]
    lower = by_subject["Lower the impact; add ours-new"]
    assert lower["changed"] == ["impact.overall"] and lower["impact"] == 4.0
    assert by_subject["Oops"]["present"] is False and by_subject["Oops"]["changed"][0].startswith("skipped")
    last = rows[-1]
    assert last["stage"] == "deploying" and "stage training -> deploying" in last["changed"]
    table = repo.fsdl("log", "portfolio.toml", "grasp-pose").stdout
    assert "grasp-pose: score history" in table and "cost.accuracy_requirement" in table


def test_log_of_the_portfolio_is_rank_movement(repo: Repo) -> None:
    repo.write(
        "portfolio.toml",
        edit(
            edit(repo.read(), setting("grasp-pose", "cost.data_availability", 5)),
            setting("grasp-pose", "cost.accuracy_requirement", 1),
        ),
    )
    repo.commit("Data found for grasping")
    rows = json.loads(repo.fsdl("log", "portfolio.toml", "--json").stdout)
    assert [r["subject"] for r in rows] == ["Start the portfolio", "Data found for grasping"]
    assert rows[1]["ranks"]["grasp-pose"] == 1
    assert rows[1]["movement"] == ["grasp-pose #3->#1", "defect-detect #2->#3", "lens-only #1->#2"]
    assert "rank movement by commit" in repo.fsdl("log", "portfolio.toml").stdout


def test_log_follows_renames(repo: Repo) -> None:
    repo.git("mv", "portfolio.toml", "team.portfolio.toml")
    repo.commit("Rename")
    repo.write("team.portfolio.toml", edit(repo.read("team.portfolio.toml"), setting("unscored", "owner", "x")))
    repo.commit("Own it")
    rows = json.loads(repo.fsdl("log", "team.portfolio.toml", "unscored", "--json").stdout)
    assert [r["subject"] for r in rows] == ["Start the portfolio", "Own it"]


def test_log_errors_are_messages(repo: Repo) -> None:
    missing = repo.fsdl("log", "portfolio.toml", "nope", check=False)
    assert missing.returncode == 1 and "no project 'nope'" in missing.stderr
    repo.write("new.toml", base_text())
    untracked = repo.fsdl_process("log", "new.toml", check=False)
    assert untracked.returncode == 1 and "no commits" in untracked.stderr


def test_log_outside_a_repository_and_bad_limit(tmp_path, repo: Repo) -> None:
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "p.toml").write_text(base_text())
    result = repo.run(
        ["sh", "-c", f"cd {tmp_path / 'loose'} && GIT_CEILING_DIRECTORIES={tmp_path} {COMMAND} log p.toml"], check=False
    )
    assert result.returncode == 1 and "not inside a git repository" in result.stderr
    bad = repo.fsdl("log", "portfolio.toml", "--limit", "0", check=False)
    assert bad.returncode == 1 and "--limit must be at least 1" in bad.stderr
    assert len(json.loads(repo.fsdl("log", "portfolio.toml", "--limit", "1", "--json").stdout)) == 1


def test_merge_of_a_file_whose_name_starts_with_a_dash(tmp_path) -> None:
    repo = Repo(tmp_path)
    repo.setup("--", "-team.toml")
    repo.write("-team.toml", base_text())
    repo.commit("Start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("-team.toml", edit(repo.read("-team.toml"), setting("lens-only", "owner", "bo")))
    repo.commit("Bo owns lens-only")
    repo.git("checkout", "-q", "main")
    repo.write("-team.toml", edit(repo.read("-team.toml"), setting("unscored", "owner", "ana")))
    repo.commit("Ana owns unscored")
    repo.git("merge", "--no-edit", "feature")
    merged = loads(repo.read("-team.toml")).portfolio
    assert (merged.get("lens-only").owner, merged.get("unscored").owner) == ("bo", "ana")


def test_log_follows_changes_brought_in_by_a_merge_commit(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("portfolio.toml", edit(repo.read(), setting("lens-only", "owner", "bo")))
    repo.commit("Bo owns lens-only")
    repo.git("checkout", "-q", "main")
    repo.write("portfolio.toml", edit(repo.read(), setting("unscored", "owner", "ana")))
    repo.commit("Ana owns unscored")
    repo.git("merge", "-q", "--no-edit", "feature")
    rows = json.loads(repo.fsdl("log", "portfolio.toml", "lens-only", "--json").stdout)
    merges = [r for r in rows if r["subject"].startswith("Merge branch 'feature'")]
    assert len(merges) == 1 and merges[0]["changed"] == ["owner"]


def test_log_shows_user_text_as_plain_text_and_wraps_between_words(repo: Repo) -> None:
    repo.write("portfolio.toml", edit(repo.read(), setting("grasp-pose", "lifecycle.status_reason", "x")))
    repo.commit("Fix [/] and [bold]markup[/bold] in a subject")
    repo.write(
        "portfolio.toml",
        edit(repo.read(), lambda pf: pf.with_project(move(pf.get("grasp-pose"), "planning", note="labels too costly"))),
    )
    repo.commit("Back to planning")
    out = repo.run([*COMMAND.split(), "log", "portfolio.toml", "grasp-pose"], COLUMNS="140").stdout
    assert "[/]" in out and "[bold]markup[/bold]" in out
    words = {w for line in out.splitlines() for w in line.replace("│", " ").split()}
    assert "planning" in words and "planni" not in words


def test_log_ranks_with_the_portfolios_default_scorer_or_scorer_option(repo: Repo) -> None:
    repo.write("portfolio.toml", repo.read().replace('default_scorer = "fsdl"', 'default_scorer = "weighted"', 1))
    repo.commit("Rank by weighted")
    from fsdl_tui.scoring import FsdlScorer, WeightedScorer, rank

    pf = loads(repo.read()).portfolio
    for scorer, args in ((WeightedScorer(), ()), (FsdlScorer(), ("--scorer", "fsdl"))):
        expected = next(r.score.value for r in rank(pf, scorer) if r.project.id == "grasp-pose")
        rows = json.loads(repo.fsdl("log", "portfolio.toml", "grasp-pose", "--json", *args).stdout)
        assert rows[-1]["score"] == pytest.approx(expected)
    assert "weighted scorer" in repo.fsdl("log", "portfolio.toml").stdout


@pytest.mark.parametrize("conflict", [False, True])
def test_a_real_merge_of_a_larger_portfolio_goes_through_the_merge_from_the_files(tmp_path, conflict: bool) -> None:
    """Git runs the driver on its temporary files: the result is the merge of the texts, byte for byte, and
    the merge from the files answers for these versions (so that is the path the driver took)."""
    from helpers_git import file_merge
    from helpers_storage import make_portfolio_text

    from fsdl_tui.gitops.merge import merge_texts

    repo = Repo(tmp_path)
    repo.setup()
    base = make_portfolio_text(300, seed=4)
    ids = [p.id for p in loads(base).portfolio.projects]
    repo.write("portfolio.toml", base)
    repo.commit("Start")
    repo.git("checkout", "-q", "-b", "feature")
    theirs = edit(base, setting(ids[20 if conflict else 250], "owner", "theirs-owner"))
    repo.write("portfolio.toml", theirs)
    repo.commit("Theirs", author="Bo")
    repo.git("checkout", "-q", "main")
    ours = edit(base, setting(ids[20], "owner", "ours-owner"))
    repo.write("portfolio.toml", ours)
    repo.commit("Ours")
    result = repo.git("merge", "--no-edit", "feature", check=False)
    want = merge_texts(base, ours, theirs, path="portfolio.toml", portfolio=False)
    assert file_merge(base, ours, theirs, path="portfolio.toml") is not None
    assert repo.read() == want.text
    assert result.returncode == (1 if conflict else 0) and want.clean is not conflict
    if conflict:
        assert f"project '{ids[20]}': owner: ours \"ours-owner\"" in result.stderr
