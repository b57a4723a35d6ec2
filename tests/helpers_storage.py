"""Shared helpers for the storage tests: the corpus of hand-formatted files and line diffs."""

from __future__ import annotations

import difflib
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from fsdl_tui.storage import PortfolioDocument, load, loads
from fsdl_tui.storage.atomic import digest
from fsdl_tui.storage.document import KeptBytes
from fsdl_tui.storage.limits import max_file_bytes

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks/` is a folder of the checkout, not of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import make_portfolio, make_portfolio_text  # noqa: E402

__all__ = [
    "CORPUS",
    "CORPUS_FILES",
    "HOSTILE",
    "HOSTILE_BASE",
    "HOSTILE_FIRST_ID",
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


# Hostile files (tests/test_storage_hostile.py): each is a located message and exit 1, never a change.
HOSTILE_BASE = BASE = make_portfolio_text(2)
HOSTILE_FIRST_ID = FIRST_ID = loads(BASE).portfolio.projects[0].id


def _with_plugin_value(value: str) -> str:
    return BASE + f"\n[projects.plugins.hostile]\nv = {value}\n"


def _text(text: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "hostile.toml"
        path.write_text(text, encoding="utf-8", newline="")
        return path

    return make


def _fifo(folder: Path) -> Path:
    path = folder / "fifo.toml"
    os.mkfifo(path)
    return path


def _socket(folder: Path) -> Path:
    path = folder / "sock.toml"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    return path


def _huge(folder: Path) -> Path:
    path = folder / "huge.toml"
    with open(path, "wb") as f:  # sparse: no disk space used
        f.truncate(max_file_bytes() + 1)
    return path


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "hostile.toml"
        path.write_bytes(data)
        return path

    return make


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "500-deep arrays": _text(_with_plugin_value("[" * 500 + "]" * 500)),
    "500-deep inline tables": _text(_with_plugin_value("{ a = " * 500 + "1" + " }" * 500)),
    "40-deep arrays": _text(_with_plugin_value("[" * 40 + "]" * 40)),
    "3,000-deep table header": _text("[" + ".".join(["a"] * 3000) + "]\nx = 1\n" + BASE),
    "3,000-deep dotted key": _text(".".join(["a"] * 3000) + " = 1\n" + BASE),
    "a key with a newline and nan": _text(BASE + '\n[projects.plugins.x]\n"a\\nb" = nan\n'),
    "a 100,000-character key": _text(BASE + "\n[projects.plugins.x]\n" + "k" * 100_000 + " = nan\n"),
    "integer of 5,000 digits": _text(_with_plugin_value("1" * 5000)),
    "integer of 5,000 digits in an array": _text(BASE.replace("tags = [", "tags = [" + "9" * 5000 + ", ", 1)),
    "hex integer of 400 digits": _text(_with_plugin_value("0x" + "f" * 400)),
    "integer beyond 64 bits": _text(_with_plugin_value(str(2**63))),
    "nan in a plugin table": _text(BASE + "\n[projects.plugins.effort]\neffort = nan\n"),
    "inf in a plugin table": _text(_with_plugin_value("-inf")),
    "float that overflows to inf": _text(_with_plugin_value("1e999")),
    "nan in a scoring table": _text(BASE.replace("[[projects]]", "[scoring.custom]\nw = nan\n\n[[projects]]", 1)),
    "nan as an unknown top-level key": _text("x = nan\n" + BASE),
    "id with a newline": _text(BASE.replace(f'id = "{FIRST_ID}"', 'id = "x\\n"', 1)),
    "id with a trailing space": _text(BASE.replace(f'id = "{FIRST_ID}"', 'id = "x "', 1)),
    "not UTF-8": _bytes(BASE.encode() + b"\xff\xfe\x00"),
    "binary": _bytes(bytes(range(256)) * 64),
    "empty": _bytes(b""),
    "a FIFO": _fifo,
    "a socket": _socket,
    "a file over the size limit": _huge,
}


def kept_document(path: Path) -> PortfolioDocument:
    """The document of `path` with its bytes kept out of memory, as the app's load makes it."""
    data = path.read_bytes()
    kept = KeptBytes.of(data)
    assert kept is not None
    return PortfolioDocument(load(path).portfolio, None, path, digest(data), kept=kept)
