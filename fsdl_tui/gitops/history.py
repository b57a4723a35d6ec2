"""`fsdl-tui log`: a portfolio file through its git history, read version by version.

For one project: how its impact, feasibility, score, quadrant, stage and rank changed, commit by commit,
with the fields each commit changed (the blame for a score). For the whole portfolio: rank movement.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import present
from ..domain.model import Portfolio
from ..present import num as _num
from ..scoring.base import Scorer
from ..storage import PortfolioError, PortfolioLoadError, loads_bytes, segment_memo
from .diff import ProjectChange, Standing, diff_portfolios, standings
from .leaves import plain


class GitLogError(Exception):
    """Not a git repository, no such file in its history, or git missing."""


@dataclass(frozen=True)
class Version:
    commit: str
    author: str
    date: str
    subject: str
    path: str  # the file's path at this commit (it may have been renamed since)
    portfolio: Portfolio | None  # None: the file was invalid or missing at this commit (see `note`)
    before: Portfolio | None = None  # the file at the commit's first parent: what this commit changed
    note: str = ""

    @property
    def short(self) -> str:
        return self.commit[:8]


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitLogError("git is not installed (or not on PATH)") from None


def _locate(path: str | Path) -> tuple[Path, str]:
    """The repository root and the file's path from it."""
    p = Path(path)
    folder = p.parent if p.parent.is_dir() else Path.cwd()
    run = _git(["rev-parse", "--show-toplevel"], folder)
    if run.returncode != 0:
        raise GitLogError(f"{path}: not inside a git repository")
    top = Path(run.stdout.decode().strip())
    try:
        rel = (folder.resolve() / p.name).relative_to(top.resolve())
    except ValueError:
        raise GitLogError(f"{path}: outside the repository at {top}") from None
    return top, rel.as_posix()


class _Reader:
    """Reads `REV:PATH` as a portfolio through one `git cat-file --batch`, parsing each blob once."""

    def __init__(self, top: Path) -> None:
        self.cache: dict[bytes, tuple[Portfolio | None, str]] = {}
        try:
            self.proc = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=top,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise GitLogError("git is not installed (or not on PATH)") from None

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()

    def read(self, rev: str, name: str) -> tuple[Portfolio | None, str]:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(f"{rev}:{name}\n".encode())
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None, "file not in this commit"
        data = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after the content
        if header[0] not in self.cache:
            self.cache[header[0]] = self._parse(data, f"{rev[:8]}:{name}")
        return self.cache[header[0]]

    @staticmethod
    def _parse(data: bytes, label: str) -> tuple[Portfolio | None, str]:
        try:
            return loads_bytes(data, label).portfolio, ""
        except PortfolioLoadError as exc:
            first = exc.problems[0].message if exc.problems else "invalid"
            more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            return None, f"skipped, not a valid portfolio: {first}{more}"
        except PortfolioError as exc:
            return None, f"skipped: {exc}"


def versions(path: str | Path, limit: int | None = None) -> list[Version]:
    """Every commit that changed the file, oldest first, following renames (`git log --follow`); each with
    the file at that commit and at its first parent, so that a commit is compared with what it changed."""
    top, rel = _locate(path)
    # A merge commit is listed too, compared with its first parent: what the merge brought in (git log
    # --follow skips merges unless told how to diff them).
    args = ["log", "--follow", "--diff-merges=first-parent"]
    args += ["--format=%x01%H%x00%P%x00%an%x00%ad%x00%s", "--date=short", "--name-only"]
    if limit:
        args.append(f"-n{limit}")
    run = _git([*args, "--", rel], top)
    if run.returncode != 0 and "diff-merges" in run.stderr.decode(errors="replace"):  # git older than 2.31
        run = _git([a for a in args if a != "--diff-merges=first-parent"] + ["-m", "--", rel], top)
    if run.returncode != 0:
        raise GitLogError(f"{path}: git log failed: {run.stderr.decode(errors='replace').strip()}")
    records: list[tuple[str, list[str], str, str, str, str]] = []
    name = rel
    for chunk in run.stdout.decode("utf-8", errors="replace").split("\x01")[1:]:
        head, _, rest = chunk.partition("\n")
        commit, parents, author, date, subject = (head.split("\x00") + [""] * 4)[:5]
        names = [line for line in rest.splitlines() if line.strip()]
        name = names[-1] if names else name  # a merge lists no files: the name of the newer commit
        if records and records[-1][0] == commit:
            continue  # `-m` lists a merge once per parent
        records.append((commit, parents.split()[:1], author, date, subject, name))
    if not records:
        raise GitLogError(f"{path}: no commits in git history (commit it first)")
    records.reverse()  # oldest first
    reader = _Reader(top)
    try:
        with segment_memo():  # the versions share most projects' text: each segment is parsed once
            return _read_versions(records, reader)
    finally:
        reader.close()


def _read_versions(records: list[tuple[str, list[str], str, str, str, str]], reader: _Reader) -> list[Version]:
    out: list[Version] = []
    last_valid: Portfolio | None = None
    for i, (commit, parent, author, date, subject, name) in enumerate(records):
        portfolio, note = reader.read(commit, name)
        before = None
        if parent:
            # the file at the first parent, under this name or (renamed by this commit) the older one
            names = dict.fromkeys([name] + ([records[i - 1][5]] if i else []))
            before = next((pf for pf in (reader.read(parent[0], n)[0] for n in names) if pf is not None), None)
            before = before if before is not None else last_valid  # unreadable there: the last valid version
        out.append(Version(commit, author, date, subject, name, portfolio, before, note))
        last_valid = portfolio if portfolio is not None else last_valid
    return out


# --- one project: the blame for its score -------------------------------------------------------------


@dataclass(frozen=True)
class ProjectStep:
    version: Version
    present: bool
    standing: Standing | None
    stage: str | None
    changed: tuple[str, ...] = ()  # what this commit changed in the project (fields, "added", "removed")


def project_history(history: list[Version], project_id: str, scorer: Scorer | None = None) -> list[ProjectStep]:
    """The commits that changed the project or its standing, oldest first (invalid versions noted); ranks
    under `scorer` (default: the built-in FSDL scorer)."""
    steps: list[ProjectStep] = []
    seen = False
    ranked: dict[int, tuple[Portfolio, dict[str, Standing]]] = {}  # each version is ranked once
    for v in history:
        if v.portfolio is None:
            steps.append(ProjectStep(v, False, None, None, (v.note,)))
            continue
        pf = v.portfolio
        p = pf.get(project_id)
        change = _change_for(diff_portfolios(v.before, pf, scorer, ranked), project_id)
        if p is None:
            if seen and change is not None:
                steps.append(ProjectStep(v, False, None, None, ("removed",)))
            continue
        seen = True
        if change is None:
            continue
        steps.append(ProjectStep(v, True, standings(pf, scorer, ranked)[project_id], p.stage, _describe(change)))
    return steps


_SHOWN_BY_ENTRY = ("lifecycle.status", "lifecycle.status_reason")  # said by the status entry of the history


def _change_for(d: Any, project_id: str) -> ProjectChange | None:
    return next((c for c in d.projects if c.id == project_id), None)


def _describe(c: ProjectChange) -> tuple[str, ...]:
    if c.kind in ("added", "removed"):
        return (c.kind,)
    said = any("status" in m for m in c.moves)
    out = [f.path for f in c.fields if not (said and f.path in _SHOWN_BY_ENTRY)]
    if c.stage:
        out.append(f"stage {c.stage[0]} -> {c.stage[1]}")
    for m in c.moves:
        if "status" in m:  # a change of status: when and why
            note = f": {m['note']}" if m.get("note") else ""
            out.append(f"status {m['status']} on {plain(m['date'])}{note}")
    if c.kind == "moved":
        out.append("rank (other projects changed)")
    return tuple(out)


# --- the whole portfolio: rank movement ---------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioStep:
    version: Version
    ranks: dict[str, int | None] = field(default_factory=dict)
    movement: tuple[str, ...] = ()


def rank_history(history: list[Version], scorer: Scorer | None = None) -> list[PortfolioStep]:
    steps: list[PortfolioStep] = []
    ranked: dict[int, tuple[Portfolio, dict[str, Standing]]] = {}  # each version is ranked once
    for v in history:
        if v.portfolio is None:
            steps.append(PortfolioStep(v, {}, (v.note,)))
            continue
        d = diff_portfolios(v.before, v.portfolio, scorer, ranked)
        ranks = {pid: s.rank for pid, s in standings(v.portfolio, scorer, ranked).items()}
        moves = []
        for c in d.projects:
            if c.kind == "added":
                moves.append(f"+{c.id} #{c.new.rank}" if c.new and c.new.rank else f"+{c.id}")
            elif c.kind == "removed":
                moves.append(f"-{c.id}")
            elif c.rank_changed and c.old and c.new:
                moves.append(f"{c.id} {_r(c.old.rank)}->{_r(c.new.rank)}")
        steps.append(PortfolioStep(v, ranks, tuple(moves)))
    return steps


def _r(rank: int | None) -> str:
    return present.rank(rank, mark="#")


# --- output -------------------------------------------------------------------------------------------


def project_rows(steps: list[ProjectStep]) -> list[dict[str, Any]]:
    rows = []
    for s in steps:
        v, st = s.version, s.standing
        rows.append(
            {
                "commit": v.commit,
                "date": v.date,
                "author": v.author,
                "subject": v.subject,
                "present": s.present,
                "rank": st.rank if st else None,
                "score": st.score if st else None,
                "impact": st.impact if st else None,
                "feasibility": st.feasibility if st else None,
                "quadrant": st.quadrant if st else None,
                "stage": s.stage,
                "changed": list(s.changed),
            }
        )
    return rows


def rank_rows(steps: list[PortfolioStep]) -> list[dict[str, Any]]:
    return [
        {
            "commit": s.version.commit,
            "date": s.version.date,
            "author": s.version.author,
            "subject": s.version.subject,
            "ranks": s.ranks,
            "movement": list(s.movement),
        }
        for s in steps
    ]


def _console() -> Any:
    import os
    import sys

    from rich.console import Console

    wide = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(width=None if wide else 160, highlight=False)


def _columns(table: Any, names: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[str, ...] = ()) -> None:
    """Columns that wrap only between words: each is at least as wide as its longest word, so `planning`
    is never cut into `planni` and `ng`."""
    for i, col in enumerate(names):
        longest = max([len(col)] + [len(w) for r in rows for w in r[i].split()])
        width = min(longest, 24)  # a longer word (a URL in a subject) is folded rather than widening the table
        table.add_column(
            col,
            overflow="fold",
            min_width=width,
            max_width=36 if col == "subject" else None,
            justify="right" if col in right else "left",
        )


def _add_rows(table: Any, rows: Sequence[tuple[str, ...]]) -> None:
    """Every cell as plain text: a subject such as `Fix [/] parsing` is never read as rich markup."""
    from rich.text import Text

    for row in rows:
        table.add_row(*(Text(cell) for cell in row))


def print_project(steps: list[ProjectStep], project_id: str, title: str, scorer: str = "fsdl") -> None:
    from rich.table import Table
    from rich.text import Text

    rows = []
    for s in steps:
        v, st = s.version, s.standing
        rows.append(
            (
                v.date,
                v.short,
                v.author,
                v.subject,
                _r(st.rank) if st else "-",
                _num(st.score if st else None),
                _num(st.impact if st else None),
                _num(st.feasibility if st else None),
                (st.quadrant if st else None) or "-",
                s.stage or "-",
                ", ".join(s.changed),
            )
        )
    table = Table(title=Text(f"{project_id}: score history ({title}), {scorer} scorer"), title_justify="left")
    names = ("date", "commit", "author", "subject", "rank", "score", "impact", "feas.", "quadrant", "stage", "changed")
    _columns(table, names, rows, right=("rank", "score", "impact", "feas."))
    _add_rows(table, rows)
    _console().print(table)


def print_ranks(steps: list[PortfolioStep], name: str, scorer: str = "fsdl") -> None:
    from rich.table import Table
    from rich.text import Text

    rows = []
    for s in steps:
        v = s.version
        rows.append(
            (
                v.date,
                v.short,
                v.author,
                v.subject,
                str(len(s.ranks)) if s.ranks else "-",
                ", ".join(s.movement) or "no rank change",
            )
        )
    table = Table(title=Text(f"{name}: rank movement by commit ({scorer} scorer)"), title_justify="left")
    _columns(table, ("date", "commit", "author", "subject", "projects", "movement"), rows)
    _add_rows(table, rows)
    _console().print(table)
