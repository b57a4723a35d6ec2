"""fsdl-tui: choose which ML projects to do, and track them to production.

Built on the project-selection framework of Full Stack Deep Learning (2022, lecture 1).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # `from fsdl_tui import hookimpl` for plugin authors, without importing pluggy for every user of the domain.
    if name == "hookimpl":
        from .plugins.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'fsdl_tui' has no attribute {name!r}")
