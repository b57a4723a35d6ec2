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
from .context import (
    ExportContext,
    consensus_rows,
    extra_cells,
    extra_columns,
    inactive_note,
    plan_lines,
    status_mark,
)

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
    description = (
        "One row per project in ranked order, every field and the score; safe to open in a spreadsheet. "
        "With a context: the scorer and the date in every row, and the consensus, p(top k) and plan columns."
    )

    def export(
        self,
        portfolio: Portfolio,
        ranked: Sequence[Ranked],
        settings: Mapping[str, Any],
        context: ExportContext | None = None,
    ) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a CR inside a cell gets quoted
        more = ("scorer", "exported_on", *extra_columns(context)) if context is not None else ()
        writer.writerow((*record_columns(), *more))
        for r, row in zip(ranked, records(ranked), strict=True):
            cells = [_cell(v) for v in row.values()]
            if context is not None:
                when = context.date.isoformat() if context.date else ""
                cells += [_cell(x) for x in (context.scorer, when, *extra_cells(context, r.project.id))]
            writer.writerow(cells)
        return buf.getvalue()


class JsonExporter(Exporter):
    name = "json"
    label = "JSON"
    extension = "json"
    description = "The ranking with each score's terms, and every project in full (the file's own layout)."

    def export(
        self,
        portfolio: Portfolio,
        ranked: Sequence[Ranked],
        settings: Mapping[str, Any],
        context: ExportContext | None = None,
    ) -> str:
        out: dict[str, Any] = {
            "portfolio": portfolio.name,
            "description": portfolio.description,
            "exported_by": f"fsdl-tui {__version__}",
        }
        if context is not None:
            out |= _context_data(context)
        out |= {
            "projects": [
                {
                    "rank": r.rank,
                    "id": r.project.id,
                    "title": r.project.title,
                    "status": r.project.status,
                    "status_reason": r.project.lifecycle.status_reason,
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
                    **(_project_context(context, r.project.id) if context is not None else {}),
                    "project": project_to_data(r.project),
                }
                for r in ranked
            ],
        }
        return json.dumps(out, indent=2, ensure_ascii=False, default=present.json_default) + "\n"


def _context_data(context: ExportContext) -> dict[str, Any]:
    from ..decide.plan import to_json as plan_json

    out: dict[str, Any] = {
        "scorer": context.scorer,
        "scorer_label": context.scorer_label,
        "exported_on": context.date.isoformat() if context.date else None,
        "inactive": "left out" if context.exclude_inactive else "included",
        "left_out": list(context.left_out),
        "raters": list(context.raters),
    }
    if context.uncertainty is not None:
        u = context.uncertainty
        out["uncertainty"] = {"draws": u.draws, "top_k": u.top_k, "seed": u.seed, "note": u.note}
    if context.plan is not None:
        out["plan"] = plan_json(context.plan)
    if context.notes:
        out["notes"] = list(context.notes)
    return out


def _project_context(context: ExportContext, project_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if context.agreement is not None:
        out["consensus"] = {
            label: {"consensus": value, "spread": spread, "disputed": disputed}
            for label, value, spread, disputed in consensus_rows(context, project_id)
        }
    odds = context.odds(project_id)
    if odds is not None:
        out["p_top_k"] = odds.p_top_k
        out["rank_interval"] = list(odds.rank_interval)
    if context.plan is not None:
        out["in_plan"] = bool(context.in_plan(project_id))
    return out


class MarkdownExporter(Exporter):
    name = "markdown"
    label = "Markdown"
    extension = "md"
    description = "A ranked table and the projects of each quadrant of the 2x2, for a wiki or a pull request."

    def export(
        self,
        portfolio: Portfolio,
        ranked: Sequence[Ranked],
        settings: Mapping[str, Any],
        context: ExportContext | None = None,
    ) -> str:
        lines = [f"# {present.md(portfolio.name)}", ""]
        if portfolio.description:
            lines += [present.md(portfolio.description), ""]
        if context is not None:
            lines += [f"_{present.md(context.byline)}._ " + present.md(inactive_note(context, ranked)), ""]
        more = extra_columns(context)
        lines += [
            "| # | id | title | status | score | impact | feasibility | quadrant | stage | owner |"
            + "".join(f" {c} |" for c in more),
            "|--:|---|---|---|--:|--:|--:|---|---|---|" + "---|" * len(more),
        ]
        for r in ranked:
            p = r.project
            score = present.num(r.score.value) if r.score.value is not None else f"- ({present.md(r.score.reason)})"
            status = p.status if p.status == "active" else f"**{p.status}**"
            if p.lifecycle.status_reason and p.status != "active":
                status += f": {present.md(p.lifecycle.status_reason)}"
            lines.append(
                f"| {present.rank(r.rank)} | {present.md(p.id)} | {present.md(p.title)} | {status} | {score} "
                f"| {present.num(r.impact)} | {present.num(r.feasibility)} | {present.md(r.quadrant or '-')} "
                f"| {present.md(p.stage)} | {present.md(p.owner)} |"
                + "".join(f" {present.md(c)} |" for c in extra_cells(context, p.id, compact=True))
            )
        lines += ["", "## The impact vs feasibility 2x2", ""]
        for q in fw.QUADRANTS:
            members = [r for r in ranked if r.quadrant == q.id]
            lines.append(f"- **{q.label}** ({len(members)}): {q.question}")
            for r in members:
                mark = status_mark(r.project.status)
                lines.append(
                    f"  - {present.md(r.project.title)} ({present.md(r.project.id)})" + (f" {mark}" if mark else "")
                )
        plan = plan_lines(context)
        if plan:
            lines += ["", "## Plan", "", *(f"- {present.md(x)}" for x in plan)]
        lines += ["", f"_Exported by fsdl-tui {__version__}. {fw.CREDIT}_", ""]
        return "\n".join(lines)
