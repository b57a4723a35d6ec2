"""The app's flows, as mixins of the App, one module per seam: `documents` (save, save-as, quit, undo, the
file watch, merge, reload, settings, scorer), `projects` (edit, add, duplicate, delete, moves, status) and
`exports`. `FsdlApp` (`app.py`) combines them."""

from .documents import DocumentFlows
from .exports import ExportFlows
from .projects import ProjectFlows

__all__ = ["DocumentFlows", "ExportFlows", "ProjectFlows"]
