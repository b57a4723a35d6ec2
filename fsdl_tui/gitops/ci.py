"""Pull requests on hosted servers, where no merge driver runs: what a CI job does for a portfolio.

- `changed_portfolios`: the portfolio files a branch changed since it left the base branch;
- `annotations`: each problem of a file as a GitHub workflow command (`::error file=F,line=L,col=C::...`),
  which GitHub shows on the pull request's lines (GitLab prints them as they are);
- `summary`: the semantic diff of each file, in Markdown, for the job summary (`$GITHUB_STEP_SUMMARY`);
- `sync`: merge the base branch into the branch with the fsdl-tui driver, so that the pull request merges
  without conflicts on the server (which then only fast-forwards over, or line-merges, a clean result).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..domain.model import Portfolio
from ..scoring.base import Scorer
from ..storage import PortfolioLoadError, Problem, loads_bytes
from .diff import diff_portfolios, format_markdown
from .setup import (
    DEFAULT_PATTERNS,
    _as_pattern,
    find_portfolios,
    git,
    looks_like_portfolio,
    toplevel,
    update_attributes,
)


@dataclass(frozen=True)
class Checked:
    path: str
    portfolio: Portfolio | None
    base: Portfolio | None
    problems: tuple[Problem, ...] = ()


def merge_base(top: Path, base: str) -> str:
    run = git(["merge-base", base, "HEAD"], top, check=False)
    if run.returncode != 0:
        raise ValueError(f"{base}: no common ancestor with HEAD (fetch the base branch first)")
    return run.stdout.strip()


WORKFLOWS = {
    "github": (
        ".github/workflows/fsdl-tui.yml",
        """\
# fsdl-tui: check the portfolios of each pull request (written by `fsdl-tui git-setup --ci github`).
# GitHub never runs merge drivers: run the "sync" job (Actions > fsdl-tui > Run workflow, with the PR's
# branch) to merge the base branch into it with fsdl-tui's driver, or run `fsdl-tui git-sync origin/main`
# yourself and push.
name: fsdl-tui
on:
  pull_request:
  workflow_dispatch:
    inputs:
      base:
        description: "base branch to merge into this branch with the fsdl-tui driver"
        default: "main"
permissions:
  contents: write
jobs:
  portfolios:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m pip install fsdl-tui
      - name: validate and summarize
        run: fsdl-tui git-ci "origin/${{ github.base_ref }}"
  sync:
    if: github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m pip install fsdl-tui
      - run: |
          git config user.name "github-actions[bot]"
          git config user.email "github-actions[bot]@users.noreply.github.com"
      - name: merge the base branch with the fsdl-tui driver
        run: fsdl-tui git-sync "origin/${{ inputs.base }}"
      - run: git push
""",
    ),
    "gitlab": (
        ".gitlab/fsdl-tui.yml",
        """\
# fsdl-tui: check the portfolios of each merge request (written by `fsdl-tui git-setup --ci gitlab`).
# Include it from .gitlab-ci.yml:   include: { local: .gitlab/fsdl-tui.yml }
# GitLab never runs merge drivers: run `fsdl-tui git-sync origin/main` on the branch and push.
fsdl-tui:
  image: python:3.11
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  variables:
    GIT_DEPTH: "0"
  script:
    - python -m pip install fsdl-tui
    - git fetch origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - fsdl-tui git-ci "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --summary fsdl-tui-summary.md
  artifacts:
    when: always
    paths: [fsdl-tui-summary.md]
""",
    ),
}


def changed_portfolios(top: Path, base: str) -> list[str]:
    """Portfolio files that differ between the merge base with `base` and the work tree's HEAD."""
    since = merge_base(top, base)
    run = git(["diff", "--name-only", "-z", "--no-renames", since, "HEAD", "--", "*.toml"], top)
    names = [n for n in run.stdout.split("\0") if n]
    found = set(find_portfolios(top)[0])
    out = []
    for name in names:
        if name in found:
            out.append(name)
            continue
        old = git(["show", f"{since}:{name}"], top, check=False)
        if old.returncode == 0 and looks_like_portfolio(old.stdout.encode("utf-8", "surrogateescape")):
            out.append(name)  # deleted, or broken by the branch
        elif (top / name).is_file() and b"[[projects]]" in (top / name).read_bytes():
            out.append(name)  # a broken portfolio is still one to report
    return out


def _read(top: Path, rev: str | None, name: str) -> bytes | None:
    """The bytes of `name` in the work tree (`rev` None) or at `rev`; None when it is not there."""
    if rev is None:
        path = top / name
        return path.read_bytes() if path.is_file() else None
    try:
        run = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=top, capture_output=True, check=False)
    except FileNotFoundError:
        return None
    return run.stdout if run.returncode == 0 else None


def check_files(top: Path, base: str, names: list[str]) -> list[Checked]:
    since = merge_base(top, base)
    out = []
    for name in names:
        old_data = _read(top, since, name)
        try:
            old = loads_bytes(old_data, name).portfolio if old_data else None
        except PortfolioLoadError:
            old = None
        data = _read(top, None, name)
        if data is None:
            out.append(Checked(name, None, old))
            continue
        try:
            out.append(Checked(name, loads_bytes(data, name).portfolio, old))
        except PortfolioLoadError as exc:
            out.append(Checked(name, None, old, tuple(exc.problems)))
    return out


def _escape(text: str) -> str:
    """GitHub workflow command data: %, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def problem_annotations(checked: list[Checked]) -> list[str]:
    return [
        f"::error file={_escape_property(p.file)},line={p.line},col={p.col}::{_escape(p.message)}"
        for c in checked
        for p in c.problems
    ]


def summary(checked: list[Checked], scorer: Scorer | None = None) -> str:
    out = ["## fsdl-tui: portfolio changes", ""]
    if not checked:
        out += ["No portfolio file changed.", ""]
    for c in checked:
        out += [f"**`{c.path}`**", ""]
        if c.problems:
            out += [f"Not a valid portfolio ({len(c.problems)} problem(s)):", ""]
            out += [f"- `{p}`" for p in c.problems]
            out.append("")
            continue
        if c.portfolio is None:
            out += ["Deleted.", ""]
            continue
        out.append(format_markdown(diff_portfolios(c.base, c.portfolio, scorer)))
    return "\n".join(out) + "\n"


def sync(cwd: str | Path, base: str, command: str | None = None) -> tuple[bool, str]:
    """Merge `base` into the current branch with the fsdl-tui driver (installing it in this clone's git
    config first). (merged cleanly, git's output); on a conflict the merge is aborted and nothing changes."""
    top = toplevel(cwd)
    _drivers_only(top, command)
    run = git(["merge", "--no-edit", base], top, check=False)
    output = (run.stdout + run.stderr).strip()
    if run.returncode != 0:
        git(["merge", "--abort"], top, check=False)
        return False, output
    return True, output


def _drivers_only(top: Path, command: str | None) -> None:
    """The drivers in this clone's git config; the committed .gitattributes says which files use them."""
    from .setup import default_command, driver_config

    for key, value in driver_config(command or default_command()).items():
        git(["config", "--local", key, value], top)
    # every portfolio of the repository goes to the drivers, even one .gitattributes does not name yet
    info = Path(git(["rev-parse", "--git-path", "info/attributes"], top).stdout.strip())
    info = info if info.is_absolute() else top / info
    names = [n for n in find_portfolios(top)[0] if _as_pattern(n)]
    patterns = [*DEFAULT_PATTERNS, *(p for n in names if (p := _as_pattern(n)) is not None)]
    before = info.read_text(encoding="utf-8") if info.exists() else ""
    after, _ = update_attributes(before, patterns)
    if after != before:
        info.parent.mkdir(parents=True, exist_ok=True)
        info.write_text(after, encoding="utf-8")
