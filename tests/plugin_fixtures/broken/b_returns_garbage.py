"""Registration hooks that return the wrong kinds of things."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Scorer


class NotInstantiated(Scorer):
    name = "class-not-instance"


@hookimpl
def register_scorers():
    return ["not a scorer", 42, NotInstantiated]


@hookimpl
def register_exporters():
    return 12345
