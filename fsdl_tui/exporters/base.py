"""The exporter contract: a portfolio and its ranking in, a file's content (text or bytes) out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..domain.model import Portfolio
    from ..scoring.base import Ranked


class Exporter:
    """Base class for exporters. Subclass it, set the class attributes, and implement `export`.

    - `name`: the id used by `fsdl-tui export --format NAME` (lowercase letters, digits, '-' and '_').
    - `label`: a short human name for menus; `description`: one sentence.
    - `extension`: the file extension without the dot, used for default output names.
    - `export(portfolio, ranked, settings)`: `ranked` is the ranking by the chosen scorer (a list of
      `fsdl_tui.scoring.Ranked`, best first); `settings` is the providing plugin's `[plugins.NAME]` table
      (empty for the built-in exporters). Return `str` (written as UTF-8) or `bytes`.
    """

    name: str = ""
    label: str = ""
    extension: str = "txt"
    description: str = ""

    def export(
        self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any]
    ) -> str | bytes:  # pragma: no cover - abstract
        raise NotImplementedError
