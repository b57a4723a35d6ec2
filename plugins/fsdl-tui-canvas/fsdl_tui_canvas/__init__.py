"""An fsdl-tui exporter: each project as a Machine Learning Canvas (after Louis Dorard's ML Canvas), in Markdown.

The canvas boxes are filled from the project's FSDL fields (Full Stack Deep Learning 2022, lecture 1):
impact and its rationale, the cost drivers and their notes, the archetype's key questions, metrics and
baselines, the gate, and the lifecycle. Plugin settings, `[plugins.canvas]` in the portfolio:

    [plugins.canvas]
    include_killed = false   # leave out killed projects (default)
    only_ranked = false      # leave out projects the scorer could not score
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fsdl_tui import hookimpl
from fsdl_tui.domain import framework as fw
from fsdl_tui.exporters import Exporter

__version__ = "0.1.0"


def text(value: Any) -> str:
    """Portfolio text for Markdown: no raw HTML, one paragraph."""
    s = "" if value is None else str(value)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(s.split()) or "_(not filled in)_"


def _score(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def canvas(r: Any) -> list[str]:
    """The Markdown lines of one ranked project's canvas."""
    p = r.project
    arch = fw.ARCHETYPE_BY_ID.get(p.archetype or "")
    lines = [f"## {text(p.title)} ({text(p.id)})", ""]
    lines.append(
        f"Rank {r.rank or '-'}, score {_score(r.score.value)}, impact {_score(r.impact)}, feasibility "
        f"{_score(r.feasibility)}, quadrant {r.quadrant or '-'}; stage {p.stage} ({p.status})."
    )
    lines += ["", "### Value proposition", "", text(p.summary), ""]
    if p.impact.rationale:
        lines += [f"Why it matters: {text(p.impact.rationale)}", ""]
    for lens in fw.IMPACT_LENSES:
        v = p.impact.lens(lens.id)
        if v is not None:
            lines.append(f"- {lens.label}: {v}/5")
    lines += ["", "### Prediction task", ""]
    lines.append(f"Archetype: {arch.label} ({arch.description})" if arch else "Archetype: _(not chosen)_")
    if p.metrics.optimizing:
        target = "" if p.metrics.target is None else f", target {p.metrics.target:g}"
        lines.append(f"Optimizing metric: {text(p.metrics.optimizing)}{target}")
    lines += ["", "### Decisions (key questions)", ""]
    for q in arch.questions if arch else ():
        lines.append(f"- {q.question} {text(p.questions.get(q.id))}")
    lines += ["", "### Data sources and collection", ""]
    for d in fw.COST_DRIVERS:
        v = p.cost.driver(d.id)
        lines.append(f"- {d.label}: {'-' if v is None else f'{v}/5'} ({d.low} to {d.high}). {text(p.cost.note(d.id))}")
    if p.cost.flags:
        lines.append("- Difficulty flags: " + ", ".join(text(f) for f in p.cost.flags))
    lines += ["", "### Impact simulation (baselines)", ""]
    for b in p.metrics.baselines:
        lines.append(f"- {text(b.kind)}: {text(b.name)}" + ("" if b.value is None else f" = {b.value:g}"))
    if not p.metrics.baselines:
        lines.append("_(no baselines yet)_")
    lines += ["", "### Monitoring (satisficing thresholds)", ""]
    for t in p.metrics.satisficing:
        lines.append(f"- {text(t.metric)}: {'at most' if t.direction == 'max' else 'at least'} {t.threshold:g}")
    if not p.metrics.satisficing:
        lines.append("_(none set)_")
    open_items = p.open_gate_items()
    lines += ["", "### Open before starting", ""]
    lines += [f"- {item.question}" for item in open_items] or ["Gate passed."]
    lines += ["", "---", ""]
    return lines


class CanvasExporter(Exporter):
    name = "canvas"
    label = "ML Canvas (Markdown)"
    extension = "md"
    description = "Each project as a Machine Learning Canvas in Markdown, in ranked order."

    def __init__(self, include_killed: bool = False, only_ranked: bool = False) -> None:
        self.include_killed = include_killed
        self.only_ranked = only_ranked

    def export(self, portfolio: Any, ranked: Sequence[Any], settings: Mapping[str, Any]) -> str:
        lines = [f"# {text(portfolio.name)}: ML canvases", ""]
        for r in ranked:
            if r.project.status == "killed" and not self.include_killed:
                continue
            if r.rank is None and self.only_ranked:
                continue
            lines += canvas(r)
        lines.append(f"_{fw.CREDIT}_")
        return "\n".join(lines) + "\n"


@hookimpl
def register_exporters(settings: Mapping[str, Any]) -> list[Exporter]:
    flags = {}
    for key in ("include_killed", "only_ranked"):
        value = settings.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f"[plugins.canvas] {key} must be true or false, not {value!r}")
        flags[key] = value
    return [CanvasExporter(**flags)]
