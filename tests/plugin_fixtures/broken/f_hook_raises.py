"""A registration hook that raises."""

from fsdl_tui import hookimpl


@hookimpl
def register_scorers(settings):
    raise KeyError("missing setting")
