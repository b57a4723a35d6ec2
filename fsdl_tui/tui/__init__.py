"""The full-screen app. `launch(path)` opens a portfolio file and returns the exit code.

- a PATH that exists is opened; a broken one opens to the list of its FILE:LINE:COL problems;
- a PATH that does not exist opens a new, empty portfolio whose first save creates it;
- no PATH: `./portfolio.toml` if present, else the bundled sample as an unsaved portfolio whose first save
  creates `./portfolio.toml`.

An existing file is read progressively: the app paints at once and the rows come in as it is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..storage import Problem
    from ..workspace import Session

DEFAULT_FILE = "portfolio.toml"


def open_session(path: str | None) -> tuple[Session | None, tuple[Path, list[Problem]] | None]:
    """(session, None) for a portfolio to show, or (None, (path, problems)) for a file that does not load."""
    from ..domain.model import Portfolio
    from ..storage import PortfolioLoadError, Problem, load, loads
    from ..workspace import Session, new_session

    if path is None:
        default = Path(DEFAULT_FILE)
        if default.exists():
            return open_session(DEFAULT_FILE)
        from importlib.resources import files

        text = files("fsdl_tui.data").joinpath("sample.toml").read_text(encoding="utf-8")
        return Session(loads(text, "sample.toml"), target=default), None
    target = Path(path)
    if not target.exists():
        return new_session(Portfolio(name=target.stem.replace("-", " ").replace("_", " ").capitalize()), target), None
    try:
        return Session(load(target)), None
    except PortfolioLoadError as exc:
        return None, (target, exc.problems)
    except (OSError, UnicodeError) as exc:
        return None, (target, [Problem(str(target), 1, 1, f"cannot read the file: {exc}")])


def progressive_target(path: str | None) -> Path | None:
    """The file the app reads progressively (after its first frame, rows coming in as it is read): an existing
    PATH, or `./portfolio.toml` without one; None when there is nothing to read (a new file, the sample)."""
    target = Path(path if path is not None else DEFAULT_FILE)
    return target if target.exists() else None


def launch(path: str | None, *, plugins_dir: str | None = None, read_only: bool = False) -> int:
    """Run the app on `path` until the user quits; returns the exit code. `read_only`: no edits, no saves.
    An existing file is read after the first frame, on a thread (`FsdlApp(load_path=...)`)."""
    from .app import FsdlApp

    load_path = progressive_target(path)
    session, problems = open_session(path) if load_path is None else (None, None)
    app = FsdlApp(session, problems=problems, plugins_dir=plugins_dir, read_only=read_only, load_path=load_path)
    app.build_ahead = True  # the form, the board and the 2x2, hidden, once the file is read: a first open is a reuse
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
