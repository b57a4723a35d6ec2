"""The exporter contract: a portfolio and its ranking in, a file's content (text or bytes) out."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.model import Portfolio
    from ..scoring.base import Ranked


# A file extension as an exporter may give it: letters, digits, '-', '_', '+', dots inside (tar.gz), never a
# path separator or '..' (the app builds default file names from it).
EXTENSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]*(\.[A-Za-z0-9][A-Za-z0-9_+-]*)*$")


def extension_problem(extension: Any) -> str | None:
    """What is wrong with an exporter's `extension`, or None if it is usable."""
    if not isinstance(extension, str) or not extension.strip("."):
        return "has no file extension"
    if "/" in extension or "\\" in extension or ".." in extension or len(extension) > 16:
        return f"has an unsafe file extension {extension!r} (no path separators, no '..', at most 16 characters)"
    if not EXTENSION_RE.match(extension.lstrip(".")):
        return f"has an invalid file extension {extension!r} (letters, digits, '-', '_', '+', '.')"
    return None


class Exporter(ABC):
    """Base class for exporters (an ABC). Subclass it, set the class attributes, and implement `export`.

    - `name`: the id used by `fsdl-tui export --format NAME` (lowercase letters, digits, '-' and '_').
    - `label`: a short human name for menus; `description`: one sentence.
    - `extension`: the file extension without the dot, used for default output names.
    - `export(portfolio, ranked, settings)`: `ranked` is the ranking by the chosen scorer (a list of
      `fsdl_tui.scoring.Ranked`, best first); `settings` is the providing plugin's `[plugins.NAME]` table
      (empty for the built-in exporters). Return `str` (written as UTF-8) or `bytes`.

    An `export` with a fourth parameter named `context` also gets the export's `ExportContext` (the scorer, the
    date, inactive projects left out or not, consensus, odds, plan: `fsdl_tui.exporters.context`); the built-in
    exporters take it as `context=None`.

    A subclass without `export` cannot be instantiated: a plugin that returns one is refused at registration.
    """

    name: str = ""
    label: str = ""
    extension: str = "txt"
    description: str = ""

    @abstractmethod
    def export(self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any]) -> str | bytes:
        """The file's content: `str` (written as UTF-8) or `bytes`."""
