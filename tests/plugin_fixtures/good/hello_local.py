"""A well-behaved local plugin: a scorer and an exporter, both using the plugin's settings."""

from fsdl_tui import hookimpl
from fsdl_tui.exporters import Exporter
from fsdl_tui.scoring import Score, Scorer, Term

__version__ = "1.2.3"


class ImpactOnly(Scorer):
    name = "impact-only"
    label = "Impact only"
    description = "The impact score, times a factor from [plugins.hello_local] factor."

    def __init__(self, factor=1.0):
        self.factor = factor

    def score(self, project, settings):
        if project.impact.overall is None:
            return Score.not_scorable("no overall impact")
        return Score.from_terms([Term("impact", project.impact.overall, self.factor, "overall impact")])


class Ids(Exporter):
    name = "ids"
    label = "Ids"
    extension = "txt"
    description = "One project id per line, in ranked order."

    def export(self, portfolio, ranked, settings):
        return settings.get("header", "") + "".join(r.project.id + "\n" for r in ranked)


@hookimpl
def register_scorers(settings):
    return [ImpactOnly(settings.get("factor", 1.0))]


@hookimpl
def register_exporters():
    return Ids()
