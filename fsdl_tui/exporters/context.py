"""What an export says beyond the ranking: which scorer ranked it and when, whether killed and on-hold projects
are left out, and, where the portfolio has them, the raters' consensus and spread, each project's chance of a
top-k place (`p_top_k`) and the plan.

The CLI and the app build one `ExportContext` the same way (`export_context`, on `build_context`) and hand
it to the exporter, with the rows `visible` keeps: the built-in exporters take
it as `export(portfolio, ranked, settings, context)`; a plugin's exporter gets it when its `export` has a
parameter named `context` (docs/plugins.md). The ratings live beside the portfolio file, so the context needs
the file's path.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.model import Portfolio
from ..scoring.base import Ranked, Scorer

if TYPE_CHECKING:  # pragma: no cover
    from ..decide.agreement import Agreement, ProjectConsensus
    from ..decide.plan import Plan
    from ..decide.uncertainty import ProjectOdds, UncertaintyResult
    from ..domain.schema import Field
    from ..plugins.manager import PluginHost

INACTIVE = ("on-hold", "killed")
UNCERTAINTY_DRAWS = 2000
UNCERTAINTY_SEED = 0  # a fixed seed: the same file exports the same odds


@dataclass(frozen=True)
class ExportContext:
    """Everything an export may state beside the ranking. Every part but the scorer and the date is optional."""

    scorer: str = "fsdl"
    scorer_label: str = ""
    date: _dt.date | None = None  # the day of the export (None: not said)
    portfolio_path: str | None = None
    exclude_inactive: bool = False  # killed and on-hold projects left out (else listed and marked)
    left_out: tuple[str, ...] = ()  # the ids left out by `exclude_inactive`
    raters: tuple[str, ...] = ()
    agreement: Agreement | None = None
    uncertainty: UncertaintyResult | None = None
    plan: Plan | None = None
    plugin_fields: tuple[Field, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what could not be worked out, and why

    @property
    def scorer_name(self) -> str:
        return self.scorer_label or self.scorer

    @property
    def byline(self) -> str:
        """ "Ranked by X on 2026-12-01": the line every export carries."""
        when = f" on {self.date.isoformat()}" if self.date else ""
        return f"Ranked by {self.scorer_name}{when}"

    def consensus(self, project_id: str, field_name: str = "impact") -> ProjectConsensus | None:
        return self.agreement.consensus(project_id, field_name) if self.agreement is not None else None

    def odds(self, project_id: str) -> ProjectOdds | None:
        if self.uncertainty is None:
            return None
        return next((o for o in self.uncertainty.projects if o.project_id == project_id), None)

    def in_plan(self, project_id: str) -> bool | None:
        return None if self.plan is None else project_id in self.plan.chosen


def status_mark(status: str) -> str:
    """How a table marks a project that is not active: "" for active, else "(on-hold)" / "(killed)"."""
    return "" if status == "active" else f"({status})"


def visible(ranked: Sequence[Ranked], exclude_inactive: bool) -> list[Ranked]:
    """The rows an export shows: all of them, or without the killed and on-hold projects, ranked again
    among the rest (so the ranks run 1, 2, 3 without gaps)."""
    if not exclude_inactive:
        return list(ranked)
    out: list[Ranked] = []
    n = 0
    for r in ranked:
        if r.project.status in INACTIVE:
            continue
        if r.rank is not None:
            n += 1
            r = replace(r, rank=n)
        out.append(r)
    return out


def build_context(
    portfolio: Portfolio,
    scorer: Scorer,
    *,
    portfolio_path: str | Path | None = None,
    date: _dt.date | None = None,
    exclude_inactive: bool = False,
    plan_budget: float | None = None,
    top_k: int = 3,
    plugin_fields: tuple[Field, ...] = (),
) -> ExportContext:
    """The context of one export. The raters' agreement and the odds come from the ratings beside
    `portfolio_path` (and the odds also from documented ranges); the plan needs `plan_budget` (weeks).
    A part that cannot be worked out is left out, with a note saying why."""
    notes: list[str] = []
    raters: list[Any] = []
    if portfolio_path is not None:
        from ..storage import PortfolioError
        from ..storage.ratings import load_ratings

        try:
            raters = load_ratings(portfolio_path)
        except (PortfolioError, OSError) as exc:
            notes.append(f"ratings not read: {exc}")
    agreement = uncertainty = plan = None
    if raters:
        from ..decide.agreement import agreement as agree

        agreement = agree(portfolio, raters)
    from ..decide.uncertainty import ranges_of, sample_ranks

    if portfolio.projects and (raters or ranges_of(portfolio)):
        uncertainty = sample_ranks(
            portfolio, scorer, raters, draws=UNCERTAINTY_DRAWS, top_k=top_k, seed=UNCERTAINTY_SEED
        )
    if plan_budget is not None:
        from ..decide.plan import PlanError
        from ..decide.plan import plan as make_plan

        try:
            plan = make_plan(portfolio, scorer, plan_budget)
        except PlanError as exc:
            notes.append(f"no plan: {exc}")
    left_out = tuple(p.id for p in portfolio.projects if exclude_inactive and p.status in INACTIVE)
    return ExportContext(
        scorer=scorer.name,
        scorer_label=scorer.label,
        date=date,
        portfolio_path=str(portfolio_path) if portfolio_path is not None else None,
        exclude_inactive=exclude_inactive,
        left_out=left_out,
        raters=tuple(r.rater for r in raters),
        agreement=agreement,
        uncertainty=uncertainty,
        plan=plan,
        plugin_fields=plugin_fields,
        notes=tuple(notes),
    )


class ExportSettingsError(ValueError):
    """The exporter settings `[plugins.fsdl_tui]` hold a value of the wrong type or out of range."""


def export_context(
    host: PluginHost,
    portfolio: Portfolio,
    scorer: Scorer,
    *,
    portfolio_path: str | Path | None = None,
    date: _dt.date,
    exclude_inactive: bool | None = None,
    plan_budget: float | None = None,
    top_k: int | None = None,
) -> ExportContext:
    """The context of one export, the same for the CLI (`export`) and the app (`x`): each option given here,
    else the exporter settings `[plugins.fsdl_tui]` (`exclude_inactive`, `plan_budget`, `top_k`), and the fields
    plugins declare. Raises `ExportSettingsError` when those settings are not valid."""
    from ..domain.reader import check_fields
    from ..plugins.manager import BUILTIN_NAME

    settings = dict(host.plugin_settings(BUILTIN_NAME, portfolio))
    ours = [f for f in host.fields(portfolio, scope="portfolio") if f.table == f"plugins.{BUILTIN_NAME}"]
    for issue in check_fields(ours, {"plugins": portfolio.plugins}):
        raise ExportSettingsError(f"[plugins.{BUILTIN_NAME}] {issue.message}")
    return build_context(
        portfolio,
        scorer,
        portfolio_path=portfolio_path,
        date=date,
        exclude_inactive=exclude_inactive if exclude_inactive is not None else bool(settings.get("exclude_inactive")),
        plan_budget=plan_budget if plan_budget is not None else settings.get("plan_budget"),
        top_k=top_k if top_k is not None else int(settings.get("top_k", 3)),
        plugin_fields=host.fields(portfolio),
    )


def consensus_rows(context: ExportContext | None, project_id: str) -> list[tuple[str, int, int, bool]]:
    """The raters' consensus on the rating grid's four numbers: (label, consensus, spread, disputed)."""
    if context is None or context.agreement is None:
        return []
    from ..storage.ratings import MAIN_FIELDS, RATING_FIELDS

    out = []
    for name in MAIN_FIELDS:
        pc = context.consensus(project_id, name)
        if pc is not None:
            out.append((RATING_FIELDS[name][1], pc.consensus, pc.spread, pc.disputed))
    return out


def consensus_text(context: ExportContext | None, project_id: str) -> str:
    """ "Impact 4 ±1; Data availability 3 ±0 ...": each consensus and its spread (max - min), "" if none."""
    rows = consensus_rows(context, project_id)
    return "; ".join(
        f"{label} {value} ±{spread}" + (" disputed" if disputed else "") for label, value, spread, disputed in rows
    )


def consensus_short(context: ExportContext | None, project_id: str) -> str:
    """For a table cell: the consensus on impact and how many of the four numbers are disputed."""
    rows = consensus_rows(context, project_id)
    if not rows:
        return ""
    impact = next((f"impact {v} ±{sp}" for label, v, sp, _ in rows if label == "Impact"), "")
    disputed = [label.lower() for label, _, _, d in rows if d]
    tail = f"disputed: {', '.join(disputed)}" if disputed else "agreed"
    return f"{impact}; {tail}" if impact else tail


def extra_columns(context: ExportContext | None) -> tuple[str, ...]:
    """The columns the context adds to a ranked table, in order."""
    if context is None:
        return ()
    out: list[str] = []
    if context.agreement is not None:
        out.append("consensus")
    if context.uncertainty is not None:
        out.append(f"p(top {context.uncertainty.top_k})")
    if context.plan is not None:
        out.append("in plan")
    return tuple(out)


def extra_cells(context: ExportContext | None, project_id: str, *, compact: bool = False) -> tuple[str, ...]:
    """The cells of `extra_columns` for one project, as plain text; `compact` for a table meant to be read
    (the consensus on impact and what is disputed, rather than all four numbers)."""
    if context is None:
        return ()
    out: list[str] = []
    if context.agreement is not None:
        text = consensus_short(context, project_id) if compact else consensus_text(context, project_id)
        out.append(text or "-")
    if context.uncertainty is not None:
        odds = context.odds(project_id)
        out.append(f"{odds.p_top_k:.2f}" if odds is not None else "-")
    if context.plan is not None:
        out.append("yes" if context.in_plan(project_id) else "no")
    return tuple(out)


def plan_lines(context: ExportContext | None) -> list[str]:
    """The plan in a few plain sentences (empty without a plan)."""
    if context is None or context.plan is None:
        return []
    p = context.plan
    head = f"Plan within {p.budget:g} weeks ({p.scorer}): {', '.join(p.chosen) or 'nothing fits'}"
    lines = [f"{head}; total score {p.total_score:.2f}, {p.total_weeks:g} weeks."]
    lines += [f"Next best, left out: {n.id} (score {n.score:.2f}, {n.weeks:g} weeks): {n.needs}." for n in p.next]
    if p.no_effort:
        lines.append(f"Without an effort (not planned): {', '.join(p.no_effort)}.")
    return lines


def inactive_note(context: ExportContext, ranked: Sequence[Ranked]) -> str:
    """What the export did with killed and on-hold projects, in a sentence ("" when there are none)."""
    if context.exclude_inactive:
        n = len(context.left_out)
        return f"{n} killed or on-hold project(s) left out: {', '.join(context.left_out)}." if n else ""
    n = sum(1 for r in ranked if r.project.status != "active")
    return f"{n} killed or on-hold project(s) listed and marked." if n else ""
