"""Shared helpers for the storage tests: the corpus of hand-formatted files and line diffs."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from pathlib import Path

from fsdl_tui.storage import loads

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks/` is a folder of the checkout, not of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import make_portfolio, make_portfolio_text  # noqa: E402

__all__ = [
    "CORPUS",
    "CORPUS_FILES",
    "changes",
    "concurrent_cli",
    "corpus_doc",
    "corpus_text",
    "make_portfolio",
    "make_portfolio_text",
    "run_cli",
]

CORPUS = Path(__file__).parent / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.toml"))


def corpus_text(name: str, newline: str = "\n") -> str:
    """A corpus file's text, with its line endings turned into `newline` (git stores the corpus as LF)."""
    text = (CORPUS / name).read_bytes().decode("utf-8").replace("\r\n", "\n")
    return text.replace("\n", newline)


def corpus_doc(name: str, newline: str = "\n"):
    return loads(corpus_text(name, newline), name)


def changes(before: str, after: str) -> list[str]:
    """The changed lines of a line diff, each as '-line' or '+line' with its line ending."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
        if not line.startswith(("---", "+++", "@@"))
    ]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """`fsdl-tui ARGV` in this process: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from fsdl_tui.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def _cli_child(argv: list[str], err_path: str, barrier: object) -> None:
    """In a forked child: wait for the others, run `fsdl-tui ARGV`, leave stderr in `err_path`, exit with its code."""
    import os

    barrier.wait(timeout=30)  # type: ignore[attr-defined]
    rc, _out, err = run_cli(argv)
    Path(err_path).write_text(err, encoding="utf-8")
    os._exit(rc)


def concurrent_cli(
    commands: list[list[str]], folder: Path, also: Callable[[], object] | None = None
) -> list[tuple[int, str]]:
    """Run several `fsdl-tui` commands at the same moment, each in a forked process (started together by a
    barrier, with `also` run here at the same moment); returns (exit code, stderr) of each, in order."""
    import multiprocessing

    from fsdl_tui.cli.main import build_parser

    build_parser()  # built once here, not in every child: the children then race from the same starting line
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(commands) + (also is not None))
    procs = []
    for n, argv in enumerate(commands):
        err = folder / f"stderr-{n}.txt"
        proc = ctx.Process(target=_cli_child, args=(argv, str(err), barrier))
        proc.start()
        procs.append((proc, err))
    if also is not None:
        barrier.wait(timeout=30)
        also()
    results = []
    for proc, err in procs:
        proc.join(timeout=60)
        if proc.is_alive():  # never expected: fail the test rather than hang
            proc.kill()
            proc.join()
        results.append(
            (
                proc.exitcode if proc.exitcode is not None else -1,
                err.read_text(encoding="utf-8") if err.exists() else "",
            )
        )
    return results
