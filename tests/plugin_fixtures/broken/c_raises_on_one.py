"""A scorer that raises on one project and returns a non-finite number for another."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Fragile(Scorer):
    name = "fragile"
    label = "Fragile"
    description = "Scores 1.0, except on the project 'grasp-pose' (raises) and 'lens-only' (NaN)."

    def score(self, project, settings):
        if project.id == "grasp-pose":
            raise ZeroDivisionError("cannot score grasp-pose")
        if project.id == "lens-only":
            return Score(float("nan"))
        return Score(1.0)


@hookimpl
def register_scorers():
    return [Fragile()]
