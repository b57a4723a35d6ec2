"""Shared fixtures for the git tests: a commented portfolio, edits as text, and throwaway git repositories.

The test_git_* modules import from here; test_git_helpers.py checks the helpers themselves.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.storage import loads, new_document, render_text
from fsdl_tui.testing import make_portfolio, sample_projects

CLI = [sys.executable, "-m", "fsdl_tui"]
COMMAND = f"{shlex.quote(sys.executable)} -m fsdl_tui"  # git runs the drivers with this interpreter
TOP_COMMENT = "# Vision team portfolio: reviewed every Monday."
PROJECT_COMMENT = "# Grasping: owned by the arm team, ask Ana before changing the scores"
INLINE_COMMENT = "# agreed with QA in March"


def base_text() -> str:
    """A portfolio with hand-written comments: at the top, above a project and at the end of a line."""
    pf = make_portfolio(sample_projects()[:4], name="Vision team")
    text = new_document(pf).text
    text = TOP_COMMENT + "\n" + text
    text = text.replace('[[projects]]\nid = "grasp-pose"', f'{PROJECT_COMMENT}\n[[projects]]\nid = "grasp-pose"', 1)
    lines = text.split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith('optimizing = "recall"'))
    lines[i] = f'optimizing = "recall"  {INLINE_COMMENT}'
    text = "\n".join(lines)
    loads(text)  # still a valid portfolio
    return text


def edit(text: str, change: Callable[[Portfolio], Portfolio]) -> str:
    """`text` after an edit of its portfolio, written as the app and the CLI write it (minimal diff)."""
    doc = loads(text)
    return render_text(doc, change(doc.portfolio))


def setting(project_id: str, path: str, value: Any) -> Callable[[Portfolio], Portfolio]:
    def change(pf: Portfolio) -> Portfolio:
        p = pf.get(project_id)
        assert p is not None
        return pf.with_project(set_field(p, path, value))

    return change


def git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        COLUMNS="160",  # one width whatever runs the tests (pytest-xdist workers set their own)
        GIT_CONFIG_NOSYSTEM="1",
        LC_ALL="C",
        GIT_PAGER="cat",
        PAGER="cat",
    )
    return env


class Repo:
    """A throwaway git repository with its own HOME, so no user or system git config leaks in."""

    def __init__(self, root: Path) -> None:
        self.root = root / "repo"
        self.home = root / "home"
        self.root.mkdir()
        self.home.mkdir()
        self.env = git_env(self.home)
        self.clock = 0
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Ana")
        self.git("config", "user.email", "ana@example.com")

    def run(self, args: list[str], check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            args, cwd=self.root, env={**self.env, **env}, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def git(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run(["git", *args], check=check, **env)

    def fsdl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`fsdl-tui ARGS` in the repository, as `main(ARGS)` in this process (its folder and environment for the
        call); git itself still runs the drivers and textconv as commands, and `fsdl_process` runs this one as one."""
        import contextlib
        import io

        from fsdl_tui.cli.main import main

        old_cwd, old_env = os.getcwd(), dict(os.environ)
        out, err = io.StringIO(), io.StringIO()
        os.chdir(self.root)
        os.environ.clear()
        os.environ.update(self.env)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = main(list(args))
                except SystemExit as exc:  # a usage error: argparse exits with 2 after its message
                    rc = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.chdir(old_cwd)
            os.environ.clear()
            os.environ.update(old_env)
        result = subprocess.CompletedProcess([*CLI, *args], rc, out.getvalue(), err.getvalue())
        if check and rc != 0:
            raise AssertionError(f"fsdl-tui {list(args)} exited {rc}:\n{result.stdout}\n{result.stderr}")
        return result

    def fsdl_process(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`fsdl-tui ARGS` as a command of its own (`python -m fsdl_tui`), as a user or a CI job runs it."""
        return self.run([*CLI, *args], check=check)

    def setup(self, *patterns: str) -> subprocess.CompletedProcess[str]:
        return self.fsdl("git-setup", "--command", COMMAND, *patterns)

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(text, encoding="utf-8")

    def read(self, name: str = "portfolio.toml") -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def commit(self, message: str, *paths: str, author: str = "Ana") -> None:
        self.clock += 1  # a distinct, fixed time per commit: log order does not depend on the wall clock
        date = f"2024-01-{self.clock:02d}T12:00:00+00:00"
        self.git("add", *(paths or ("-A",)))
        self.git("commit", "-q", "-m", message, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_AUTHOR_NAME=author)


# --- the merge driver from the files (`gitops/filemerge.py`) ---------------------------------------------


def file_merge(
    base: str,
    ours: str,
    theirs: str,
    marker_size: int = 7,
    *,
    path: str = "portfolio",
    labels: tuple[str, str] = ("ours", "theirs"),
    piece_bytes: int | None = None,
    block_bytes: int | None = None,
) -> tuple[bytes, list[str], bool] | None:
    """`merge_files` of the three texts written to files: (the bytes written, conflicts, clean), or None
    when it leaves the merge to the texts; `piece_bytes` and `block_bytes` set the sizes it reads in."""
    import tempfile

    from fsdl_tui.gitops import filemerge

    sizes = (filemerge.PIECE_BYTES, filemerge.BLOCK_BYTES)
    with tempfile.TemporaryDirectory(prefix="fsdl-test-merge-") as tmp:
        names = []
        for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
            names.append(Path(tmp) / f"{name}.toml")
            names[-1].write_bytes(text.encode("utf-8", errors="surrogateescape"))
        filemerge.PIECE_BYTES = piece_bytes or sizes[0]
        filemerge.BLOCK_BYTES = block_bytes or sizes[1]
        try:
            result = filemerge.merge_files(*names, marker_size, path=path, labels=labels)
            if result is None:
                return None
            with result:
                return b"".join(result.parts), result.conflicts, result.clean
        finally:
            filemerge.PIECE_BYTES, filemerge.BLOCK_BYTES = sizes


def files_merge_alike(
    base: str,
    ours: str,
    theirs: str,
    marker_size: int = 7,
    *,
    path: str = "portfolio",
    labels: tuple[str, str] = ("ours", "theirs"),
) -> bool:
    """Assert that the merge from the files, whenever it answers (read in large pieces and in tiny ones),
    is the driver's merge of the texts byte for byte, with the same conflicts; whether it answered."""
    from fsdl_tui.gitops.merge import merge_texts

    large = file_merge(base, ours, theirs, marker_size, path=path, labels=labels)
    tiny = file_merge(base, ours, theirs, marker_size, path=path, labels=labels, piece_bytes=1, block_bytes=5)
    assert (large is None) == (tiny is None)
    if large is None:
        return False
    want = merge_texts(base, ours, theirs, marker_size, path=path, labels=labels, portfolio=False)
    assert large == tiny == (want.text.encode("utf-8", errors="surrogateescape"), want.conflicts, want.clean)
    return True


def files_checked(merge: Callable[..., Any]) -> Callable[..., Any]:
    """`merge_texts` that also checks, on every call, that the merge from the files agrees with it."""

    def checked(base: str, ours: str, theirs: str, marker_size: int = 7, **kw: Any) -> Any:
        files_merge_alike(
            base,
            ours,
            theirs,
            marker_size,
            path=kw.get("path", "portfolio"),
            labels=kw.get("labels", ("ours", "theirs")),
        )
        return merge(base, ours, theirs, marker_size, **kw)

    return checked
