"""tryfirst: pluggy calls this plugin's hook first, so its scorer is listed before the built-ins."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class First(Scorer):
    name = "first"

    def score(self, project, settings):
        return Score(1.0)


@hookimpl(tryfirst=True)
def register_scorers():
    return [First()]
