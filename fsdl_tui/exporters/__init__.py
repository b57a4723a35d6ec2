"""Exporters: the ranked portfolio as CSV, JSON, Markdown or a self-contained HTML page, plus plugin formats."""

from __future__ import annotations

from pathlib import Path

from .base import Exporter


def builtin_exporters() -> list[Exporter]:
    """Fresh instances of the exporters that ship with fsdl-tui (registered through the plugin host)."""
    from .formats import CsvExporter, JsonExporter, MarkdownExporter
    from .html import HtmlExporter

    return [CsvExporter(), JsonExporter(), MarkdownExporter(), HtmlExporter()]


def write_output(path: str | Path, content: str | bytes, force: bool = False) -> Path:
    """Write an export to `path`; refuse (FileExistsError) to replace an existing file unless `force`."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if force:
        path.write_bytes(data)
    else:
        with open(path, "xb") as fh:  # exclusive create: never clobbers, even in a race
            fh.write(data)
    return path


__all__ = ["Exporter", "builtin_exporters", "write_output"]
