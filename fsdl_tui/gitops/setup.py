"""`fsdl-tui git-setup`: make git merge portfolios by project and diff them by field.

Git reads merge and diff drivers from its configuration (never from the repository, so a clone cannot run
commands): each person runs `fsdl-tui git-setup` once, per repository or with `--global`. The attributes
that send portfolio files to the drivers live in `.gitattributes`, which is committed and shared.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .diff import XFUNCNAME

DRIVER = "fsdl-tui"
ATTRIBUTES = f"merge={DRIVER} diff={DRIVER}"
# `portfolio.toml` anywhere in the tree (what `fsdl-tui` opens by default), and `NAME.portfolio.toml`.
DEFAULT_PATTERNS = ("portfolio.toml", "*.portfolio.toml")
COMMENT = "# fsdl-tui portfolios: merge by project id and field, diff by field (fsdl-tui git-setup)"


class GitSetupError(Exception):
    """Git is missing, or this is not a repository; the message says what to do."""


@dataclass
class SetupReport:
    config: list[tuple[str, str, bool]] = field(default_factory=list)  # key, value, changed
    attributes_file: Path | None = None
    attributes: list[tuple[str, str]] = field(default_factory=list)  # pattern, "added" | "updated" | "ok"
    found: list[str] = field(default_factory=list)  # portfolio files found in the repository
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        scope_changed = sum(1 for *_, changed in self.config if changed)
        out = [f"git config: {scope_changed} of {len(self.config)} settings changed"]
        out += [f"  {key} = {value}" for key, value, _ in self.config]
        out.append(f"{self.attributes_file}:")
        out += [f"  {pattern} {ATTRIBUTES}  ({state})" for pattern, state in self.attributes]
        if self.found:
            out.append(f"portfolio files found: {', '.join(self.found)}")
        return out


# --- finding the portfolios of a repository ---------------------------------------------------------


def looks_like_portfolio(data: bytes) -> bool:
    """A TOML file with `schema_version` and `[[projects]]`: what fsdl-tui writes."""
    if b"schema_version" not in data or b"projects" not in data:
        return False
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    projects = parsed.get("projects")
    return "schema_version" in parsed and isinstance(projects, list) and all(isinstance(p, dict) for p in projects)


def find_portfolios(top: Path) -> tuple[list[str], list[str]]:
    """The portfolio files of the repository (tracked, or untracked and not ignored), as paths from its
    root; and warnings for files that look like portfolios but cannot be read."""
    run = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.toml"], top, check=False)
    found: list[str] = []
    warnings: list[str] = []
    for name in dict.fromkeys(n for n in run.stdout.split("\0") if n):
        try:
            data = (top / name).read_bytes()
        except OSError:
            continue  # deleted in the work tree
        if looks_like_portfolio(data):
            found.append(name)
        elif b"[[projects]]" in data and b"schema_version" in data:
            warnings.append(f"{name}: looks like a portfolio but is not valid TOML; covered by name only if listed")
    return found, warnings


def coverage(top: Path, names: list[str]) -> dict[str, tuple[str, str]]:
    """(merge, diff) attribute of each path, as git sees them."""
    if not names:
        return {}
    run = git(["check-attr", "-z", "merge", "diff", "--", *names], top, check=False)
    fields = run.stdout.split("\0")
    out: dict[str, dict[str, str]] = {name: {} for name in names}
    for i in range(0, len(fields) - 2, 3):
        path, attr, value = fields[i : i + 3]
        out.setdefault(path, {})[attr] = value
    return {name: (v.get("merge", ""), v.get("diff", "")) for name, v in out.items()}


def uncovered(top: Path, names: list[str]) -> list[str]:
    return [name for name, (m, d) in coverage(top, names).items() if (m, d) != (DRIVER, DRIVER)]


def _as_pattern(name: str) -> str | None:
    """A gitattributes pattern for exactly this path, or None when the name cannot be written as one."""
    if any(ch.isspace() for ch in name) or any(ch in name for ch in '*?[]\\!#"'):
        return None
    return "/" + name


def default_command() -> str:
    """How git should run fsdl-tui: this installation's script, or this interpreter with `-m fsdl_tui`."""
    script = Path(sys.executable).parent / ("fsdl-tui.exe" if os.name == "nt" else "fsdl-tui")
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m fsdl_tui"


def driver_config(command: str) -> dict[str, str]:
    return {
        f"merge.{DRIVER}.name": "fsdl-tui: merge portfolios by project id and field",
        f"merge.{DRIVER}.driver": f"{command} merge %O %A %B --marker-size=%L --path=%P",
        f"diff.{DRIVER}.textconv": f"{command} diff --textconv",
        f"diff.{DRIVER}.xfuncname": XFUNCNAME,
    }


def git(args: list[str], cwd: str | Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        run = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitSetupError("git is not installed (or not on PATH)") from None
    if check and run.returncode != 0:
        raise GitSetupError(f"git {' '.join(args)}: {run.stderr.strip() or f'exit {run.returncode}'}")
    return run


def toplevel(cwd: str | Path) -> Path:
    run = git(["rev-parse", "--show-toplevel"], cwd, check=False)
    if run.returncode != 0:
        raise GitSetupError(f"{cwd}: not inside a git repository (run `git init` first, or use --global)")
    return Path(run.stdout.strip())


def global_attributes_file(cwd: str | Path) -> Path:
    run = git(["config", "--global", "--path", "--get", "core.attributesFile"], cwd, check=False)
    if run.returncode == 0 and run.stdout.strip():
        return Path(run.stdout.strip()).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "git" / "attributes"


def _pattern_in_repo(pattern: str, cwd: Path, top: Path) -> str:
    """A pattern with a slash is a path from the current folder: make it relative to the repository root."""
    if "/" not in pattern.strip("/"):
        return pattern
    rel = (
        os.path.relpath(cwd.resolve() / pattern.lstrip("/"), top.resolve())
        if not pattern.startswith("/")
        else pattern.lstrip("/")
    )
    if rel.startswith(".."):
        raise GitSetupError(f"{pattern}: outside the repository at {top}")
    return "/" + Path(rel).as_posix()


def update_attributes(text: str, patterns: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """`text` (a gitattributes file) with each pattern sent to the fsdl-tui drivers, changing as little as
    possible: an existing line for the pattern gets its merge/diff attributes replaced, else a line is added."""
    lines = text.splitlines()
    states: list[tuple[str, str]] = []
    added: list[str] = []
    for pattern in patterns:
        for i, line in enumerate(lines):
            parts = line.split()
            if not parts or parts[0] != pattern:
                continue
            keep = [p for p in parts[1:] if p.lstrip("-!").split("=", 1)[0] not in ("merge", "diff")]
            new = " ".join([pattern, *keep, ATTRIBUTES])
            states.append((pattern, "ok" if new == line.strip() or set(parts) == set(new.split()) else "updated"))
            if states[-1][1] == "updated":
                lines[i] = new
            break
        else:
            added.append(f"{pattern} {ATTRIBUTES}")
            states.append((pattern, "added"))
    if added:
        if COMMENT not in lines:
            if lines and lines[-1].strip():
                lines.append("")
            lines.append(COMMENT)
        lines += added
    return ("\n".join(lines) + "\n" if lines else ""), states


def setup(
    cwd: str | Path, patterns: list[str] | None = None, *, global_: bool = False, command: str | None = None
) -> SetupReport:
    """Install the drivers in git config (repository, or global) and the attributes; safe to run again."""
    cwd = Path(cwd)
    for pattern in patterns or ():
        if not pattern.strip() or any(ch.isspace() for ch in pattern) or pattern.startswith("#"):
            raise GitSetupError(f"{pattern!r}: a gitattributes pattern cannot be empty, hold spaces or start with #")
    report = SetupReport()
    if global_:
        scope = ["--global"]
        target = global_attributes_file(cwd)
        wanted = list(patterns or DEFAULT_PATTERNS)
    else:
        top = toplevel(cwd)
        scope = ["--local"]
        target = top / ".gitattributes"
        wanted = [_pattern_in_repo(p, cwd, top) for p in (patterns or DEFAULT_PATTERNS)]
        if not patterns:  # the defaults, and every portfolio file of the repository they miss
            report.found, report.warnings = find_portfolios(top)
            for name in report.found:
                leaf = name.rsplit("/", 1)[-1]
                if leaf == "portfolio.toml" or leaf.endswith(".portfolio.toml"):
                    continue
                exact = _as_pattern(name)
                if exact is None:
                    report.warnings.append(f"{name}: the name cannot be written as a gitattributes pattern")
                else:
                    wanted.append(exact)
    for key, value in driver_config(command or default_command()).items():
        current = git(["config", *scope, "--get", key], cwd, check=False).stdout.rstrip("\n")
        if current != value:
            git(["config", *scope, key, value], cwd)
        report.config.append((key, value, current != value))
    before = target.read_text(encoding="utf-8") if target.exists() else ""
    after, report.attributes = update_attributes(before, wanted)
    if after != before:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(after, encoding="utf-8")
    report.attributes_file = target
    if not global_ and report.found:
        report.warnings += [
            f"{name}: not covered (another .gitattributes line overrides merge/diff for it)"
            for name in uncovered(toplevel(cwd), report.found)
        ]
    return report


def check(cwd: str | Path) -> tuple[list[str], list[str]]:
    """(report lines, problems) for `git-setup --check`: every portfolio file of the repository must go to
    the fsdl-tui drivers, and git must know the drivers."""
    top = toplevel(cwd)
    found, warnings = find_portfolios(top)
    problems = list(warnings)
    lines = []
    for name, (m, d) in coverage(top, found).items():
        ok = (m, d) == (DRIVER, DRIVER)
        lines.append(f"{name}: merge={m or 'unspecified'} diff={d or 'unspecified'}" + ("" if ok else "  NOT COVERED"))
        if not ok:
            problems.append(f"{name}: not covered: run `fsdl-tui git-setup` (and commit .gitattributes)")
    for key in driver_config("fsdl-tui"):
        if git(["config", "--get", key], top, check=False).returncode != 0:
            problems.append(f"git config {key} is not set: run `fsdl-tui git-setup` in this clone")
    if not found:
        lines.append("no portfolio files (TOML with schema_version and [[projects]]) in this repository")
    return lines, problems
