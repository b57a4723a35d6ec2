"""What registration refuses: a scorer class without score(), a plain hook that yields, an unsafe extension."""

from fsdl_tui import hookimpl
from fsdl_tui.exporters import Exporter


class Unsafe(Exporter):
    name = "unsafe"
    extension = "../../etc/x"

    def export(self, portfolio, ranked, settings):
        return ""


class Hidden(Exporter):
    name = "hidden"
    extension = "txt/.."

    def export(self, portfolio, ranked, settings):
        return ""


@hookimpl
def register_exporters():
    return [Unsafe(), Hidden()]
