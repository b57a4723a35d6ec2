"""Deciding together: rate, ratings, plan (and the work behind `rank --uncertainty` / `--sensitivity`)."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

from .. import present
from .analysis import _row
from .main import CliError

RAW = argparse.RawDescriptionHelpFormatter


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _table(*columns: str, title: str | None = None) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, c in enumerate(columns):
        # The first column is an id (or a pair of ids): never cut, it is what other commands take.
        t.add_column(c, overflow="fold", no_wrap=i == 0, min_width=len(c) if i else None)
    return t


def _num(x: float | None) -> str:
    return present.num(x, missing="-")


def _git_user(folder: Path) -> str | None:
    from ..workspace import git_user_name

    return git_user_name(folder)


def _raters(path: str) -> list[Any]:
    from ..storage.ratings import load_ratings

    return load_ratings(path)


# --- rate ------------------------------------------------------------------------------------------------


def cmd_rate(args: argparse.Namespace) -> int:
    from ..storage.ratings import field_name, parse_value, rater_path, record
    from .core import _load

    doc = _load(args.path)
    if args.id not in doc.portfolio:
        raise CliError(f"{args.path}: no project '{args.id}' (see `fsdl-tui show {args.path}`)")
    rater = args.rater or _git_user(Path(args.path).resolve().parent)
    if not rater:
        raise CliError("who is rating? give --as NAME (or set `git config user.name`)")
    values: dict[str, int | None] = {}
    for assignment in args.assignments:
        key, eq, text = assignment.partition("=")
        if not eq:
            raise CliError(f"'{assignment}': expected FIELD=VALUE, e.g. impact=4")
        name = field_name(key)
        values[name] = None if text.strip() in ("", "-") else parse_value(name, text)
    if not values and args.note is None:
        raise CliError("nothing to rate: give FIELD=VALUE (impact, data_availability, ...) or --note")
    path = record(args.path, rater, args.id, values, args.note)
    shown = ", ".join(f"{k}={'-' if v is None else v}" for k, v in values.items()) or "note"
    print(f"{rater} rated {args.id}: {shown} ({rater_path(args.path, rater).name} in {path.parent.name}/)")
    return 0


# --- ratings ---------------------------------------------------------------------------------------------


def cmd_ratings(args: argparse.Namespace) -> int:
    from ..decide.agreement import agreement, to_json
    from .core import _load

    raters = _raters(args.path)
    if not raters:
        _load(args.path)  # a missing or broken portfolio is the first thing to say
        raise CliError(f"{args.path}: nobody has rated yet (fsdl-tui rate {args.path} --as NAME ID impact=4 ...)")
    if args.adopt:
        return _adopt(args, raters)
    doc = _load(args.path)
    ag = agreement(doc.portfolio, raters)
    if args.format == "json":
        print(json.dumps(to_json(ag), indent=2, ensure_ascii=False))
        return 0
    _print_agreement(doc.portfolio, ag)
    return 0


def _print_agreement(portfolio: Any, ag: Any) -> None:
    from ..workspace import agreement_rows

    rows = agreement_rows(ag, [p.id for p in portfolio.projects])
    console = _console()
    console.print(f"{len(ag.raters)} raters: {', '.join(ag.raters)}", markup=False)
    t = _table("field", "alpha (ordinal)", "Kendall's W", "projects", "raters", title="Agreement by field")
    for field_cells in rows.fields:
        _row(t, *field_cells)
    console.print(t)
    for line in rows.notes:
        console.print(line, markup=False)
    t = _table(*rows.consensus_header, title="Consensus: median ±spread (max - min); ! marks a spread of 2 or more")
    for cells in rows.consensus:
        _row(t, *cells)
    console.print(t)
    if rows.disputed:
        t = _table("id", "field", "spread", "low", "high", title="Most disputed (spread of 2 or more)")
        for dispute in rows.disputed:
            _row(t, *dispute)
        console.print(t)
    else:
        console.print("No disputed projects: every rated field is within one point across raters.")


def _adopt(args: argparse.Namespace, raters: list[Any]) -> int:
    from ..decide.agreement import agreement, apply_consensus
    from .core import _edit, _save

    with _edit(args.path) as edit:  # read, compare and write under the writers' lock
        new, changes = apply_consensus(edit.doc.portfolio, agreement(edit.doc.portfolio, raters))
        if not changes:
            print(f"{args.path}: already matches the consensus; nothing to write")
            return 0
        for line in changes:
            print(line)
        return _save(edit, new, f"adopted the raters' consensus ({len(changes)} field(s))")


# --- rank --uncertainty / --sensitivity ------------------------------------------------------------------


def rank_uncertainty(args: argparse.Namespace, doc: Any, scorer: Any) -> int:
    from ..decide.uncertainty import sample_ranks, to_json

    if args.draws < 1:
        raise CliError("--draws must be at least 1")
    result = sample_ranks(doc.portfolio, scorer, _raters(args.path), draws=args.draws, top_k=args.top, seed=args.seed)
    if args.format == "json":
        print(json.dumps(to_json(result), indent=2, ensure_ascii=False))
        return 0
    console = _console()
    title = f"Rank under uncertainty: {result.draws} draws, scorer {result.scorer}, top {result.top_k}"
    t = _table("#", "id", f"p(top {result.top_k})", "90% rank", "from", "tied with", title=title)
    for o in result.projects:
        lo, hi = o.rank_interval
        span = f"{lo}" if lo == hi else f"{lo}-{hi}"
        _row(t, str(o.point_rank or "-"), o.project_id, f"{o.p_top_k:.2f}", span, o.source, ", ".join(o.tied_with))
    console.print(t)
    if result.note:
        console.print(result.note, markup=False)
    return 0


def rank_sensitivity(args: argparse.Namespace, doc: Any, scorer: Any) -> int:
    from ..decide.uncertainty import sensitivity, sensitivity_json
    from ..storage.ratings import RATING_FIELDS

    if not 0 <= args.perturb < 1:
        raise CliError("--perturb must be from 0 to below 1 (0.2 means +-20%)")
    result = sensitivity(doc.portfolio, scorer, top_k=args.top, perturb=args.perturb, draws=args.draws, seed=args.seed)
    if args.format == "json":
        print(json.dumps(sensitivity_json(result), indent=2, ensure_ascii=False))
        return 0
    console = _console()
    console.print(f"Top {result.top_k} by {result.scorer}: {', '.join(result.top)}", markup=False)
    if result.stable_share is not None:
        console.print(
            f"The same top {result.top_k} in {result.stable_share:.0%} of {result.draws} draws with every weight moved "
            f"by up to ±{result.perturb:.0%}.",
            markup=False,
        )
    if result.note:
        console.print(result.note, markup=False)
    t = _table("pair", "change", "swaps them", title="What would swap the neighbours around the cut (tornado)")
    for s in result.swaps:
        bar = "█" * abs(s.change)
        _row(t, f"{s.above} > {s.below}", f"{s.project} {RATING_FIELDS[s.field][1].lower()} {s.old}->{s.new}", bar)
    console.print(t)
    return 0


# --- plan ------------------------------------------------------------------------------------------------


def cmd_plan(args: argparse.Namespace) -> int:
    from ..decide.plan import PlanError, plan, to_json
    from .analysis import plugin_host, ranking_view, report_plugin_problems
    from .core import _load

    host = plugin_host(args)
    doc = _load(args.path)
    portfolio = ranking_view(doc.portfolio, args.path)
    scorer = host.scorer(doc.portfolio, args.scorer)
    report_plugin_problems(host)
    if args.budget < 0:
        raise CliError("--budget must be 0 or more weeks")
    resources: dict[str, float] = {}
    for item in args.resource or []:
        key, eq, text = item.partition("=")
        try:
            resources[key.strip()] = float(text)
        except ValueError:
            raise CliError(f"--resource {item}: expected NAME=AMOUNT, e.g. gpu_days=30") from None
        if not eq or not key.strip():
            raise CliError(f"--resource {item}: expected NAME=AMOUNT, e.g. gpu_days=30")
    try:
        result = plan(
            portfolio,
            scorer,
            args.budget,
            resources=resources,
            require=args.require or (),
            exclude=args.exclude or (),
            include_on_hold=args.include_on_hold,
        )
    except PlanError as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(to_json(result), indent=2, ensure_ascii=False))
        return 0
    console = _console()
    budgets = ", ".join(f"{k} {v:g}" for k, v in result.budgets.items())
    t = _table("id", "title", "score", "weeks", title=f"Plan within {budgets} (scorer {result.scorer})")
    for c in result.rows:
        p = doc.portfolio.get(c.id)
        _row(t, c.id, p.title if p is not None else "", _num(c.score), f"{c.weeks:g}")
    console.print(t)
    console.print(
        f"Total: score {result.total_score:.2f}, {result.total_weeks:g} of {result.budget:g} weeks", markup=False
    )
    if result.next:
        t = _table("id", "score", "weeks", "to include it", title="Next best, left out")
        for n in result.next:
            _row(t, n.id, _num(n.score), f"{n.weeks:g}", n.needs)
        console.print(t)
    if result.no_effort:
        console.print(f"Without an effort (set effort.weeks to plan them): {', '.join(result.no_effort)}", markup=False)
    if len(result.pareto) > 1:
        front = "  ".join(f"{w:g}w:{s:.2f}" for w, s in result.pareto[1:])
        console.print(f"Value vs effort (best total score within N weeks): {front}", markup=False)
    return 0


# --- registration ----------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rate",
        help="record your own blind ratings of a project (one file per rater)",
        description=(
            "Record one rater's scores for one project in a file of that rater's own beside the portfolio\n"
            "(team.toml -> team.ratings/NAME.toml), so raters on separate branches never conflict in git.\n"
            "Fields: impact, cheap_prediction, product_friction, automation, peers, data_availability,\n"
            "accuracy_requirement, problem_difficulty (1-5; FIELD=- removes a value)."
        ),
        epilog=(
            "examples:\n"
            "  fsdl-tui rate team.toml --as Ana grasp-pose impact=4 data_availability=2 \\\n"
            "      accuracy_requirement=4 problem_difficulty=3 --note 'labels exist for half'\n"
            "  fsdl-tui rate team.toml grasp-pose impact=5      # --as defaults to git config user.name\n"
            "  fsdl-tui ratings team.toml                       # agreement, consensus, disputes"
        ),
        formatter_class=RAW,
    )
    p.add_argument("path")
    p.add_argument("--as", dest="rater", metavar="NAME", help="rater name (default: git config user.name)")
    p.add_argument("id", help="project id")
    p.add_argument("assignments", nargs="*", metavar="FIELD=VALUE")
    p.add_argument("--note", help="a note with your rating ('' removes it)")
    p.set_defaults(func=cmd_rate)

    p = sub.add_parser(
        "ratings",
        help="raters' agreement (Krippendorff's alpha, Kendall's W), consensus and disputes",
        description=(
            "Read every rater's file (team.ratings/*.toml) and show, for each field, Krippendorff's alpha at the\n"
            "ordinal level and Kendall's W; each project's consensus (median) and spread; and the most disputed\n"
            "projects with who is at each end. --adopt writes the consensus into the portfolio (minimal diff).\n"
            "Formulas and when to trust them: docs/decide.md."
        ),
        epilog=(
            "examples:\n"
            "  fsdl-tui ratings team.toml\n"
            "  fsdl-tui ratings team.toml --format json | jq '.fields.impact.alpha'\n"
            "  fsdl-tui ratings team.toml --adopt"
        ),
        formatter_class=RAW,
    )
    p.add_argument("path")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--adopt", action="store_true", help="write the consensus (median, rounded) into the portfolio")
    p.set_defaults(func=cmd_ratings)

    p = sub.add_parser(
        "plan",
        help="the best set of projects within a budget of person-weeks (exact, with dependencies)",
        description=(
            "Choose the candidate projects with the largest total score (the portfolio's scorer) whose total\n"
            "effort (effort.weeks, person-weeks) fits the budget. A project that depends on another is chosen\n"
            "only with it, unless that one is in production. Killed, on-hold, production and unscorable projects\n"
            "are not candidates. Solved exactly (a 0/1 integer program, HiGHS); objective in docs/decide.md."
        ),
        epilog=(
            "examples:\n"
            "  fsdl-tui plan team.toml --budget 26\n"
            "  fsdl-tui plan team.toml --budget 26 --resource gpu_days=40 --require grasp-pose --format json"
        ),
        formatter_class=RAW,
    )
    p.add_argument("path")
    p.add_argument("--budget", type=float, required=True, metavar="WEEKS", help="person-weeks available")
    p.add_argument("--resource", action="append", metavar="NAME=AMOUNT", help="another budget, e.g. gpu_days=30")
    p.add_argument("--require", action="append", metavar="ID", help="this project must be in the plan")
    p.add_argument("--exclude", action="append", metavar="ID", help="leave this project out")
    p.add_argument("--include-on-hold", action="store_true", help="on-hold projects are candidates too")
    p.add_argument("--scorer", metavar="NAME", help="scorer (default: the portfolio's)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--plugins-dir", metavar="DIR", help="also load plugin files from DIR")
    p.set_defaults(func=cmd_plan)


def add_rank_options(p: argparse.ArgumentParser) -> None:
    """The `rank` options that sample the ranking (used by cli/analysis.py's `rank`)."""
    g = p.add_argument_group("uncertainty (docs/decide.md)")
    g.add_argument("--uncertainty", action="store_true", help="each project's chance of a top-k place")
    g.add_argument("--sensitivity", action="store_true", help="does the top k survive weights moved by --perturb?")
    g.add_argument("--draws", type=int, default=2000, metavar="N", help="samples (default: 2000)")
    g.add_argument("--top", type=int, default=3, metavar="K", help="the k of top k (default: 3)")
    g.add_argument("--seed", type=int, metavar="S", help="random seed, for results that repeat")
    g.add_argument("--perturb", type=float, default=0.2, metavar="F", help="weights move by up to +-F (default: 0.2)")


# --- scenarios: diff A..B ----------------------------------------------------------------------------------


def _git_ratings(rev: str, portfolio_spec: str) -> list[Any]:
    """The raters' files beside the portfolio as they are at `rev` (none if git has none there)."""
    from ..storage.ratings import parse_rater, ratings_dir

    folder = ratings_dir(portfolio_spec).as_posix()
    try:
        run = subprocess.run(
            ["git", "ls-tree", "--name-only", f"{rev}:./{folder}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    out = []
    for name in sorted(run.stdout.split()) if run.returncode == 0 else []:
        if not name.endswith(".toml"):
            continue
        show = subprocess.run(["git", "show", f"{rev}:./{folder}/{name}"], capture_output=True, timeout=30, check=False)
        if show.returncode == 0:
            out.append(parse_rater(show.stdout, Path(f"{rev}:{folder}/{name}")))
    return out


def scenario_lines(
    old: Any,
    new: Any,
    scorer: Any,
    *,
    top: int | None,
    budget: float | None,
    seed: int | None,
    ratings: tuple[Any, Any],
) -> tuple[list[str], dict[str, Any]]:
    """What differs between two scenarios beyond the fields: each project's p(top k) and the plan's chosen set."""
    lines: list[str] = []
    data: dict[str, Any] = {}
    if top:
        from ..decide.uncertainty import sample_ranks

        a = {o.project_id: o.p_top_k for o in sample_ranks(old, scorer, ratings[0], top_k=top, seed=seed).projects}
        b = {o.project_id: o.p_top_k for o in sample_ranks(new, scorer, ratings[1], top_k=top, seed=seed).projects}
        moved = {pid: (a.get(pid), b.get(pid)) for pid in dict.fromkeys([*a, *b])}
        changed = {pid: v for pid, v in moved.items() if v[0] is None or v[1] is None or abs(v[0] - v[1]) >= 0.05}
        data["p_top_k"] = {"top_k": top, "projects": {pid: {"old": x, "new": y} for pid, x, y in _rows(changed)}}
        lines.append(f"p(top {top}), where it moved by 0.05 or more:")
        lines += [f"  {pid}: {_p(x)} -> {_p(y)}" for pid, x, y in _rows(changed)] or ["  no change"]
    if budget is not None:
        from ..decide.plan import PlanError, plan

        def chosen(pf: Any) -> list[str] | None:
            try:
                return plan(pf, scorer, budget).chosen
            except PlanError:
                return None

        was, now = chosen(old), chosen(new)
        data["plan"] = {"budget": budget, "old": was, "new": now}
        lines.append(f"plan within {budget:g} weeks:")
        if was == now:
            lines.append("  the same projects" + (f": {', '.join(now)}" if now else ""))
        else:
            lines.append(f"  in:  {', '.join(sorted(set(now or []) - set(was or []))) or '-'}")
            lines.append(f"  out: {', '.join(sorted(set(was or []) - set(now or []))) or '-'}")
    return lines, data


def _rows(changed: dict[str, tuple[float | None, float | None]]) -> list[tuple[str, float | None, float | None]]:
    return [(pid, x, y) for pid, (x, y) in changed.items()]


def _p(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"
