"""Two exporters: one takes the export's context (it names a `context` parameter), one keeps the old API."""

from fsdl_tui import hookimpl
from fsdl_tui.exporters import Exporter


class Byline(Exporter):
    name = "byline"
    label = "Byline"
    extension = "txt"
    description = "The export's byline and what was left out."

    def export(self, portfolio, ranked, settings, context=None):
        if context is None:
            return "no context\n"
        return f"{context.byline}\nleft out: {','.join(context.left_out)}\nrows: {len(ranked)}\n"


class OldStyle(Exporter):
    name = "old-style"
    label = "Old style"
    extension = "txt"
    description = "Three arguments, as before contexts existed."

    def export(self, portfolio, ranked, settings):
        return "\n".join(r.project.id for r in ranked) + "\n"


@hookimpl
def register_exporters():
    return [Byline(), OldStyle()]
