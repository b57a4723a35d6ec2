"""Shared helpers for the storage tests: the corpus of hand-formatted files and line diffs."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from fsdl_tui.storage import loads

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks/` is a folder of the checkout, not of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import make_portfolio, make_portfolio_text  # noqa: E402

__all__ = ["CORPUS", "CORPUS_FILES", "changes", "corpus_doc", "corpus_text", "make_portfolio", "make_portfolio_text"]

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
