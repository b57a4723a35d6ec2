"""Pull requests on servers that run no merge driver: plain `git merge` of `fsdl-tui add` on two branches,
git-setup finding the repository's portfolios, and the CI recipe's commands run locally."""

from __future__ import annotations

import random

import pytest
from helpers_git import COMMAND, Repo, base_text

from fsdl_tui.gitops.ci import WORKFLOWS
from fsdl_tui.storage import loads


def two_branches_adding(repo: Repo, ours: str, theirs: str) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.fsdl("add", "portfolio.toml", theirs, "--title", f"{theirs} title")
    repo.commit(f"add {theirs}")
    repo.git("checkout", "-q", "main")
    repo.fsdl("add", "portfolio.toml", ours, "--title", f"{ours} title")
    repo.commit(f"add {ours}")


def test_without_any_driver_two_branches_adding_projects_merge_with_plain_git(tmp_path) -> None:
    repo = Repo(tmp_path)  # no git-setup: as on a hosted server
    repo.write("portfolio.toml", base_text())
    repo.commit("Start")
    two_branches_adding(repo, "bin-picking", "shelf-audit")
    out = repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in out.stdout
    ids = {p.id for p in loads(repo.read()).portfolio.projects}
    assert {"bin-picking", "shelf-audit", "grasp-pose", "unscored"} <= ids


@pytest.mark.slow
def test_share_of_random_two_branch_adds_that_plain_git_merges(tmp_path) -> None:
    """Measured, not assumed: most pairs of random new ids land in different places."""
    rng = random.Random(7)
    clean = 0
    trials = 6
    for n in range(trials):
        (tmp_path / str(n)).mkdir()
        repo = Repo(tmp_path / str(n))
        repo.write("portfolio.toml", base_text())
        repo.commit("Start")
        a, b = ("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(2))
        two_branches_adding(repo, a, b)
        result = repo.git("merge", "--no-edit", "feature", check=False)
        if result.returncode == 0:
            assert {a, b} <= {p.id for p in loads(repo.read()).portfolio.projects}
            clean += 1
    assert clean >= trials // 2  # with 4 projects, two random ids share a gap about 1 time in 5


def test_git_setup_covers_a_portfolio_named_team_toml(tmp_path) -> None:
    repo = Repo(tmp_path)
    (repo.root / "plans").mkdir()
    repo.write("team.toml", base_text())
    repo.write("plans/q3.toml", base_text())
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    out = repo.setup()
    assert "portfolio files found: plans/q3.toml, team.toml" in out.stdout
    assert "team.toml: merge: fsdl-tui" in repo.git("check-attr", "merge", "team.toml").stdout
    assert "plans/q3.toml: diff: fsdl-tui" in repo.git("check-attr", "diff", "plans/q3.toml").stdout
    assert "unspecified" in repo.git("check-attr", "merge", "pyproject.toml").stdout
    assert repo.fsdl("git-setup", "--check").returncode == 0


def test_git_setup_check_reports_files_not_covered(tmp_path) -> None:
    repo = Repo(tmp_path)
    repo.write("team.toml", base_text())
    result = repo.fsdl_process("git-setup", "--check", check=False)
    assert result.returncode == 1 and "team.toml: not covered" in result.stderr
    assert "NOT COVERED" in result.stdout


@pytest.mark.slow
def test_ci_recipe_commands_validate_summarize_and_make_the_branch_mergeable(tmp_path) -> None:
    repo = Repo(tmp_path)
    repo.write("portfolio.toml", base_text())
    repo.commit("Start")
    assert repo.fsdl("git-setup", "--ci", "github").returncode == 0
    workflow = (repo.root / WORKFLOWS["github"][0]).read_text()
    assert 'fsdl-tui git-ci "origin/${{ github.base_ref }}"' in workflow and "fsdl-tui git-sync" in workflow
    assert repo.fsdl("git-setup", "--ci", "gitlab").returncode == 0
    repo.commit("CI")
    # both branches append at the same place: a plain line merge would conflict
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("portfolio.toml", repo.read() + '\n[[projects]]\nid = "zz-theirs"\ntitle = "Theirs"\n')
    repo.commit("add zz-theirs")
    repo.git("checkout", "-q", "main")
    repo.write("portfolio.toml", repo.read() + '\n[[projects]]\nid = "zz-ours"\ntitle = "Ours"\n')
    repo.commit("add zz-ours")
    repo.git("checkout", "-q", "feature")
    summary = tmp_path / "summary.md"
    # the pull request job: validate and summarize (GITHUB_STEP_SUMMARY)
    ok = repo.run([*COMMAND.split(), "git-ci", "main"], GITHUB_STEP_SUMMARY=str(summary))
    assert ok.returncode == 0 and "#### Added" in summary.read_text() and "`zz-theirs`" in summary.read_text()
    # the maintainer's command: merge the base into the branch with the driver
    repo.run([*COMMAND.split(), "git-sync", "main", "--command", COMMAND])
    assert {"zz-ours", "zz-theirs"} <= {p.id for p in loads(repo.read()).portfolio.projects}
    # the server's merge, with no driver at all: now a clean merge
    repo.git("config", "--unset-all", "merge.fsdl-tui.driver")
    (repo.root / ".git" / "info" / "attributes").unlink()
    repo.git("checkout", "-q", "main")
    assert repo.git("merge", "--no-edit", "feature").returncode == 0
    # a broken portfolio is annotated at FILE:LINE:COL
    repo.git("checkout", "-q", "-b", "broken")
    repo.write("portfolio.toml", repo.read().replace("impact_threshold = 3.0", "impact_threshold = 'high'"))
    repo.commit("oops")
    bad = repo.run([*COMMAND.split(), "git-ci", "main", "--summary", str(summary)], check=False)
    assert bad.returncode == 1
    assert any(
        line.startswith("::error file=portfolio.toml,line=") and ",col=" in line for line in bad.stdout.splitlines()
    )
