"""Provides a scorer named 'shared', as does clash_b.py."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Shared(Scorer):
    name = "shared"
    label = "clash_a"

    def score(self, project, settings):
        return Score(1.0)


@hookimpl
def register_scorers():
    return [Shared()]
