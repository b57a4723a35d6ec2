"""Storage: portfolio files as TOML, read fast and written with minimal, atomic diffs."""

from .errors import (
    FileChangedError,
    PortfolioChangedError,
    PortfolioError,
    PortfolioLoadError,
    Problem,
    SaveError,
    WriteBackError,
)
from .toml_file import (
    Edit,
    PortfolioDocument,
    edit_file,
    lint,
    load,
    loads,
    new_document,
    render_text,
    save,
    segment_memo,
    starter_text,
    update,
)

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
    "new_document",
    "render_text",
    "save",
    "segment_memo",
    "starter_text",
    "update",
]
