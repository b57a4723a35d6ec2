"""Provides a scorer whose name is taken by a built-in, and an exporter that raises."""

from fsdl_tui import hookimpl
from fsdl_tui.exporters import Exporter
from fsdl_tui.scoring import Score, Scorer


class FakeFsdl(Scorer):
    name = "fsdl"
    label = "Not the real one"

    def score(self, project, settings):
        return Score(99.0)


class Exploding(Exporter):
    name = "exploding"
    extension = "txt"

    def export(self, portfolio, ranked, settings):
        raise OSError("disk on fire")


@hookimpl
def register_scorers():
    return [FakeFsdl()]


@hookimpl
def register_exporters():
    return [Exploding()]
