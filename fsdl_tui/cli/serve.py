"""`fsdl-tui serve`: the full-screen app in a browser, for a room (one app per browser tab)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .main import CliError

EPILOG = """\
examples:
  fsdl-tui serve team.toml                      read-only, on this machine: http://127.0.0.1:8000/TOKEN/
  fsdl-tui serve team.toml --port 0             any free port (the address printed says which)
  fsdl-tui serve team.toml --host 0.0.0.0       for the room: every interface, with a warning
  fsdl-tui serve team.toml --allow-edit         the browser may edit and save the file

Every address holds a random token (a new one each start): the page, its assets and the websocket answer
403 without it, on 127.0.0.1 too (other users of this machine can reach its local ports). Share the
printed address only with people who may see the portfolio. Without --allow-edit the app is read-only:
saves are refused and edits are off. Each browser tab runs its own app on the same file; with
--allow-edit their saves take turns and never overwrite each other's unseen changes. Plain http: beyond
this machine, put it behind an https proxy if the network is not trusted.
"""


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from ..tui.serve import serve
    except ImportError as exc:  # pragma: no cover - textual-serve is a dependency; a broken install says so
        raise CliError(f"serve needs textual-serve ({exc}); python -m pip install textual-serve") from exc
    path: str | None = args.path
    if path is not None:
        target = Path(path)
        if target.exists():
            from ..storage import load

            load(target)  # a broken file is FILE:LINE:COL messages and exit 1 here, not in every browser tab
        elif not args.allow_edit:
            raise CliError(f"{path}: no such file (to start a new portfolio in the browser, add --allow-edit)")
    if path is not None:
        name = Path(path).name
    else:
        from ..tui import DEFAULT_FILE

        name = DEFAULT_FILE if Path(DEFAULT_FILE).exists() else "the bundled sample"
    title = name + ("" if args.allow_edit else " (read-only)")
    try:
        return serve(
            path,
            title=title,
            host=args.host,
            port=args.port,
            allow_edit=args.allow_edit,
            plugins_dir=args.plugins_dir,
        )
    except OSError as exc:
        raise CliError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0: any free port), not {value}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="the app in a browser (textual-serve): read-only, on 127.0.0.1, behind a token",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the full-screen app to web browsers, one app per tab, on the same portfolio file.",
        epilog=EPILOG,
    )
    p.add_argument("path", nargs="?", help="portfolio file (default: ./portfolio.toml, else the bundled sample)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only); any other prints a warning",
    )
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000; 0: any free port)")
    p.add_argument("--allow-edit", action="store_true", help="let the browser edit and save (default: read-only)")
    p.add_argument("--plugins-dir", help="also load plugin files (*.py) from this folder")
    p.set_defaults(func=cmd_serve)
