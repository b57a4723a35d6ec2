"""A registration hook written with yield but not marked as a wrapper: refused at registration."""

from fsdl_tui import hookimpl


@hookimpl
def register_scorers():
    yield []
