"""The built-in scorers and exporters, registered through the same hooks as any plugin."""

from __future__ import annotations

from .hookspecs import hookimpl


@hookimpl
def register_scorers():
    from ..scoring import builtin_scorers

    return builtin_scorers()


@hookimpl
def register_exporters():
    from ..exporters import builtin_exporters

    return builtin_exporters()
