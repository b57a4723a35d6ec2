"""An installed (entry point) plugin that behaves."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Constant(Scorer):
    name = "ep-constant"
    label = "Constant"
    description = "Always 2."

    def score(self, project, settings):
        return Score(2.0)


@hookimpl
def register_scorers():
    return [Constant()]
