"""A misspelt hook name: pluggy's check_pending() catches it."""

from fsdl_tui import hookimpl


@hookimpl
def register_scorer():
    return []
