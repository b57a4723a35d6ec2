"""Ranking, export, plugin and statistics commands: rank, export, plugins, stats."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import present
from .main import CliError

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.model import Portfolio
    from ..plugins.manager import PluginHost
    from ..scoring.base import Ranked

RAW = argparse.RawDescriptionHelpFormatter


def plugin_host(args: argparse.Namespace) -> PluginHost:
    from ..plugins.manager import PluginError, load_plugins

    try:
        return load_plugins(plugins_dir=args.plugins_dir)
    except PluginError as exc:  # strict mode
        raise CliError(str(exc)) from None


def report_plugin_problems(host: Any) -> None:
    """Every plugin problem on stderr, with the plugin's name; the command itself carries on."""
    for problem in host.problems:
        print(f"fsdl-tui: {problem}", file=sys.stderr)


def _ranked(args: argparse.Namespace) -> tuple[PluginHost, Any, Any, list[Ranked]]:
    from ..plugins.manager import PluginError
    from ..plugins.progress import ProgressLine
    from .core import _load

    host = plugin_host(args)
    doc = _load(args.path, read_only=True)  # rank, export, stats: they never save
    portfolio = ranking_view(doc.portfolio, args.path)
    try:
        scorer = host.scorer(doc.portfolio, args.scorer)
        line = ProgressLine(sys.stderr, f"fsdl-tui: scoring with {scorer.name}")
        try:
            ranked = host.rank(portfolio, scorer, progress=line.update)
        finally:
            line.close()
    except PluginError as exc:
        report_plugin_problems(host)
        raise CliError(str(exc)) from None
    return host, doc, scorer, ranked


def ranking_view(portfolio: Portfolio, path: str) -> Portfolio:
    """What to rank: the portfolio, or with `[settings] use_consensus = true` the raters' consensus."""
    if not portfolio.settings.use_consensus:
        return portfolio
    from ..decide.agreement import consensus_portfolio

    return consensus_portfolio(portfolio, path)


def _row(table: Any, *cells: str) -> None:
    """Add a table row of plain text: user text is never read as rich markup."""

    table.add_row(*(_text(c) for c in cells))


def _text(s: str) -> Any:
    """User text for rich: plain `Text`, never markup, control characters shown as escapes."""
    from rich.text import Text

    return Text(present.plain(s))


# --- rank ------------------------------------------------------------------------------------------------


def cmd_rank(args: argparse.Namespace) -> int:
    host, doc, scorer, ranked = _ranked(args)
    try:
        if args.uncertainty or args.sensitivity:
            from . import decide

            if args.format == "csv":
                raise CliError("--uncertainty and --sensitivity print a table or JSON (--format table|json)")
            if args.uncertainty:
                decide.rank_uncertainty(args, doc, scorer)
            if args.sensitivity:
                decide.rank_sensitivity(args, doc, scorer)
            return 0
        if args.explain:
            return _explain(doc, scorer, ranked, args.explain)
        if args.format == "json":
            from ..exporters.formats import JsonExporter

            out = json.loads(JsonExporter().export(doc.portfolio, ranked, {}))
            out["scorer"] = scorer.name
            for row in out["projects"]:
                del row["project"]
            print(json.dumps(out, indent=2, ensure_ascii=False))
        elif args.format == "csv":
            from ..exporters.formats import CsvExporter

            sys.stdout.write(CsvExporter().export(doc.portfolio, ranked, {}))
        else:
            _rank_table(doc, scorer, ranked)
    finally:
        report_plugin_problems(host)
    return 0


def _rank_table(doc: Any, scorer: Any, ranked: list[Ranked]) -> None:
    from rich.console import Console

    from .tables import Col, print_table

    # One line per project: ranks, ids (what --explain takes) and numbers are never cut; the title takes what
    # width is left and is shortened with an ellipsis; on a narrow terminal stage, then quadrant, are left out.
    cols = (
        Col("#", right=True),
        Col("id"),
        Col("title", shrink_to=12),
        Col("score", right=True),
        Col("impact", right=True),
        Col("feasib.", right=True),
        Col("quadrant", shrink_to=8, drop=1),
        Col("stage", shrink_to=8, drop=2),
    )
    rows = []
    for r in ranked:
        p = r.project
        score = present.num(r.score.value) if r.score.value is not None else ("error" if r.score.error else "-")
        rows.append(
            (
                present.rank(r.rank),
                p.id,
                p.title,
                score,
                present.num(r.impact),
                present.num(r.feasibility),
                r.quadrant or "-",
                p.stage,
            )
        )
    con = Console(highlight=False)
    title = f"{doc.portfolio.name}: ranked by {scorer.label or scorer.name} ({scorer.name})"
    print_table(con, title, cols, rows)
    for r in ranked:
        if r.score.value is None:
            con.print(_text(f"not ranked: {r.project.id}: {r.score.reason}"))


def _explain(doc: Any, scorer: Any, ranked: list[Ranked], project_id: str) -> int:
    from rich.console import Console
    from rich.table import Table

    from .core import _project

    p = _project(doc, project_id)
    r = next(x for x in ranked if x.project.id == p.id)
    con = Console(highlight=False)
    con.print(_text(f"{p.title} ({p.id}), scorer {scorer.name}: {scorer.label}"))
    if r.score.value is None:
        kind = "scorer failed" if r.score.error else "not scorable"
        con.print(_text(f"{kind}: {r.score.reason}"))
        return 0
    table = Table(show_footer=True, box=None)
    table.add_column("term", footer="score", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("", justify="center")
    table.add_column("weight", justify="right", no_wrap=True)
    table.add_column("", justify="center")
    table.add_column("contribution", justify="right", no_wrap=True, footer=f"{r.score.value:.4f}")
    table.add_column("from")
    for t in r.score.terms:
        _row(table, t.name, f"{t.value:.4f}", "x", f"{t.weight:+.4f}", "=", f"{t.contribution:+.4f}", t.detail)
    con.print(table)
    total = len([x for x in ranked if x.rank is not None])
    con.print(
        _text(
            f"rank {present.rank(r.rank)} of {total}; impact {present.num(r.impact)}, "
            f"feasibility {present.num(r.feasibility)}, quadrant {r.quadrant or '-'}"
        )
    )
    return 0


# --- export ----------------------------------------------------------------------------------------------


def export_context(args: argparse.Namespace, host: PluginHost, doc: Any, scorer: Any) -> Any:
    """The export's context from the options, else the exporter settings `[plugins.fsdl_tui]` (shared with the
    app: `exporters.context.export_context`)."""
    import datetime as _dt

    from ..exporters.context import ExportSettingsError
    from ..exporters.context import export_context as context_for

    try:
        date = _dt.date.fromisoformat(args.date) if args.date else _dt.date.today()
    except ValueError:
        raise CliError(f"--date '{args.date}' is not a date written YYYY-MM-DD") from None
    if args.plan_budget is not None and args.plan_budget < 0:
        raise CliError("--plan-budget must be 0 or more weeks")
    if args.top is not None and args.top < 1:
        raise CliError("--top must be at least 1")
    try:
        return context_for(
            host,
            doc.portfolio,
            scorer,
            portfolio_path=args.path,
            date=date,
            exclude_inactive=args.exclude_inactive,
            plan_budget=args.plan_budget,
            top_k=args.top,
        )
    except ExportSettingsError as exc:
        raise CliError(f"{doc.label}: {exc}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from ..exporters import write_output
    from ..exporters.context import visible
    from ..plugins.manager import PluginError

    host, doc, scorer, ranked = _ranked(args)
    try:
        exporters = host.exporters(doc.portfolio)
        if args.format not in exporters:
            raise CliError(f"no export format named '{args.format}' (available: {', '.join(exporters)})")
        out = Path(args.output) if args.output else None
        if out is not None and out.exists() and not args.force:
            raise CliError(f"{out}: already exists; use --force to overwrite it")
        context = export_context(args, host, doc, scorer)
        ranked = visible(ranked, context.exclude_inactive)
        try:
            content = host.export(doc.portfolio, args.format, ranked, context)
        except PluginError as exc:
            raise CliError(str(exc)) from None
        if out is None:
            if isinstance(content, bytes):
                sys.stdout.buffer.write(content)
            else:
                sys.stdout.write(content)
            return 0
        try:
            write_output(out, content, force=args.force)
        except FileExistsError:
            raise CliError(f"{out}: already exists; use --force to overwrite it") from None
        except OSError as exc:
            raise CliError(f"{out}: {exc.strerror or exc}") from None
        print(f"{out}: exported {len(ranked)} projects as {args.format} (ranked by {scorer.name})", file=sys.stderr)
        return 0
    finally:
        report_plugin_problems(host)


# --- plugins ---------------------------------------------------------------------------------------------


def cmd_plugins(args: argparse.Namespace) -> int:
    if args.enable:
        from ..plugins.manager import enable_plugin

        if enable_plugin(args.enable):
            print(f"fsdl-tui: plugin {args.enable} enabled again: the next command imports it", file=sys.stderr)
        else:
            print(f"fsdl-tui: plugin {args.enable} was not disabled after a crash; nothing to do", file=sys.stderr)
        return 0
    host = plugin_host(args)
    info = host.info()
    report_plugin_problems(host)
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fsdl-tui plugins", title_justify="left")
    for col in ("name", "version", "status", "provides", "hooks", "source"):
        table.add_column(col)
    for p in info:
        provides = ", ".join(f"{k[:-1]} {n}" for k, names in p["provides"].items() for n in names)
        status = p["status"] + (f" ({p['note']})" if p["note"] else "")
        _row(table, p["name"], p["version"] or "-", status, provides or "-", ", ".join(p["hooks"]) or "-", p["source"])
    Console(highlight=False).print(table)
    return 0


# --- stats -----------------------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    from ..analysis import stats

    host, doc, scorer, _ranked_rows = _ranked(args)
    try:
        today = _dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise CliError(f"--as-of {args.as_of!r}: expected a date as YYYY-MM-DD") from None
    data = stats(doc.portfolio, scorer, today=today)
    report_plugin_problems(host)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    _print_stats(data)
    return 0


def _print_stats(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    con.print(
        _text(
            f"{data['portfolio']}: {data['projects']} projects (quadrants by {data['scorer']}, as of {data['as_of']})"
        )
    )
    counts = Table(box=None, title="counts", title_justify="left")
    for col in ("by stage", "n", "by archetype", "n", "by quadrant", "n"):
        counts.add_column(col, justify="right" if col == "n" else "left")
    cols = [list(data[k].items()) for k in ("by_stage", "by_archetype", "by_quadrant")]
    for i in range(max(len(c) for c in cols)):
        cells: list[str] = []
        for c in cols:
            cells += [c[i][0], str(c[i][1])] if i < len(c) else ["", ""]
        _row(counts, *cells)
    con.print(counts)
    t = Table(box=None, title="time in stage (days, from lifecycle history) and loop-backs", title_justify="left")
    for col in ("stage", "stays", "mean", "median", "max", "loop-backs from", "loop-backs to"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    lb = data["loop_backs"]
    for stage, v in data["time_in_stage"].items():
        _row(
            t,
            stage,
            str(v["stays"]),
            present.num(v["mean_days"], 1),
            present.num(v["median_days"], 1),
            "-" if v["max_days"] is None else str(v["max_days"]),
            str(lb["from_stage"].get(stage, 0)),
            str(lb["to_stage"].get(stage, 0)),
        )
    con.print(t)
    if lb["by_project"]:
        top = sorted(lb["by_project"].items(), key=lambda kv: (-kv[1], kv[0]))
        con.print(_text("loop-backs per project: " + ", ".join(f"{k} {v}" for k, v in top)))
    else:
        con.print(_text("no loop-backs recorded"))


# --- parser ----------------------------------------------------------------------------------------------

_PLUGINS_HELP = "also load plugin files (*.py) from this folder (never done implicitly)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rank",
        help="rank projects by a scorer; --explain shows how one project's score adds up",
        formatter_class=RAW,
        description="Rank the projects of a portfolio, best first (ties keep file order).",
        epilog="examples:\n"
        "  fsdl-tui rank team.toml                       # default scorer: [settings] default_scorer, else fsdl\n"
        "  fsdl-tui rank team.toml --scorer weighted     # weights from [scoring.weighted] in the file\n"
        "  fsdl-tui rank team.toml --explain grasp-pose  # each term: value x weight = contribution\n"
        "  fsdl-tui rank team.toml --format csv > ranking.csv\n\n"
        "Scorers come from fsdl-tui and its plugins: list them with `fsdl-tui plugins`.\n"
        "The fsdl scorer follows Full Stack Deep Learning 2022 lecture 1: high impact, low cost.",
    )
    p.add_argument("path")
    p.add_argument("--scorer", metavar="NAME", help="scorer name (see `fsdl-tui plugins`)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output (default: table)")
    p.add_argument("--explain", metavar="ID", help="show the terms of one project's score")
    p.add_argument("--plugins-dir", metavar="DIR", help=_PLUGINS_HELP)
    from .decide import add_rank_options

    add_rank_options(p)
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser(
        "export",
        help="export the ranked portfolio (csv, json, markdown, html, or a plugin's format)",
        formatter_class=RAW,
        description="Export the portfolio, ranked by a scorer, to a file or to stdout.",
        epilog="examples:\n"
        "  fsdl-tui export team.toml --format html -o team.html\n"
        "  fsdl-tui export team.toml --format csv -o ranking.csv --scorer weighted\n"
        "  fsdl-tui export team.toml --format markdown        # to stdout\n\n"
        "  fsdl-tui export team.toml --format html -o report.html --exclude-inactive --plan-budget 26\n\n"
        "Every export names the scorer and the date and shows each project's status; killed and on-hold\n"
        "projects are listed and marked, or left out with --exclude-inactive (or exclude_inactive = true\n"
        "in [plugins.fsdl_tui]). Where the portfolio has raters' files (team.ratings/), exports carry the\n"
        "consensus and spread and p(top k); with a plan budget (--plan-budget or plan_budget), the plan.\n"
        "An existing output file is never replaced without --force.\n"
        "CSV cells that a spreadsheet would run as a formula are prefixed with a quote; HTML escapes all text.",
    )
    p.add_argument("path")
    p.add_argument("--format", required=True, metavar="NAME", help="csv, json, markdown, html, or a plugin's")
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("--scorer", metavar="NAME", help="rank by this scorer (default: the portfolio's)")
    p.add_argument("--plugins-dir", metavar="DIR", help=_PLUGINS_HELP)
    inactive = p.add_mutually_exclusive_group()
    inactive.add_argument(
        "--exclude-inactive",
        dest="exclude_inactive",
        action="store_true",
        default=None,
        help="leave out killed and on-hold projects (ranks count the rest)",
    )
    inactive.add_argument(
        "--include-inactive",
        dest="exclude_inactive",
        action="store_false",
        help="list and mark them (the default, unless [plugins.fsdl_tui] exclude_inactive = true)",
    )
    p.add_argument("--plan-budget", type=float, metavar="WEEKS", help="add the plan within this many weeks")
    p.add_argument("--top", type=int, metavar="K", help="p(top K) for the odds (default 3)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the date the export states (default: today)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "plugins",
        help="list plugins: version, source, hooks, what each provides, status and errors",
        formatter_class=RAW,
        description="List the built-in and installed plugins and what they provide.",
        epilog="examples:\n  fsdl-tui plugins\n  fsdl-tui plugins --json\n"
        "  fsdl-tui plugins --plugins-dir ./my-plugins\n\n"
        "environment:\n"
        "  FSDL_TUI_LOAD_PLUGINS=a,b   load only these installed/local plugins (empty: none but the built-ins)\n"
        "  FSDL_TUI_PLUGINS_DIR=DIR    load plugin files from DIR (like --plugins-dir)\n"
        "  FSDL_TUI_STRICT_PLUGINS=1   fail on the first plugin problem (for plugin authors)\n"
        "  FSDL_TUI_SCORER_TIMEOUT=S   seconds a plugin may take per project or hook (default 10; 0: no limit)\n"
        "  FSDL_TUI_EXPORT_TIMEOUT=S   seconds a plugin's export may take (default 60; 0: no limit)\n"
        "A plugin that crashed the process while being imported is skipped from then on: --enable NAME.\n"
        'user config: $XDG_CONFIG_HOME/fsdl-tui/config.toml with plugins_dir = "...", disabled_plugins = [...]\n'
        "Writing a plugin: see docs/plugins.md.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--plugins-dir", metavar="DIR", help=_PLUGINS_HELP)
    p.add_argument("--enable", metavar="NAME", help="load again a plugin skipped since it crashed an import")
    p.set_defaults(func=cmd_plugins)

    p = sub.add_parser(
        "stats",
        help="counts by stage, archetype and quadrant; time in stage; loop-backs",
        formatter_class=RAW,
        description="Portfolio statistics from the lifecycle history (uses pandas).",
        epilog="examples:\n  fsdl-tui stats team.toml\n  fsdl-tui stats team.toml --json --as-of 2024-01-31\n\n"
        "Time in stage runs from the move into a stage to the next move (or to --as-of, default today).\n"
        "A loop-back is a move to an earlier stage: normal in ML projects (FSDL 2022 lecture 1).",
    )
    p.add_argument("path")
    p.add_argument("--scorer", metavar="NAME", help="scorer for the quadrants (default: the portfolio's)")
    p.add_argument("--as-of", metavar="DATE", help="end open stays on this date, YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--plugins-dir", metavar="DIR", help=_PLUGINS_HELP)
    p.set_defaults(func=cmd_stats)
