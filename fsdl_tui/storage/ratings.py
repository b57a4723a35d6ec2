"""Blind ratings: one TOML file per rater beside the portfolio, so raters never conflict in git.

For a portfolio `team.toml` the ratings live in `team.ratings/`, one file per rater (`ana-ruiz.toml`):

    # Ratings of team.toml by Ana Ruiz (fsdl-tui rate). One file per rater.
    schema_version = 1
    rater = "Ana Ruiz"

    [projects.grasp-pose]
    impact = 4
    data_availability = 2
    accuracy_requirement = 4
    problem_difficulty = 3
    note = "labels exist for half the objects"

Each rater writes only their own file, so two raters on two branches add or change two different files:
a plain `git merge` (as on a hosted server with no merge driver) never conflicts. Values are the
portfolio's 1-5 scales; a project or field a rater left out is simply missing (the statistics allow it).

Standard library and tomlkit only; written atomically, comments and unknown keys kept.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from .atomic import FileTooLarge, NotRegularFile, atomic_write, read_file
from .errors import PortfolioError, PortfolioLoadError, Problem

RATINGS_SCHEMA_VERSION = 1

# Rating fields: the name in a rater's file -> the portfolio field it rates (dotted path), with a label.
RATING_FIELDS: dict[str, tuple[str, str]] = {
    "impact": ("impact.overall", "Impact"),
    "cheap_prediction": ("impact.cheap_prediction", "Cheap prediction"),
    "product_friction": ("impact.product_friction", "Product friction"),
    "automation": ("impact.automation", "Automation"),
    "peers": ("impact.peers", "Peers"),
    "data_availability": ("cost.data_availability", "Data availability"),
    "accuracy_requirement": ("cost.accuracy_requirement", "Accuracy requirement"),
    "problem_difficulty": ("cost.problem_difficulty", "Problem difficulty"),
}
# The four numbers of the rating grid: impact and the three cost drivers.
MAIN_FIELDS: tuple[str, ...] = ("impact", "data_availability", "accuracy_requirement", "problem_difficulty")
# Also accepted on the command line: the portfolio's own dotted names and short forms.
ALIASES: dict[str, str] = {path: name for name, (path, _) in RATING_FIELDS.items()} | {
    "data": "data_availability",
    "accuracy": "accuracy_requirement",
    "difficulty": "problem_difficulty",
}


class RatingError(PortfolioError):
    """A rating that cannot be recorded: unknown field, value out of range, unknown project."""


@dataclass(frozen=True, slots=True)
class RaterFile:
    """One rater's ratings: project id -> field -> 1-5, and project id -> note."""

    rater: str
    path: Path
    scores: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def rated(self, project_id: str) -> bool:
        return bool(self.scores.get(project_id))


def ratings_dir(portfolio_path: str | Path) -> Path:
    """`team.toml` -> `team.ratings/` beside it."""
    p = Path(portfolio_path)
    return p.with_name(p.stem + ".ratings")


def rater_slug(rater: str) -> str:
    """A rater's name as a file name: `Ana Ruiz` -> `ana-ruiz`."""
    slug = re.sub(r"[^a-z0-9]+", "-", rater.strip().lower()).strip("-")
    return slug or "rater"


def rater_path(portfolio_path: str | Path, rater: str) -> Path:
    return ratings_dir(portfolio_path) / f"{rater_slug(rater)}.toml"


def field_name(name: str) -> str:
    """The canonical rating field for a name typed by a user, or RatingError listing the choices."""
    key = name.strip()
    if key in RATING_FIELDS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    raise RatingError(f"unknown rating field '{key}' (choose from {', '.join(RATING_FIELDS)}, or note)")


def parse_value(name: str, text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise RatingError(f"{name}: '{text}' is not a whole number from 1 to 5") from None
    if not 1 <= value <= 5:
        raise RatingError(f"{name}: {value} is out of range (1-5)")
    return value


def _locate(text: str, project_id: str | None, key: str | None) -> tuple[int, int]:
    """Line and column of `[projects.ID]` (and `key =` below it) in a rater's file, best effort."""
    lines = text.splitlines()
    start = 0
    if project_id is not None:
        header = re.compile(r"^\s*\[\s*projects\s*\.\s*[\"']?" + re.escape(project_id) + r"[\"']?\s*\]")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                break
    if key is not None:
        pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for i in range(start, len(lines)):
            if pat.match(lines[i]):
                return i + 1, len(lines[i]) - len(lines[i].lstrip()) + 1
    return start + 1, 1


def _read(path: Path) -> RaterFile:
    name = str(path)
    try:
        raw = read_file(path)  # a regular file of a bounded size only: never a FIFO or a device
    except (NotRegularFile, FileTooLarge) as exc:
        raise PortfolioLoadError([Problem(name, 1, 1, f"{exc.strerror}; not reading it")]) from None
    except OSError as exc:
        raise PortfolioLoadError([Problem(name, 1, 1, f"cannot read: {exc.strerror or exc}")]) from None
    return parse_rater(raw, path)


def parse_rater(raw: bytes, path: Path) -> RaterFile:
    """A rater's file from its bytes (read from disk, or from git at some revision); `path` names it."""
    name = str(path)
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise PortfolioLoadError([Problem(name, 1, 1, "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        msg = str(exc).split(" (at line")[0]
        raise PortfolioLoadError([Problem(name, line, col, msg)]) from None
    except (RecursionError, ValueError) as exc:
        raise PortfolioLoadError([Problem(name, 1, 1, f"not a ratings file: {exc}")]) from None
    problems: list[Problem] = []

    def bad(pid: str | None, key: str | None, message: str) -> None:
        line, col = _locate(text, pid, key)
        problems.append(Problem(name, line, col, message))

    version = data.get("schema_version", RATINGS_SCHEMA_VERSION)
    if version != RATINGS_SCHEMA_VERSION:
        bad(None, "schema_version", f"schema_version {version!r} is not supported (this version reads 1)")
    rater = data.get("rater")
    if not isinstance(rater, str) or not rater.strip():
        bad(None, "rater", '`rater = "NAME"` is missing')
        rater = path.stem
    scores: dict[str, dict[str, int]] = {}
    notes: dict[str, str] = {}
    projects = data.get("projects", {})
    if not isinstance(projects, dict):
        bad(None, "projects", "`projects` must be a table of project ids")
        projects = {}
    for pid, table in projects.items():
        if not isinstance(table, dict):
            bad(pid, None, f"projects.{pid} must be a table")
            continue
        row: dict[str, int] = {}
        for key, value in table.items():
            if key == "note":
                if isinstance(value, str):
                    if value.strip():
                        notes[pid] = value
                else:
                    bad(pid, key, f"projects.{pid}.note must be text")
                continue
            if key not in RATING_FIELDS:
                continue  # unknown keys are kept on save and ignored here
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                bad(pid, key, f"projects.{pid}.{key} must be a whole number from 1 to 5, not {value!r}")
                continue
            row[key] = value
        if row:
            scores[pid] = row
    if problems:
        raise PortfolioLoadError(problems)
    return RaterFile(rater.strip(), path, scores, notes)


def load_ratings(portfolio_path: str | Path) -> list[RaterFile]:
    """Every rater's file for a portfolio, sorted by rater name; [] when nobody has rated yet.

    All problems of all files are reported together (FILE:LINE:COL).
    """
    folder = ratings_dir(portfolio_path)
    if not folder.is_dir():
        return []
    out: list[RaterFile] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.toml")):
        if not path.is_file():
            continue
        try:
            out.append(_read(path))
        except PortfolioLoadError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PortfolioLoadError(problems)
    seen: dict[str, Path] = {}
    for rf in out:
        if rf.rater in seen:
            problems.append(Problem(str(rf.path), 1, 1, f"rater '{rf.rater}' also has {seen[rf.rater].name}"))
        seen[rf.rater] = rf.path
    if problems:
        raise PortfolioLoadError(problems)
    return sorted(out, key=lambda r: r.rater.lower())


def _header(portfolio_path: Path, rater: str) -> str:
    return (
        f"# Ratings of {portfolio_path.name} by {rater} (written by `fsdl-tui rate`; editing by hand is fine).\n"
        "# One file per rater, so raters on different branches never conflict. Values are 1-5.\n"
    )


def record(
    portfolio_path: str | Path,
    rater: str,
    project_id: str,
    values: Mapping[str, int | None],
    note: str | None = None,
) -> Path:
    """Set some of one rater's values for one project (None removes a value) and save their file.

    Creates the folder and the file on first use. Comments, unknown keys and other projects are kept.
    """
    return record_many(portfolio_path, rater, [(project_id, values, note)])


def record_many(
    portfolio_path: str | Path,
    rater: str,
    rows: Iterable[tuple[str, Mapping[str, int | None], str | None]],
) -> Path:
    """`record` for several projects in one atomic save."""
    portfolio_path = Path(portfolio_path)
    rater = rater.strip()
    if not rater:
        raise RatingError("a rater needs a name (--as NAME, or set `git config user.name`)")
    path = rater_path(portfolio_path, rater)
    if path.exists():
        existing = _read(path)  # refuse to write over a file we cannot read
        if existing.rater != rater:
            raise RatingError(f"{path}: belongs to rater '{existing.rater}', not '{rater}'")
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    else:
        doc = tomlkit.parse(_header(portfolio_path, rater))
        doc["schema_version"] = RATINGS_SCHEMA_VERSION
        doc["rater"] = rater
    projects: Any = doc.get("projects")
    if projects is None:
        projects = tomlkit.table(is_super_table=True)
        doc["projects"] = projects
    for project_id, values, note in rows:
        table: Any = projects.get(project_id)
        if table is None:
            table = tomlkit.table()
            projects[project_id] = table
        for key, value in values.items():
            key = field_name(key)
            if value is None:
                table.pop(key, None)
            else:
                if isinstance(value, bool) or not 1 <= int(value) <= 5:
                    raise RatingError(f"{key}: {value} is out of range (1-5)")
                table[key] = int(value)
        if note is not None:
            if note.strip():
                table["note"] = note.strip()
            else:
                table.pop("note", None)
        if not table:
            projects.pop(project_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = tomlkit.dumps(doc)
    _read_text_check(path, text)
    atomic_write(path, text.encode("utf-8"))
    return path


def _read_text_check(path: Path, text: str) -> None:
    """What we are about to write must read back as a valid ratings file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - tomlkit writes valid TOML
        raise PortfolioError(f"{path}: internal error: the ratings file would not read back ({exc})") from None
    if not isinstance(data.get("projects", {}), dict):  # pragma: no cover
        raise PortfolioError(f"{path}: internal error: `projects` is not a table")
