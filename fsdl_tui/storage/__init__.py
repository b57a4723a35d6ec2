"""Storage: portfolio files as TOML, read fast and written with minimal, atomic diffs."""

from .errors import FileChangedError, PortfolioError, PortfolioLoadError, Problem, WriteBackError
from .toml_file import PortfolioDocument, lint, load, loads, new_document, render_text, save, starter_text

__all__ = [
    "FileChangedError",
    "PortfolioDocument",
    "PortfolioError",
    "PortfolioLoadError",
    "Problem",
    "WriteBackError",
    "lint",
    "load",
    "loads",
    "new_document",
    "render_text",
    "save",
    "starter_text",
]
