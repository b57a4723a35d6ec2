"""A portfolio as read from a file: its text, the digest of its bytes, its layout and the parsed model.

Reading (`loading.py`) makes one; writing (`minimal_diff.py`, `saving.py`) takes one and the edited portfolio
and returns the next one, so every save is a minimal diff of what was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..domain.codec import TOP_KEYS, Issue
from ..domain.model import Portfolio
from .scan import Layout, layout


@dataclass
class PortfolioDocument:
    """A portfolio as read from (or last saved to) a file: the text, its layout and the parsed model."""

    portfolio: Portfolio
    text: str
    path: Path | None = None
    digest: str | None = None  # of the bytes on disk when read or last written; None: not on disk yet
    _layout: Layout | None = field(default=None, repr=False)
    # `lint`'s findings, worked out at load time when asked (`load(path, warnings=True)`): no second parse
    _warnings: list[Issue] | None = field(default=None, repr=False, compare=False)

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            self._layout = layout(self.text, len(self.portfolio.projects), _top_keys(self.portfolio))
        return self._layout

    @cached_property
    def newline(self) -> str:
        """The line ending most lines have: what new lines get (edited lines keep their own)."""
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.text.count("\n") else "\n"

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "<new portfolio>"


def _top_keys(portfolio: Portfolio) -> set[str]:
    return set(TOP_KEYS) | set(portfolio.extra)
