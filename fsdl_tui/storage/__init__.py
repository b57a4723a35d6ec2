"""Storage: portfolio files as TOML, read fast and written with minimal, atomic diffs."""

from .document import PortfolioDocument
from .errors import (
    FileChangedError,
    PortfolioChangedError,
    PortfolioError,
    PortfolioLoadError,
    Problem,
    SaveError,
    WriteBackError,
)
from .loading import lint, load, loads, loads_bytes
from .minimal_diff import render_text
from .parsing import segment_memo
from .saving import Edit, edit_file, new_document, save, starter_text, update

__all__ = [
    "Edit",
    "FileChangedError",
    "PortfolioChangedError",
    "PortfolioDocument",
    "PortfolioError",
    "PortfolioLoadError",
    "Problem",
    "SaveError",
    "WriteBackError",
    "edit_file",
    "lint",
    "load",
    "loads",
    "loads_bytes",
    "new_document",
    "render_text",
    "save",
    "segment_memo",
    "starter_text",
    "update",
]
