"""Calls sys.exit() in a scorer (on 'lens-only') and in a registration hook."""

import sys

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Exits(Scorer):
    name = "exits"

    def score(self, project, settings):
        if project.id == "lens-only":
            sys.exit(3)
        return Score(1.0)


@hookimpl
def register_scorers():
    return [Exits()]


@hookimpl
def register_exporters():
    sys.exit(4)
