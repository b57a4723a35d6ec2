"""Git commands: diff (also git's diff driver), merge (git's merge driver), git-setup, log."""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ..domain.model import Portfolio
from ..scoring.base import Scorer
from ..storage import PortfolioDocument, PortfolioLoadError, loads_bytes
from .main import CliError

RAW = argparse.RawDescriptionHelpFormatter
NULL = "/dev/null"


# --- diff -------------------------------------------------------------------------------------------------


def _read_bytes(spec: str) -> bytes | None:
    """The bytes of a file, of `REV:PATH` from git, or None for /dev/null."""
    if spec == NULL:
        return None
    path = Path(spec)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        raise CliError(f"{spec}: is a folder, not a portfolio file") from None
    except OSError as exc:
        raise CliError(f"{spec}: {exc.strerror or exc}") from None
    if ":" in spec:
        try:
            run = subprocess.run(["git", "show", spec], capture_output=True, check=False)
        except FileNotFoundError:
            raise CliError(f"{spec}: no such file, and git is not installed to read it as REV:PATH") from None
        if run.returncode == 0:
            return run.stdout
        raise CliError(
            f"{spec}: no such file, and git cannot read it as REV:PATH: {run.stderr.decode(errors='replace').strip()}"
        )
    raise CliError(f"{spec}: no such file")


def _document(data: bytes | None, label: str) -> PortfolioDocument | None:
    """None for no file or an empty one (an added or removed file); raises PortfolioLoadError if invalid."""
    if data is None or not data.strip():
        return None
    return loads_bytes(data, label)


def _portfolio(data: bytes | None, label: str) -> Portfolio | None:
    doc = _document(data, label)
    return doc.portfolio if doc is not None else None


def _scorer(args: argparse.Namespace, *portfolios: Portfolio | None) -> Scorer:
    """The scorer `--scorer` names, else the default scorer of the first portfolio given (plugins included,
    as `rank` does); a plugin's problems go to stderr."""
    from ..plugins.manager import PluginError, load_plugins

    portfolio = next((p for p in portfolios if p is not None), None)
    try:
        host = load_plugins(plugins_dir=getattr(args, "plugins_dir", None))
        scorer = host.scorer(portfolio, getattr(args, "scorer", None))
    except PluginError as exc:
        raise CliError(str(exc)) from None
    for problem in host.problems:
        print(f"fsdl-tui: {problem}", file=sys.stderr)
    return scorer


def _textconv(path: str, args: argparse.Namespace) -> int:
    from ..gitops.diff import show_text

    if _large_file(path) and _textconv_in_pieces(path, args):
        return 0
    data = _read_bytes(path) or b""
    try:
        doc = _document(data, path)
    except PortfolioLoadError as exc:
        # git shows whatever textconv prints: say why it is raw text, and show the text so the diff still works
        sys.stdout.write("# fsdl-tui: not a valid portfolio, shown as plain text:\n")
        sys.stdout.write("".join(f"#   {p.message} (line {p.line})\n" for p in exc.problems))
        sys.stdout.write(data.decode("utf-8", errors="replace"))
        return 0
    if doc is None:
        sys.stdout.write(data.decode("utf-8", errors="replace"))  # empty, or blank lines: shown as they are
        return 0
    sys.stdout.write(show_text(doc.portfolio, _scorer(args, doc.portfolio), doc))
    return 0


def _textconv_in_pieces(path: str, args: argparse.Namespace) -> bool:
    """The textconv view of a large file, read as `rank` reads it and shown as it is made, holding neither
    the text nor the view (`gitops.filemerge.file_source`); False, having written nothing, when only the
    view of the whole text can tell (a problem, an unusual layout, a file kept whole by `load`)."""
    from ..gitops.diff import show_lines
    from ..gitops.filemerge import file_source
    from ..storage.loading import ReadOnlyDocument, load_read_only

    try:
        doc = load_read_only(path)
    except (PortfolioLoadError, OSError):
        return False
    if not isinstance(doc, ReadOnlyDocument):
        return False
    source = file_source(path, doc.portfolio)
    if source is None:
        return False
    try:
        for chunk in show_lines(doc.portfolio, _scorer(args, doc.portfolio), source):
            sys.stdout.write(chunk)
    except OSError as exc:
        raise CliError(str(exc)) from None
    return True


def _external(args: argparse.Namespace) -> int:
    """GIT_EXTERNAL_DIFF: PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE NEW-HEX NEW-MODE [NEW-PATH INFO].
    Always exit 0: git stops at an external diff that fails."""
    path, old_file, old_hex, _, new_file, new_hex = args.files[:6]
    new_path = args.files[7] if len(args.files) >= 9 else path
    title = path if new_path == path else f"{path} -> {new_path}"
    print(f"fsdl-tui diff {title} ({old_hex[:8]}..{new_hex[:8]})")
    blobs = [_read_bytes(old_file), _read_bytes(new_file)]
    try:
        sides = [_portfolio(b, f"{path} ({name})") for b, name in zip(blobs, ("old", "new"), strict=False)]
    except PortfolioLoadError as exc:
        print("not a valid portfolio, so a line diff follows:")
        print("".join(f"  {p}\n" for p in exc.problems), end="")
        texts = [(b or b"").decode("utf-8", errors="replace").splitlines(True) for b in blobs]
        sys.stdout.writelines(difflib.unified_diff(texts[0], texts[1], f"a/{path}", f"b/{new_path}"))
        return 0
    from ..gitops.diff import FORMATS, diff_portfolios

    sys.stdout.write(FORMATS[args.format](diff_portfolios(sides[0], sides[1], _scorer(args, sides[1], sides[0]))))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from ..storage import segment_memo

    if args.textconv:  # one file: nothing to share
        return _diff(args)
    if _large_files(args.files):  # read as `rank` reads them, the projects alike in both built once
        from ..storage.parsing import shared_projects

        with shared_projects():
            return _diff(args, read_only=True)
    with segment_memo():  # the two versions share most projects: each segment is parsed once
        return _diff(args)


# `diff OLD NEW` of files larger than this (which the cache of parsed files never holds) reads them read-only,
# in pieces, holding neither text (`storage.load_read_only`); smaller ones are read whole, their segments'
# data shared (`segment_memo`). Both give the same portfolios, so the same output.
READ_ONLY_DIFF_BYTES = 64 << 20


def _large_files(files: list[str]) -> bool:
    if len(files) != 2:
        return False
    try:
        sizes = [Path(f).stat().st_size for f in files if Path(f).is_file()]
    except OSError:
        return False
    return len(sizes) == 2 and max(sizes) > READ_ONLY_DIFF_BYTES


def _large_file(spec: str) -> bool:
    """A file (not `REV:PATH`) larger than `READ_ONLY_DIFF_BYTES`: textconv reads it read-only, in pieces."""
    try:
        return Path(spec).is_file() and Path(spec).stat().st_size > READ_ONLY_DIFF_BYTES
    except OSError:
        return False


def _read_only_portfolio(spec: str) -> Portfolio | None:
    """`_portfolio` of the file `spec`, read read-only; anything but a plain portfolio is read as it would
    be otherwise, for the very same message or result."""
    from ..storage.loading import load_read_only

    try:
        return load_read_only(spec).portfolio
    except (PortfolioLoadError, OSError):
        return _portfolio(_read_bytes(spec), spec)


def _diff(args: argparse.Namespace, *, read_only: bool = False) -> int:
    n = len(args.files)
    if args.textconv:
        if n != 1:
            raise CliError("diff --textconv takes one FILE")
        return _textconv(args.files[0], args)
    if n in (7, 9):
        return _external(args)
    if n != 2:
        raise CliError(
            f"diff takes OLD NEW, or REV..REV PATH (or git's 7 external-diff arguments), not {n} argument(s)"
        )
    from ..gitops.diff import FORMATS, diff_portfolios

    specs = list(args.files)
    revs = _revision_range(specs[0]) if not Path(specs[0]).exists() else None
    if revs is not None:  # scenarios are branches: `diff main..q3-plan team.toml`
        specs = [f"{rev}:./{args.files[1]}" for rev in revs]
    if read_only and revs is None:
        old, new = (_read_only_portfolio(spec) for spec in specs)
    else:
        old, new = (_portfolio(_read_bytes(spec), spec) for spec in specs)
    scorer = _scorer(args, new, old)
    d = diff_portfolios(old, new, scorer)
    lines: list[str] = []
    if (args.top or args.budget is not None) and old is not None and new is not None:
        from .decide import _git_ratings, scenario_lines

        ratings = (_git_ratings(revs[0], args.files[1]), _git_ratings(revs[1], args.files[1])) if revs else ([], [])
        lines, data = scenario_lines(
            old, new, scorer, top=args.top, budget=args.budget, seed=args.seed, ratings=ratings
        )
        if args.format == "json":
            out = json.loads(FORMATS["json"](d))
            out["scenario"] = data
            print(json.dumps(out, indent=2, ensure_ascii=False))
            return 1 if args.exit_code and not d.empty else 0
    sys.stdout.write(FORMATS[args.format](d))
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 1 if args.exit_code and not d.empty else 0


def _revision_range(spec: str) -> tuple[str, str] | None:
    """`main..q3-plan` -> ("main", "q3-plan"); None when `spec` is not a range of two revisions."""
    old, sep, new = spec.partition("..")
    if not sep or not old or not new or ":" in spec:
        return None
    return old, new


# --- merge ------------------------------------------------------------------------------------------------


def _read_text(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8", errors="surrogateescape")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


def cmd_merge(args: argparse.Namespace) -> int:
    from ..gitops.filemerge import merge_files
    from ..gitops.merge import merge_texts

    if args.marker_size < 1:
        raise CliError("--marker-size must be at least 1")
    label = args.path or args.ours
    # From the files, never holding their texts (`gitops/filemerge.py`); else, when only the merge of the
    # texts can tell, from the texts: the same result either way.
    streamed = merge_files(args.base, args.ours, args.theirs, args.marker_size, path=label)
    if streamed is not None:
        with streamed:
            _write_merge(args.ours, streamed.parts)
        conflicts, clean = streamed.conflicts, streamed.clean
    else:
        base, ours, theirs = (_read_text(p) for p in (args.base, args.ours, args.theirs))
        result = merge_texts(base, ours, theirs, args.marker_size, path=label, portfolio=False)
        _write_merge(args.ours, result.text.encode("utf-8", errors="surrogateescape"))
        conflicts, clean = result.conflicts, result.clean
    if clean:
        return 0
    print(f"fsdl-tui merge: {label}: {len(conflicts)} conflict(s)", file=sys.stderr)
    for message in conflicts:
        print(f"  {message}", file=sys.stderr)
    return 1


def _write_merge(ours: str, data: bytes | Sequence[bytes]) -> None:
    from ..storage.atomic import atomic_write

    try:
        atomic_write(Path(ours), data)
    except OSError as exc:
        raise CliError(f"{ours}: cannot write the merge result: {exc.strerror or exc}") from None


# --- git-setup --------------------------------------------------------------------------------------------


def cmd_git_setup(args: argparse.Namespace) -> int:
    from ..gitops.setup import GitSetupError, check, setup

    if args.ci:
        return _ci_recipe(args)
    if args.check:
        try:
            lines, problems = check(Path.cwd())
        except GitSetupError as exc:
            raise CliError(str(exc)) from None
        print("\n".join(lines))
        for problem in problems:
            print(f"fsdl-tui git-setup --check: {problem}", file=sys.stderr)
        return 1 if problems else 0
    try:
        report = setup(Path.cwd(), args.patterns, global_=args.global_, command=args.command)
    except GitSetupError as exc:
        raise CliError(str(exc)) from None
    print("\n".join(report.lines()))
    for warning in report.warnings:
        print(f"fsdl-tui git-setup: warning: {warning}", file=sys.stderr)
    if not args.global_:
        print(
            "Commit .gitattributes so everyone's git routes portfolios to fsdl-tui; each person runs "
            "`fsdl-tui git-setup` once (git never takes drivers from a repository)."
        )
    return 0


def _ci_recipe(args: argparse.Namespace) -> int:
    from ..gitops.ci import WORKFLOWS
    from ..gitops.setup import GitSetupError, toplevel

    try:
        top = toplevel(Path.cwd())
    except GitSetupError as exc:
        raise CliError(str(exc)) from None
    name, text = WORKFLOWS[args.ci]
    target = top / name
    if target.exists() and target.read_text(encoding="utf-8") != text:
        raise CliError(f"{name}: exists and differs; remove it first to write fsdl-tui's workflow")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"{name}: written; commit it. It validates and summarizes the portfolios of each pull request.")
    return 0


# --- git-ci, git-sync: pull requests on servers that run no driver ----------------------------------------


def cmd_git_ci(args: argparse.Namespace) -> int:
    import os

    from ..gitops import ci
    from ..gitops.setup import GitSetupError, toplevel

    try:
        top = toplevel(Path.cwd())
        names = ci.changed_portfolios(top, args.base)
        checked = ci.check_files(top, args.base, names)
    except (GitSetupError, ValueError) as exc:
        raise CliError(str(exc)) from None
    for line in ci.problem_annotations(checked):
        print(line)
    latest = next((c.portfolio for c in checked if c.portfolio is not None), None)
    text = ci.summary(checked, _scorer(args, latest))
    target = args.summary or os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    bad = [c for c in checked if c.problems]
    for c in bad:
        for p in c.problems:
            print(str(p), file=sys.stderr)
    print(f"fsdl-tui git-ci: {len(checked)} portfolio file(s) changed, {len(bad)} invalid", file=sys.stderr)
    return 1 if bad else 0


def cmd_git_sync(args: argparse.Namespace) -> int:
    from ..gitops import ci
    from ..gitops.setup import GitSetupError

    try:
        clean, output = ci.sync(Path.cwd(), args.base, args.command)
    except GitSetupError as exc:
        raise CliError(str(exc)) from None
    if output:
        print(output)
    if not clean:
        raise CliError(f"merging {args.base} needs a person: conflicts remain (the merge was aborted)")
    print(f"merged {args.base} with the fsdl-tui driver: push this branch and the pull request merges cleanly")
    return 0


# --- log --------------------------------------------------------------------------------------------------


def cmd_log(args: argparse.Namespace) -> int:
    from ..gitops import history as h

    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1")
    try:
        versions = h.versions(args.path, args.limit)
    except h.GitLogError as exc:
        raise CliError(str(exc)) from None
    latest = next((v.portfolio for v in reversed(versions) if v.portfolio is not None), None)
    scorer = _scorer(args, latest)
    if args.id:
        steps = h.project_history(versions, args.id, scorer)
        if not any(s.present for s in steps):
            raise CliError(f"{args.path}: no project '{args.id}' in any committed version")
        if args.json:
            print(json.dumps(h.project_rows(steps), indent=2, ensure_ascii=False))
            return 0
        title = next(
            found.title
            for v in reversed(versions)
            if v.portfolio is not None and (found := v.portfolio.get(args.id)) is not None
        )
        h.print_project(steps, args.id, title, scorer.name)
        return 0
    steps_all = h.rank_history(versions, scorer)
    if args.json:
        print(json.dumps(h.rank_rows(steps_all), indent=2, ensure_ascii=False))
        return 0
    h.print_ranks(steps_all, latest.name if latest else args.path, scorer.name)
    return 0


# --- registration -----------------------------------------------------------------------------------------

DIFF_EPILOG = """\
examples:
  fsdl-tui diff old.toml team.toml                     projects added/removed, fields old -> new, ranks
  fsdl-tui diff main:team.toml team.toml --format markdown    paste into a pull request
  fsdl-tui diff HEAD~3:team.toml HEAD:team.toml --format json
  fsdl-tui diff --textconv team.toml                   one line per field (git's textconv driver)
  fsdl-tui diff main..q3-plan team.toml --top 3 --budget 26    scenarios are branches: ranks, quadrants,
                                                       p(top 3) and the plan's chosen set, compared

As a git diff driver (`fsdl-tui git-setup` installs the textconv one):
  git diff / git log -p / git show     compare the textconv view, hunk headers name the project id
  GIT_EXTERNAL_DIFF="fsdl-tui diff" git diff --ext-diff team.toml      the semantic diff itself

OLD and NEW are files, /dev/null (no file), or REV:PATH (read with `git show`).
Ranks are under the portfolio's default scorer (plugins included, as `rank`), or --scorer NAME.
Exit 0; 1 when a file is invalid (each problem as FILE:LINE:COL), or with --exit-code when they differ.
"""

MERGE_EPILOG = """\
git runs it as its merge driver (installed by `fsdl-tui git-setup`):
  [merge "fsdl-tui"]  driver = fsdl-tui merge %O %A %B --marker-size=%L --path=%P
by hand:
  cp team.toml merged.toml && fsdl-tui merge base.toml merged.toml theirs.toml

Merges project by project as text, so what either side wrote survives (comments, unknown keys, order),
and by field where both sides changed one project. Clean: edits to different projects or fields, projects added on both sides, a project removed on one side and untouched
on the other, lifecycle moves appended on both sides. The same field changed differently on both sides
is a conflict, written with git conflict markers around just those lines.
Writes the result into OURS. Exit 0: merged, and OURS is a valid portfolio; 1: conflicts to resolve
(listed on stderr). A side that is not a valid portfolio is merged line by line, with exit 1.
A project that is the same text in all three versions is copied as it is, not read again (docs/git.md).
"""

SETUP_EPILOG = """\
examples:
  fsdl-tui git-setup                        this repository: portfolio.toml, *.portfolio.toml and
                                            every other portfolio file found in it
  fsdl-tui git-setup --check                which portfolio files git does not send to fsdl-tui
  fsdl-tui git-setup --ci github            a pull-request workflow (also: gitlab)
  fsdl-tui git-setup team.toml 'plans/*.toml'
  fsdl-tui git-setup --global               every repository of this user
  git check-attr -a team.toml               shows: merge: fsdl-tui, diff: fsdl-tui

Sets merge.fsdl-tui.* and diff.fsdl-tui.* (textconv and xfuncname, so hunk headers name the project) in
git config, and adds `PATTERN merge=fsdl-tui diff=fsdl-tui` lines to .gitattributes (with --global: to
git's global attributes file). Safe to run again. Commit .gitattributes; each person runs git-setup once.
"""

GIT_CI_EPILOG = """\
examples:
  fsdl-tui git-ci origin/main                      in a pull request's job (see git-setup --ci github)
  fsdl-tui git-ci origin/main --summary out.md

Each problem is printed as `::error file=F,line=L,col=C::message` (GitHub shows it on the line) and on
stderr as F:L:C: message. The Markdown goes to $GITHUB_STEP_SUMMARY. Exit 1 when a file is invalid.
"""

GIT_SYNC_EPILOG = """\
examples:
  git checkout my-branch && fsdl-tui git-sync origin/main && git push

Installs the driver in this clone's git config, sends every portfolio file of the repository to it
(.git/info/attributes), and runs `git merge BASE`. On a conflict the merge is aborted: exit 1.
"""

LOG_EPILOG = """\
examples:
  fsdl-tui log team.toml                    rank movement of every project, commit by commit
  fsdl-tui log team.toml grasp-pose         how its impact, feasibility, score, quadrant, stage changed
  fsdl-tui log team.toml grasp-pose --json

Follows renames (`git log --follow`), oldest commit first. Versions that are not valid portfolios are
listed with a note and skipped. Merge commits are listed, compared with their first parent.
Scores are under the portfolio's default scorer (plugins included), or --scorer NAME.
"""


def _scorer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scorer", metavar="NAME", help="rank by this scorer (default: the portfolio's `default_scorer`, else fsdl)"
    )
    p.add_argument("--plugins-dir", metavar="DIR", help="also load plugin files (*.py) from DIR")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "diff",
        help="semantic diff of two portfolios (also git's diff driver)",
        formatter_class=RAW,
        usage="fsdl-tui diff [-h] [--format {text,json,markdown}] "
        "[--exit-code] OLD NEW\n       fsdl-tui diff REV..REV PATH [--top K] [--budget WEEKS]"
        "\n       fsdl-tui diff --textconv FILE",
        description="What changed between two versions of a portfolio, by project id.",
        epilog=DIFF_EPILOG,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="OLD and NEW portfolio files (or git's arguments)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output (default text)")
    p.add_argument("--textconv", action="store_true", help="print FILE as one line per field, for git's textconv")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the portfolios differ")
    p.add_argument("--top", type=int, metavar="K", help="also compare each project's p(top K) (rank --uncertainty)")
    p.add_argument("--budget", type=float, metavar="WEEKS", help="also compare the plan's chosen set (plan --budget)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed for --top (default 0: repeatable)")
    _scorer_options(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "merge",
        help="3-way merge by project id and field (git's merge driver)",
        formatter_class=RAW,
        description="Merge THEIRS into OURS, given their common BASE.",
        epilog=MERGE_EPILOG,
    )
    p.add_argument("base", metavar="BASE", help="the common ancestor (%%O); may be empty")
    p.add_argument("ours", metavar="OURS", help="our version (%%A); the result is written here")
    p.add_argument("theirs", metavar="THEIRS", help="their version (%%B)")
    p.add_argument("--marker-size", type=int, default=7, metavar="N", help="conflict marker length (%%L)")
    p.add_argument("--path", metavar="P", help="the file's path in the repository, for messages (%%P)")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser(
        "git-setup",
        help="install the merge and diff drivers in git",
        formatter_class=RAW,
        description="Make git merge portfolios by project and diff them by field.",
        epilog=SETUP_EPILOG,
    )
    p.add_argument(
        "patterns",
        nargs="*",
        metavar="PATTERN",
        help="gitattributes patterns or paths (default: portfolio.toml *.portfolio.toml)",
    )
    p.add_argument("--global", dest="global_", action="store_true", help="for every repository of this user")
    p.add_argument("--command", help="how git runs fsdl-tui (default: this installation's fsdl-tui)")
    p.add_argument("--check", action="store_true", help="report portfolio files git does not send to fsdl-tui")
    p.add_argument("--ci", choices=("github", "gitlab"), help="write a CI workflow for pull/merge requests")
    p.set_defaults(func=cmd_git_setup)

    p = sub.add_parser(
        "git-ci",
        help="CI for a pull request: validate its portfolios, summarize their semantic diff",
        formatter_class=RAW,
        description="Validate the portfolio files this branch changed since BASE and summarize the changes.",
        epilog=GIT_CI_EPILOG,
    )
    p.add_argument("base", metavar="BASE", help="the base branch, e.g. origin/main")
    p.add_argument(
        "--summary", metavar="FILE", help="append the Markdown here (default: $GITHUB_STEP_SUMMARY, else stdout)"
    )
    _scorer_options(p)
    p.set_defaults(func=cmd_git_ci)

    p = sub.add_parser(
        "git-sync",
        help="merge the base branch into this one with the fsdl-tui driver",
        formatter_class=RAW,
        description="Merge BASE into the current branch with fsdl-tui's merge driver, so the pull request "
        "merges cleanly on a server that runs no driver.",
        epilog=GIT_SYNC_EPILOG,
    )
    p.add_argument("base", metavar="BASE", help="the base branch, e.g. origin/main")
    p.add_argument("--command", help="how git runs fsdl-tui (default: this installation's fsdl-tui)")
    p.set_defaults(func=cmd_git_sync)

    p = sub.add_parser(
        "log",
        help="score, quadrant, stage and rank of projects through git history",
        formatter_class=RAW,
        description="A portfolio file through its commits: the blame for a score.",
        epilog=LOG_EPILOG,
    )
    p.add_argument("path", metavar="PATH", help="a committed portfolio file")
    p.add_argument("id", nargs="?", metavar="ID", help="one project (default: rank movement of all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--limit", type=int, metavar="N", help="only the last N commits of the file")
    _scorer_options(p)
    p.set_defaults(func=cmd_log)
