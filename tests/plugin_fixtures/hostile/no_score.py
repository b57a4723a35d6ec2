"""A Scorer subclass that forgot score(): it cannot be instantiated, so its hook fails, naming this plugin."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Scorer


class Forgetful(Scorer):
    name = "forgetful"


@hookimpl
def register_scorers():
    return [Forgetful()]
