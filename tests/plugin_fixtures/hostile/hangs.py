"""A scorer that hangs on the project 'unscored' (until RELEASE is set, at most a minute)."""

import threading

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer

RELEASE = threading.Event()


class Sleepy(Scorer):
    name = "sleepy"
    label = "Hangs on one project"

    def score(self, project, settings):
        if project.id == "unscored":
            RELEASE.wait(60)
        return Score(1.0)


@hookimpl
def register_scorers():
    return [Sleepy()]
