"""The built-in scorers, exporters and export settings, registered through the same hooks as any plugin.

`tryfirst`: pluggy calls them before other plugins, so built-ins come first in listings (a plugin of its own
with `tryfirst=True` is called, and listed, before them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .hookspecs import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from ..exporters.base import Exporter
    from ..scoring.base import Scorer
    from .fields import PluginField


@hookimpl(tryfirst=True)
def register_scorers() -> list[Scorer]:
    from ..scoring import builtin_scorers

    return builtin_scorers()


@hookimpl(tryfirst=True)
def register_exporters() -> list[Exporter]:
    from ..exporters import builtin_exporters

    return builtin_exporters()


@hookimpl(tryfirst=True)
def register_fields() -> list[PluginField]:
    """The built-in exporters' settings, `[plugins.fsdl_tui]` in the portfolio (the CLI's options win)."""
    from .fields import PluginField

    return [
        PluginField(
            "exclude_inactive",
            "bool",
            "Exports leave out inactive projects",
            "true: exports leave out killed and on-hold projects (default: listed and marked).",
            scope="portfolio",
        ),
        PluginField(
            "plan_budget",
            "number",
            "Plan budget",
            "Weeks: exports carry the plan within them.",
            min=0,
            scope="portfolio",
        ),
        PluginField(
            "top_k", "score", "Top k", "The top places p(top k) counts in exports.", min=1, max=50, scope="portfolio"
        ),
    ]
