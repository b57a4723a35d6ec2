"""The `fsdl-tui` command: open the app, or work on portfolio files from the shell.

Each group of subcommands lives in its own module with a `register(subparsers)` function; this module only
builds the parser and turns errors into messages and exit codes (0 ok, 1 invalid input or refused, 2 usage).
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence

from .. import __version__

EPILOG = """\
examples:
  fsdl-tui                               open ./portfolio.toml, or the bundled sample if there is none
  fsdl-tui team.toml                     open a portfolio in the full-screen app
  fsdl-tui new team.toml --name "Vision team"
  fsdl-tui validate sample_portfolios/*.toml
  fsdl-tui show team.toml grasp-pose     one project, with the FSDL questions beside its answers
  fsdl-tui set team.toml grasp-pose cost.accuracy_requirement=5 impact.overall=4
  fsdl-tui move team.toml grasp-pose data --note "labels too noisy"
  fsdl-tui rank team.toml --explain grasp-pose
  fsdl-tui git-setup                     merge and diff portfolios by project in git
  fsdl-tui diff main:team.toml team.toml --format markdown
  fsdl-tui log team.toml grasp-pose      the blame for a score
  fsdl-tui serve team.toml               the app in a browser (read-only, 127.0.0.1, a token in the URL)

Built on the project-selection framework of Full Stack Deep Learning (2022, lecture 1).
Exit codes: 0 ok, 1 invalid input or refused, 2 usage error.
"""


class CliError(Exception):
    """A refusal or invalid input: printed as `fsdl-tui: message`, exit 1."""


def _command_modules() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    from . import analysis, core, decide, gitcmds, serve

    return [core.register, analysis.register, decide.register, gitcmds.register, serve.register]


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser, built once per process for each version of the schema it describes
    (`main()` may run many times in one process; the help of `set` lists the schema's fields)."""
    global _PARSER
    from ..domain import schema

    fields = (schema.PROJECT_FIELDS, schema.PORTFOLIO_FIELDS)
    if _PARSER is None or any(a is not b for a, b in zip(_PARSER[0], fields, strict=True)):
        _PARSER = (fields, _build_parser())
    return _PARSER[1]


_PARSER: tuple[tuple[object, object], argparse.ArgumentParser] | None = None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsdl-tui",
        description="Decide which ML projects to do (high impact, low cost) and track them to production.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fsdl-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for register in _command_modules():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `fsdl-tui [PATH] [options]` opens the app: treat a first argument that is not a command as a path.
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    commands = set(sub.choices) if sub is not None else set()
    if not args_list or (args_list[0] not in commands and args_list[0] not in ("-h", "--help", "--version")):
        args_list = ["open", *args_list]
    args = parser.parse_args(args_list)
    from ..storage.errors import PortfolioError, PortfolioLoadError, SaveError

    try:
        return int(args.func(args) or 0)
    except (PortfolioLoadError, SaveError) as exc:
        print(str(exc), file=sys.stderr)  # FILE:LINE:COL: message, one per line; FILE: cannot save: reason
        return 1
    except (CliError, PortfolioError) as exc:
        print(f"fsdl-tui: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run() -> int:
    """The `fsdl-tui` command, in a process of its own: `main`, then everything still alive (the portfolio read,
    the app's screens) frozen, so that the cyclic collector's last full pass at exit does not walk it (at
    100,000 projects that pass took seconds after the app's `q`); the process's end frees it all."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
