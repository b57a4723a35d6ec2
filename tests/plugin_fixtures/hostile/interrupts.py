"""Raises KeyboardInterrupt itself: in a scorer (on 'lens-only') and in a registration hook."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Interrupts(Scorer):
    name = "interrupts"

    def score(self, project, settings):
        if project.id == "lens-only":
            raise KeyboardInterrupt
        return Score(1.0)


@hookimpl
def register_scorers():
    return [Interrupts()]


@hookimpl
def register_exporters():
    raise KeyboardInterrupt
