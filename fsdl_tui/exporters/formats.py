"""The built-in text exporters: csv, json and markdown. All columns come from `fsdl_tui.analysis.record`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__, present
from ..analysis import record_columns, records
from ..domain import framework as fw
from ..domain.codec import project_to_data
from ..domain.model import Portfolio
from ..scoring.base import Ranked
from .base import Exporter

# A spreadsheet runs a cell that starts with one of these as a formula (CSV / formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: Any) -> Any:
    """Make a text cell inert in spreadsheets: prefix a quote when it starts with a formula trigger.

    Numbers are left alone (a negative number is data, not a formula).
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return neutralize(value)


class CsvExporter(Exporter):
    name = "csv"
    label = "CSV (spreadsheet)"
    extension = "csv"
    description = "One row per project in ranked order, every field and the score; safe to open in a spreadsheet."

    def export(self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any]) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a CR inside a cell gets quoted
        writer.writerow(record_columns())
        for row in records(ranked):
            writer.writerow([_cell(v) for v in row.values()])
        return buf.getvalue()


class JsonExporter(Exporter):
    name = "json"
    label = "JSON"
    extension = "json"
    description = "The ranking with each score's terms, and every project in full (the file's own layout)."

    def export(self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any]) -> str:
        out = {
            "portfolio": portfolio.name,
            "description": portfolio.description,
            "exported_by": f"fsdl-tui {__version__}",
            "projects": [
                {
                    "rank": r.rank,
                    "id": r.project.id,
                    "title": r.project.title,
                    "score": r.score.value,
                    "score_note": r.score.reason,
                    "score_error": r.score.error,
                    "terms": [
                        {
                            "name": t.name,
                            "value": t.value,
                            "weight": t.weight,
                            "contribution": t.contribution,
                            "detail": t.detail,
                        }
                        for t in r.score.terms
                    ],
                    "impact": r.impact,
                    "feasibility": r.feasibility,
                    "quadrant": r.quadrant,
                    "project": project_to_data(r.project),
                }
                for r in ranked
            ],
        }
        return json.dumps(out, indent=2, ensure_ascii=False, default=present.json_default) + "\n"


class MarkdownExporter(Exporter):
    name = "markdown"
    label = "Markdown"
    extension = "md"
    description = "A ranked table and the projects of each quadrant of the 2x2, for a wiki or a pull request."

    def export(self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any]) -> str:
        lines = [f"# {present.md(portfolio.name)}", ""]
        if portfolio.description:
            lines += [present.md(portfolio.description), ""]
        lines += [
            "| # | id | title | score | impact | feasibility | quadrant | stage | owner |",
            "|--:|---|---|--:|--:|--:|---|---|---|",
        ]
        for r in ranked:
            p = r.project
            score = present.num(r.score.value) if r.score.value is not None else f"- ({present.md(r.score.reason)})"
            lines.append(
                f"| {present.rank(r.rank)} | {present.md(p.id)} | {present.md(p.title)} | {score} | {present.num(r.impact)} "
                f"| {present.num(r.feasibility)} | {present.md(r.quadrant or '-')} | {present.md(p.stage)} "
                f"| {present.md(p.owner)} |"
            )
        lines += ["", "## The impact vs feasibility 2x2", ""]
        for q in fw.QUADRANTS:
            members = [r for r in ranked if r.quadrant == q.id]
            lines.append(f"- **{q.label}** ({len(members)}): {q.question}")
            for r in members:
                lines.append(f"  - {present.md(r.project.title)} ({present.md(r.project.id)})")
        lines += ["", f"_Exported by fsdl-tui {__version__}. {fw.CREDIT}_", ""]
        return "\n".join(lines)
