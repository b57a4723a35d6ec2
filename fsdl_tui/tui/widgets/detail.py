"""The detail pane: the highlighted project, its score explanation, and the framework's questions beside
its answers (FSDL 2022 lecture 1)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...domain import framework as fw
from ...domain.model import Check, Project
from ...scoring.base import Ranked
from ..view import num


def _qa(title: str) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", show_header=False, box=None,
              expand=True, padding=(0, 1))  # fmt: skip
    t.add_column("question", ratio=3, style="dim")
    t.add_column("answer", ratio=2)
    return t


def _score_text(v: int | None) -> Text:
    return Text("–", style="dim") if v is None else Text(f"{v}/5", style="bold")


def _check(c: Check) -> Text:
    mark = Text("✔ ", style="green") if c.done else Text("✘ ", style="red")
    return mark + Text(c.note or ("done" if c.done else "open"))


def score_table(r: Ranked, scorer_label: str) -> RenderableType:
    s = r.score
    if s.value is None:
        why = "scorer error: " if s.error else "not scorable: "
        return Text(f"Score ({scorer_label}): {why}{s.reason}", style="yellow")
    t = Table(title=f"Score {s.value:.2f} ({scorer_label})", title_justify="left", title_style="bold",
              box=None, expand=True, padding=(0, 1))  # fmt: skip
    for col, justify in (("term", "left"), ("value", "right"), ("× weight", "right"), ("= adds", "right")):
        t.add_column(col, justify=justify)  # type: ignore[arg-type]
    t.add_column("from", style="dim", ratio=1)
    for term in s.terms:
        t.add_row(term.name, f"{term.value:.2f}", f"{term.weight:+.2f}", f"{term.contribution:+.2f}", term.detail)
    return t


def project_renderable(r: Ranked, scorer_label: str) -> RenderableType:
    p: Project = r.project
    head = Text.assemble(
        (p.title, "bold"), "  ", (p.id, "dim"), "\n",
        f"stage {p.stage} · {p.status}", (f" ({p.lifecycle.status_reason})" if p.lifecycle.status_reason else ""),
        f" · owner {p.owner or '–'} · tags {', '.join(p.tags) or '–'}\n",
        f"impact {num(r.impact)} · feasibility {num(r.feasibility)} · ",
        (fw.QUADRANT_BY_ID[r.quadrant].label if r.quadrant else "unscored", "bold"),
    )  # fmt: skip
    parts: list[RenderableType] = [head]
    if p.summary:
        parts.append(Text(p.summary.strip(), style="italic"))
    parts.append(score_table(r, scorer_label))
    arch = fw.ARCHETYPE_BY_ID.get(p.archetype or "")
    t = _qa(f"Archetype: {arch.label} ({arch.on_2x2})" if arch else "Archetype: not set")
    if arch:
        for q in arch.questions:
            t.add_row(q.question, p.questions.get(q.id) or Text("unanswered", style="yellow"))
        t.add_row("Lever", arch.lever)
    parts.append(t)
    t = _qa("Impact")
    t.add_row("Overall: how much value if it works?", _score_text(p.impact.overall))
    for lens in fw.IMPACT_LENSES:
        t.add_row(lens.question, _score_text(p.impact.lens(lens.id)))
    if p.impact.rationale:
        t.add_row("Why", p.impact.rationale)
    parts.append(t)
    t = _qa("Cost drivers (lecture's order of importance)")
    for d in fw.COST_DRIVERS:
        v = p.cost.driver(d.id)
        answer = _score_text(v) + Text(f"  (1 {d.low} .. 5 {d.high})", style="dim")
        if p.cost.note(d.id):
            answer += Text("\n" + p.cost.note(d.id))
        t.add_row(Text(d.label, style="bold") + Text("\n" + "\n".join(d.considerations), style="dim"), answer)
    flags = {f.id: f for f in fw.DIFFICULTY_FLAGS}
    t.add_row("Still hard (difficulty flags)", ", ".join(flags[f].label if f in flags else f for f in p.cost.flags) or "none")
    parts.append(t)
    t = _qa("Gate: ready / need / ethics")
    for g in fw.GATE_ITEMS:
        t.add_row(g.question, _check(p.gate.get(g.id, Check())))
    parts.append(t)
    t = _qa("Feasibility assessment A-G")
    for step in fw.FEASIBILITY_STEPS:
        t.add_row(f"{step.label} {step.question}", _check(p.feasibility.get(step.id, Check())))
    parts.append(t)
    m = p.metrics
    t = _qa("Metrics and baselines")
    t.add_row(fw.METRIC_QUESTIONS[0], f"{m.optimizing or '–'}" + (f" (target {m.target:g})" if m.target is not None else ""))
    t.add_row(fw.METRIC_QUESTIONS[1], "; ".join(f"{s.metric} {'≤' if s.direction == 'max' else '≥'} {s.threshold:g}"
                                               for s in m.satisficing) or "–")  # fmt: skip
    t.add_row(fw.METRIC_QUESTIONS[2], "; ".join(f"{b.kind}: {b.name}" + (f" {b.value:g}" if b.value is not None else "")
                                               for b in m.baselines) or "–")  # fmt: skip
    parts.append(t)
    return Group(*parts)


class ProjectDetail(VerticalScroll):
    """Scrollable detail of one project; `show(None)` for an empty table."""

    can_focus = True

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("", id="detail-body")

    def show(self, r: Ranked | None, scorer_label: str) -> None:
        body = self.query_one("#detail-body", Static)
        if r is None:
            body.update(Text("No project here. Add one with 'a', or clear the filter.", style="dim"))
        else:
            body.update(project_renderable(r, scorer_label))
