"""A hook wrapper (wrapper=True) around the plugin's own register_scorers: it adds a scorer and relabels one."""

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Plain(Scorer):
    name = "wrapped-plain"
    label = "before the wrapper"

    def score(self, project, settings):
        return Score(1.0)


class Added(Scorer):
    name = "wrapped-added"

    def score(self, project, settings):
        return Score(2.0)


@hookimpl
def register_scorers():
    return [Plain()]


@hookimpl(wrapper=True, specname="register_scorers")
def wrap_register_scorers(settings):
    results = yield
    for group in results:
        for scorer in group:
            scorer.label = "after the wrapper"
    return results + [[Added()]]
