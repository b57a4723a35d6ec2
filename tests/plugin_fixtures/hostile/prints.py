"""Prints while being imported, registering, scoring and exporting (and writes a line without a newline)."""

import sys

from fsdl_tui import hookimpl
from fsdl_tui.exporters import Exporter
from fsdl_tui.scoring import Score, Scorer

print("hello from import")


class Chatty(Scorer):
    name = "chatty"

    def score(self, project, settings):
        print(f"scoring {project.id}")
        sys.stdout.write("no newline")
        return Score(1.0)


class ChattyExport(Exporter):
    name = "chatty-export"
    extension = "txt"

    def export(self, portfolio, ranked, settings):
        print("exporting")
        return "exported\n"


@hookimpl
def register_scorers():
    print("registering scorers")
    return [Chatty()]


@hookimpl
def register_exporters():
    return [ChattyExport()]
