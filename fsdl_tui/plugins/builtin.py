"""The built-in scorers and exporters, registered through the same hooks as any plugin.

`tryfirst`: pluggy calls them before other plugins, so built-ins come first in listings (a plugin of its own
with `tryfirst=True` is called, and listed, before them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .hookspecs import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from ..exporters.base import Exporter
    from ..scoring.base import Scorer


@hookimpl(tryfirst=True)
def register_scorers() -> list[Scorer]:
    from ..scoring import builtin_scorers

    return builtin_scorers()


@hookimpl(tryfirst=True)
def register_exporters() -> list[Exporter]:
    from ..exporters import builtin_exporters

    return builtin_exporters()
