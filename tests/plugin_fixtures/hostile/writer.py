"""Writes into every mapping it is given (project, its tables, settings, the portfolio, ranked rows).

The scorer counts the writes that were refused and returns that count, so a test sees that every one was.
"""

from fsdl_tui import hookimpl
from fsdl_tui.exporters import Exporter
from fsdl_tui.scoring import Score, Scorer

ATTEMPTS = 0


def _refused(write):
    global ATTEMPTS
    ATTEMPTS += 1
    try:
        write()
    except (TypeError, AttributeError):  # FrozenInstanceError is an AttributeError
        return 1
    return 0


def _write_all(project, settings):
    writes = [
        lambda: project.plugins.__setitem__("writer", {"touched": True}),
        lambda: project.gate.__setitem__("data", None),
        lambda: project.gate.clear(),
        lambda: project.questions.update({"q": "changed"}),
        lambda: project.feasibility.pop("a_need_ml", None),
        lambda: project.extra.setdefault("added", 1),
        lambda: settings.__setitem__("k", "v"),
        lambda: setattr(project, "title", "changed"),
    ]
    if "rice" in project.plugins:
        writes.append(lambda: project.plugins["rice"].__setitem__("reach", -1))
    refused = sum(_refused(w) for w in writes)
    # Going around the API only changes the plugin's own copy.
    dict.__setitem__(project.plugins, "writer", {"bypass": True})
    return refused, len(writes)


class Writer(Scorer):
    name = "writer"
    label = "Writes everywhere"

    def score(self, project, settings):
        refused, tried = _write_all(project, settings)
        return Score(float(refused - tried))  # 0.0 when every write was refused


class WriterExport(Exporter):
    name = "writer-export"
    extension = "txt"

    def export(self, portfolio, ranked, settings):
        refused = 0
        refused += _refused(lambda: portfolio.plugins.__setitem__("writer", {}))
        refused += _refused(lambda: portfolio.scoring.__setitem__("fsdl", {"x": 1}))
        refused += _refused(lambda: setattr(portfolio, "name", "changed"))
        refused += _refused(lambda: settings.__setitem__("k", 1))
        for r in ranked:
            refused += _refused(lambda r=r: r.project.plugins.__setitem__("writer", {}))
            refused += _refused(lambda r=r: setattr(r, "rank", 0))
        return f"refused {refused}\n"


@hookimpl
def register_scorers(settings):
    _refused(lambda: settings.__setitem__("injected", True))
    return [Writer()]


@hookimpl
def register_exporters():
    return [WriterExport()]
