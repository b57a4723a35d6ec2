"""Core commands: open, new, validate, show, set, add, remove, move, hold, resume, kill, revive."""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import sys
from collections.abc import Container, Iterator
from pathlib import Path
from typing import Any

from .. import present
from ..domain import framework as fw
from ..domain.codec import ID_RE, project_to_data
from ..domain.fields import FieldError, editable_fields, parse_value, set_fields, spec_for
from ..domain.lifecycle import STATUS_COMMANDS, MoveRefused, move, new_project, record_status_change, status_command
from ..domain.model import Portfolio, Project
from ..storage import Edit, PortfolioDocument, PortfolioLoadError, edit_file, lint, load, new_document, save
from ..storage.loading import load_read_only
from .main import CliError

RAW = argparse.RawDescriptionHelpFormatter


def _load(path: str, *, warnings: bool = False, read_only: bool = False) -> PortfolioDocument:
    """The document at `path`; `read_only`, for a command that never saves: without holding the file's text."""
    with _os_errors(path):
        return (load_read_only if read_only else load)(path, warnings=warnings)


@contextlib.contextmanager
def _os_errors(path: str) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise CliError(f"{path}: no such file (create one with `fsdl-tui new {path}`)") from None
    except IsADirectoryError:
        raise CliError(f"{path}: is a folder, not a portfolio file") from None
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _edit(path: str) -> Iterator[Edit]:
    """The file read under the writers' lock, held until the command ends: a concurrent writer waits, then
    applies its own edit to what this one saved."""
    with _os_errors(path), edit_file(path) as edit:
        yield edit


def _project(doc: PortfolioDocument, project_id: str) -> Project:
    p = doc.portfolio.get(project_id)
    if p is None:
        raise _no_project(doc.label, project_id, [x.id for x in doc.portfolio.projects])
    return p


def _no_project(label: str, project_id: str, ids: list[str]) -> CliError:
    import difflib

    close = difflib.get_close_matches(project_id, ids, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return CliError(f"{label}: no project with id '{project_id}'{hint}")


def _save(edit: Edit, new: Portfolio, what: str) -> int:
    edit.save(new)
    print(f"{edit.doc.label}: {what}")
    return 0


# --- open -------------------------------------------------------------------------------------------------


def cmd_open(args: argparse.Namespace) -> int:
    from ..tui import launch

    return launch(args.path, plugins_dir=args.plugins_dir, read_only=args.read_only)


# --- new / validate ---------------------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists():
        raise CliError(f"{path}: already exists; not overwriting it")
    name = args.name or path.stem.replace("-", " ").replace("_", " ").title()
    doc = new_document(Portfolio(name=name, description=args.description or ""))
    save(doc, doc.portfolio, path)
    print(f"{path}: created portfolio '{name}'. Add a project: fsdl-tui add {path} my-project --title \"...\"")
    return 0


def _plugin_field_problems(args: argparse.Namespace, doc: PortfolioDocument, path: str) -> list[Any]:
    """Values of the fields plugins declare that have the wrong type or are out of range, as problems at
    FILE:LINE:COL. Plugins are loaded only for a file that has plugin tables."""
    pf = doc.portfolio
    if not pf.plugins and not any(p.plugins for p in pf.projects):
        return []
    from ..domain.reader import check_fields
    from ..storage.loading import problems_at
    from .analysis import plugin_host, report_plugin_problems

    host = plugin_host(args)
    project_fields, settings_fields = host.fields(pf), host.fields(pf, scope="portfolio")
    report_plugin_problems(host)
    issues = check_fields(settings_fields, {"plugins": pf.plugins})
    for i, p in enumerate(pf.projects):
        issues += check_fields(project_fields, {"plugins": p.plugins}, ("projects", i))
    return problems_at(doc, path, issues) if issues else []


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.paths:
        try:
            doc = _load(path, warnings=True, read_only=True)  # what lint() reports, from the one parse
        except PortfolioLoadError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        except CliError as exc:
            failed += 1
            print(f"fsdl-tui: {exc}", file=sys.stderr)
            continue
        plugin_problems = _plugin_field_problems(args, doc, path)
        if plugin_problems:
            failed += 1
            for problem in plugin_problems:
                print(problem, file=sys.stderr)
            continue
        warnings = lint(doc, path)
        for warning in warnings:
            print(f"{warning.file}:{warning.line}:{warning.col}: warning: {warning.message}", file=sys.stderr)
        if not args.quiet:
            note = f", {len(warnings)} warning(s)" if warnings else ""
            print(f"{path}: ok ({len(doc.portfolio.projects)} projects{note})")
    return 1 if failed else 0


# --- show -------------------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace) -> int:
    doc = _load(args.path, read_only=True)
    pf = doc.portfolio
    if args.id and args.json:
        print(
            json.dumps(
                project_to_data(_project(doc, args.id)), indent=2, default=present.json_default, ensure_ascii=False
            )
        )
        return 0
    p = _project(doc, args.id) if args.id else None
    from .analysis import plugin_host, report_plugin_problems

    host = plugin_host(args)
    scorer = host.scorer(pf)  # the portfolio's default scorer (`[settings] default_scorer`), else fsdl
    rows = host.rank(pf, scorer)
    report_plugin_problems(host)
    if p is not None:
        from rich.console import Console

        from ..render import project_renderable

        ranked = next(r for r in rows if r.project.id == p.id)
        label = scorer.label or scorer.name
        Console(highlight=False).print(project_renderable(ranked, label, full=True, plugin_fields=host.fields(pf)))
        return 0
    if args.json:
        out = [
            {
                "rank": r.rank,
                "id": r.project.id,
                "title": r.project.title,
                "archetype": r.project.archetype,
                "stage": r.project.stage,
                "status": r.project.status,
                "impact": r.impact,
                "feasibility": r.feasibility,
                "score": r.score.value,
                "quadrant": r.quadrant,
                "owner": r.project.owner,
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console

    from .tables import Col, print_table

    cols = (
        Col("#", right=True),
        Col("id"),
        Col("title", shrink_to=12),
        Col("archetype", shrink_to=6, drop=3),
        Col("stage", shrink_to=8, drop=1),
        Col("impact", right=True),
        Col("feasib.", right=True),
        Col("score", right=True),
        Col("quadrant", shrink_to=8, drop=2),
        Col("owner", shrink_to=6, drop=4),
    )
    cells = []
    for r in rows:
        q = r.project
        stage = q.stage if q.status == "active" else f"{q.stage} ({q.status})"
        score = present.num(r.score.value) if r.score.value is not None else ("error" if r.score.error else "-")
        cells.append(
            (
                present.rank(r.rank),
                q.id,
                q.title,
                q.archetype or "-",
                stage,
                present.num(r.impact),
                present.num(r.feasibility),
                score,
                r.quadrant or "-",
                present.or_dash(q.owner),
            )
        )
    con = Console(highlight=False)
    title = f"{pf.name}: {len(pf.projects)} projects, ranked by {scorer.label or scorer.name}"
    print_table(con, title, cols, cells)
    return 0


# --- set / add / remove / move ----------------------------------------------------------------------------


def _plugin_fields(args: argparse.Namespace, portfolio: Portfolio) -> tuple[Any, ...]:
    """The fields plugins declare, when a path names one (plugins are loaded only then)."""
    if not any(a.strip().startswith("plugins.") for a in args.assignments):
        return ()
    from .analysis import plugin_host, report_plugin_problems

    host = plugin_host(args)
    fields = host.fields(portfolio)
    report_plugin_problems(host)
    return fields


def cmd_set(args: argparse.Namespace) -> int:
    from ..storage.one_project import NoSuchProject, edit_project

    # One project's segment read and rewritten alone when the file's index allows (`one_project.py`): the
    # same bytes and messages as the full edit, which plugin fields (they need the portfolio) always take.
    plugins = any(a.strip().startswith("plugins.") for a in args.assignments)
    with _os_errors(args.path), edit_project(args.path, None if plugins else args.id) as edit:
        if isinstance(edit, NoSuchProject):  # (a file that loads, by its index: as the full path says it)
            raise _no_project(edit.label, args.id, edit.ids)
        if isinstance(edit, Edit):
            doc = edit.doc
            label, p = doc.label, _project(doc, args.id)
            extra = _plugin_fields(args, doc.portfolio)
            known: Container[str] = doc.portfolio
        else:
            label, extra, known = edit.label, (), frozenset(edit.ids)
            assert edit.project is not None
            p = edit.project
        changes: list[tuple[str, Any]] = []
        for assignment in args.assignments:
            if "=" not in assignment:
                raise CliError(f"'{assignment}' is not FIELD=VALUE (e.g. cost.accuracy_requirement=5)")
            path, text = assignment.split("=", 1)
            path = path.strip()
            try:
                changes.append((path, parse_value(spec_for(path, extra), text)))
            except FieldError as exc:
                raise CliError(f"{args.id}: {exc}") from None
        before = p
        try:
            p = set_fields(p, changes, extra)  # validated together, so the order of the assignments does not matter
            p = record_status_change(before, p)  # a new status is recorded in the history, with its reason
        except (FieldError, MoveRefused) as exc:
            raise CliError(f"{args.id}: {exc}") from None
        changed = list(dict.fromkeys(path for path, _ in changes))
        if p == before:
            print(f"{label}: {args.id}: nothing changed")
            return 0
        if p.depends_on != before.depends_on:  # a file that would then not load is never written
            for dep in p.depends_on:
                if dep == p.id:
                    raise CliError(f"{args.id}: depends_on: project '{p.id}' depends on itself")
                if dep not in known:
                    raise CliError(f"{args.id}: depends_on: project '{p.id}' depends on unknown project '{dep}'")
        if isinstance(edit, Edit):
            return _save(edit, edit.doc.portfolio.with_project(p), f"{args.id}: set {', '.join(changed)}")
        edit.save(p)
        print(f"{label}: {args.id}: set {', '.join(changed)}")
        return 0


def cmd_add(args: argparse.Namespace) -> int:
    with _edit(args.path) as edit:
        doc = edit.doc
        if not ID_RE.fullmatch(args.id):
            raise CliError(f"project id '{args.id}' must be a slug: lowercase letters, digits, '-' and '_'")
        if args.id in doc.portfolio:
            raise CliError(f"{doc.label}: a project with id '{args.id}' already exists")
        if not args.title.strip():
            raise CliError("--title must not be empty")
        fields: dict[str, Any] = {"summary": args.summary or "", "owner": args.owner or "", "tags": tuple(args.tag)}
        if args.archetype:
            fields["archetype"] = args.archetype
        p = new_project(args.id, args.title, **fields)
        from ..gitops.placement import insert_by_id  # by id, so that branches adding projects merge in git

        return _save(edit, insert_by_id(doc.portfolio, p), f"added '{args.id}'")


def cmd_remove(args: argparse.Namespace) -> int:
    with _edit(args.path) as edit:
        doc = edit.doc
        p = _project(doc, args.id)
        dependents = [x.id for x in doc.portfolio.projects if args.id in x.depends_on]
        if dependents:
            raise CliError(
                f"{args.id}: other projects depend on it ({', '.join(dependents)}); remove it from their depends_on first"
            )
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError(f"removing '{args.id}' needs confirmation: pass --yes")
            answer = input(f"Remove '{p.id}' ({p.title}) from {doc.label}? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("not removed")
                return 1
        return _save(edit, doc.portfolio.without_project(args.id), f"removed '{args.id}'")


def _date(text: str | None) -> _dt.date | None:
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--date '{text}' is not a date written YYYY-MM-DD") from None


def cmd_move(args: argparse.Namespace) -> int:
    with _edit(args.path) as edit:
        doc = edit.doc
        p = _project(doc, args.id)
        date = _date(args.date)
        try:
            moved = move(p, args.stage, note=args.note or "", date=date, force=args.force)
        except MoveRefused as exc:
            msg = str(exc)
            if exc.open_items:
                items = "\n".join(f"  [ ] {i.label}: {i.question}" for i in exc.open_items)
                msg = (
                    f"'{p.id}' leaves planning with open gate items:\n{items}\n"
                    "tick them with `fsdl-tui set PATH ID gate.ITEM.done=true`, or pass --force to record an override"
                )
            raise CliError(msg) from None
        last = moved.lifecycle.history[-1]
        kind = "moved back" if last.is_backward else "moved"
        return _save(edit, doc.portfolio.with_project(moved), f"{args.id}: {kind} {last.from_stage} -> {last.to_stage}")


def cmd_status(args: argparse.Namespace) -> int:
    """hold, resume, kill, revive: a change of status, recorded in the history with its date and reason."""
    with _edit(args.path) as edit:
        doc = edit.doc
        p = _project(doc, args.id)
        try:
            changed = status_command(p, args.command, args.reason or "", _date(args.date))
        except MoveRefused as exc:
            raise CliError(str(exc)) from None
        what = f"{args.id}: {p.status} -> {changed.status}"
        return _save(edit, doc.portfolio.with_project(changed), what)


# --- parser -----------------------------------------------------------------------------------------------


def _fields_help() -> str:
    lines = ["fields (dotted paths):"]
    for f in editable_fields():
        lines.append(f"  {f.path:<34} {f.kind:<8} {f.label}")
    lines.append("  plugins.NAME.KEY                   data     a plugin's own field (any TOML value)")
    lines.append("    (a field a plugin declares is checked against its kind and range; docs/plugins.md)")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "open",
        help="open a portfolio in the full-screen app (the default command)",
        formatter_class=RAW,
        description="Open the full-screen app.",
        epilog="With no PATH: ./portfolio.toml if present, else the bundled sample (Full Stack "
        "Robotics) as an unsaved portfolio whose first save goes to ./portfolio.toml.",
    )
    p.add_argument("path", nargs="?", help="portfolio file (created on first save if missing)")
    p.add_argument("--plugins-dir", help="also load plugin files (*.py) from this folder")
    p.add_argument("--read-only", action="store_true", help="look, don't touch: edits are off and saves refused")
    p.set_defaults(func=cmd_open)

    p = sub.add_parser(
        "new",
        help="create a commented starter portfolio",
        formatter_class=RAW,
        epilog='example:\n  fsdl-tui new team.toml --name "Vision team"\nNever overwrites a file.',
    )
    p.add_argument("path")
    p.add_argument("--name", help="portfolio name (default: from the file name)")
    p.add_argument("--description", help="one-line description")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "validate",
        help="check portfolio files; every problem as FILE:LINE:COL: message",
        formatter_class=RAW,
        epilog="example:\n  fsdl-tui validate sample_portfolios/*.toml\nExit 0 when every file is valid, 1 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.add_argument("--plugins-dir", help="also load plugin files (*.py) from this folder (for their fields)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "show",
        help="a ranked table of projects, or one project with the FSDL questions",
        formatter_class=RAW,
        epilog="examples:\n  fsdl-tui show team.toml\n"
        "  fsdl-tui show team.toml grasp-pose\n  fsdl-tui show team.toml grasp-pose --json",
    )
    p.add_argument("path")
    p.add_argument("id", nargs="?", help="a project id")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--plugins-dir", help="also load plugin files (*.py) from this folder (for its scorers)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "set",
        help="set fields of a project (minimal diff, atomic save)",
        formatter_class=RAW,
        epilog="examples:\n  fsdl-tui set team.toml grasp-pose cost.accuracy_requirement=5\n"
        '  fsdl-tui set team.toml grasp-pose gate.data.done=true gate.data.note="in S3"\n'
        "  fsdl-tui set team.toml grasp-pose tags=vision,robotics impact.peers=\n"
        "An empty value unsets an optional score. Stages change with `fsdl-tui move`.\n\n" + _fields_help(),
    )
    p.add_argument("path")
    p.add_argument("id")
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    p.add_argument("--plugins-dir", help="also load plugin files (*.py) from this folder (for their fields)")
    p.set_defaults(func=cmd_set)

    p = sub.add_parser(
        "add",
        help="add a project (in planning, with the gate and steps A-G open)",
        formatter_class=RAW,
        epilog="example:\n  fsdl-tui add team.toml churn-model --title "
        '"Churn prediction" --archetype software-2.0 --tag retention',
    )
    p.add_argument("path")
    p.add_argument("id", help="a stable slug: lowercase letters, digits, '-' and '_'")
    p.add_argument("--title", required=True)
    p.add_argument("--summary")
    p.add_argument("--owner")
    p.add_argument("--archetype", choices=[a.id for a in fw.ARCHETYPES])
    p.add_argument("--tag", action="append", default=[], help="repeat for several tags")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser(
        "remove",
        help="remove a project (asks first; --yes to skip)",
        formatter_class=RAW,
        epilog="example:\n  fsdl-tui remove team.toml old-idea --yes",
    )
    p.add_argument("path")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_remove)

    stages = ", ".join(fw.STAGE_IDS)
    p = sub.add_parser(
        "move",
        help="move a project to another lifecycle stage (recorded in its history)",
        formatter_class=RAW,
        epilog=f"stages, in order: {stages}\n\nexamples:\n"
        "  fsdl-tui move team.toml grasp-pose data\n"
        '  fsdl-tui move team.toml grasp-pose data --note "mine hard cases"   # back: needs a reason\n'
        "  fsdl-tui move team.toml new-idea data --force   # leave planning with open gate items\n\n"
        "Moving back is normal in ML projects (FSDL lecture 1) and needs --note with the reason.\n"
        "Leaving planning with open gate items is refused unless --force, which records the override.",
    )
    p.add_argument("path")
    p.add_argument("id")
    p.add_argument("stage", choices=fw.STAGE_IDS, metavar="STAGE")
    p.add_argument("--note", help="why; required when moving back")
    p.add_argument("--force", action="store_true", help="leave planning even with open gate items")
    p.add_argument("--date", help="date of the move, YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_move)

    helps = {
        "hold": "put a project on hold (--reason: why, optional)",
        "resume": "resume a project that is on hold",
        "kill": "kill a project (needs --reason)",
        "revive": "revive a killed project",
    }
    for command, (status, starts) in STATUS_COMMANDS.items():
        p = sub.add_parser(
            command,
            help=helps[command] + "; recorded in its history",
            formatter_class=RAW,
            epilog=f'example:\n  fsdl-tui {command} team.toml grasp-pose --reason "waiting for the new gripper"\n\n'
            f"Sets lifecycle.status to {status} (from {' or '.join(starts)}) and appends\n"
            f'{{ status = "{status}", date = ..., note = REASON }} to lifecycle.history.',
        )
        p.add_argument("path")
        p.add_argument("id")
        p.add_argument("--reason", help="why (the history entry's note)")
        p.add_argument("--date", help="date of the change, YYYY-MM-DD (default: today)")
        p.set_defaults(func=cmd_status, command=command)
