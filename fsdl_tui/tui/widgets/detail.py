"""The detail pane: the highlighted project, its score explanation, and the framework's questions beside
its answers (FSDL 2022 lecture 1)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...domain import framework as fw
from ...domain.model import Check, Project
from ...scoring.base import Ranked
from ..view import num


def _section(out: Text, title: str) -> None:
    out.append("\n" + title + "\n", style="bold underline")


def _qa(out: Text, question: str, answer: str | Text) -> None:
    """The framework's question, then the project's answer under it."""
    out.append(question + "\n", style="dim")
    out.append("  ")
    out.append_text(answer if isinstance(answer, Text) else Text(answer))
    out.append("\n")


def _score_text(v: int | None) -> Text:
    return Text("–", style="dim") if v is None else Text(f"{v}/5", style="bold")


def _check(c: Check) -> Text:
    mark = Text("✔ ", style="green") if c.done else Text("✘ ", style="red")
    return mark + Text(c.note or ("done" if c.done else "open"))


def score_text(out: Text, r: Ranked, scorer_label: str) -> None:
    s = r.score
    if s.value is None:
        why = "scorer error: " if s.error else "not scorable: "
        out.append(f"\nScore ({scorer_label}): {why}{s.reason}\n", style="yellow")
        return
    _section(out, f"Score {s.value:.2f} ({scorer_label})")
    out.append(f"{'term':<22}{'value':>6}{'×weight':>8}{'=adds':>7}\n", style="dim")
    for term in s.terms:
        out.append(f"{term.name[:22]:<22}{term.value:>6.2f}{term.weight:>+8.2f}{term.contribution:>+7.2f}\n")
        if term.detail:
            out.append(f"  {term.detail}\n", style="dim")


def project_renderable(r: Ranked, scorer_label: str) -> Text:
    """The project's detail as one Text (cheap to lay out, so moving the cursor stays fast)."""
    p: Project = r.project
    out = Text.assemble(
        (p.title, "bold"),
        "  ",
        (p.id, "dim"),
        "\n",
        f"stage {p.stage} · {p.status}",
        (f" ({p.lifecycle.status_reason})" if p.lifecycle.status_reason else ""),
        f" · owner {p.owner or '–'} · tags {', '.join(p.tags) or '–'}\n",
        f"impact {num(r.impact)} · feasibility {num(r.feasibility)} · ",
        (fw.QUADRANT_BY_ID[r.quadrant].label if r.quadrant else "unscored", "bold"),
        "\n",
    )
    if p.summary:
        out.append(p.summary.strip() + "\n", style="italic")
    score_text(out, r, scorer_label)
    arch = fw.ARCHETYPE_BY_ID.get(p.archetype or "")
    _section(out, f"Archetype: {arch.label} ({arch.on_2x2})" if arch else "Archetype: not set")
    if arch:
        for q in arch.questions:
            _qa(out, q.question, p.questions.get(q.id) or Text("unanswered", style="yellow"))
        _qa(out, "Lever", arch.lever)
    _section(out, "Impact")
    _qa(out, "Overall: how much value if it works?", _score_text(p.impact.overall))
    for lens in fw.IMPACT_LENSES:
        _qa(out, lens.question, _score_text(p.impact.lens(lens.id)))
    if p.impact.rationale:
        _qa(out, "Why this impact?", p.impact.rationale)
    _section(out, "Cost drivers (the lecture's order of importance)")
    for d in fw.COST_DRIVERS:
        answer = _score_text(p.cost.driver(d.id)) + Text(f"  (1 {d.low} .. 5 {d.high})", style="dim")
        if p.cost.note(d.id):
            answer += Text("  " + p.cost.note(d.id))
        out.append(d.label + "\n", style="bold")
        _qa(out, " ".join(d.considerations), answer)
    flags = {f.id: f for f in fw.DIFFICULTY_FLAGS}
    _qa(
        out,
        "What is still hard (difficulty flags)?",
        ", ".join(flags[f].label if f in flags else f for f in p.cost.flags) or "none",
    )
    _section(out, "Gate: ready / need / ethics")
    for g in fw.GATE_ITEMS:
        _qa(out, g.question, _check(p.gate.get(g.id, Check())))
    _section(out, "Feasibility assessment A-G")
    for step in fw.FEASIBILITY_STEPS:
        _qa(out, f"{step.label} {step.question}", _check(p.feasibility.get(step.id, Check())))
    m = p.metrics
    _section(out, "Metrics and baselines")
    _qa(
        out,
        fw.METRIC_QUESTIONS[0],
        f"{m.optimizing or '–'}" + (f" (target {m.target:g})" if m.target is not None else ""),
    )
    _qa(
        out,
        fw.METRIC_QUESTIONS[1],
        "; ".join(f"{s.metric} {'≤' if s.direction == 'max' else '≥'} {s.threshold:g}" for s in m.satisficing) or "–",
    )
    _qa(
        out,
        fw.METRIC_QUESTIONS[2],
        "; ".join(f"{b.kind}: {b.name}" + (f" {b.value:g}" if b.value is not None else "") for b in m.baselines) or "–",
    )
    return out


class ProjectDetail(ScrollView, can_focus=True):
    """Scrollable detail of one project; `show(None)` for an empty table.

    It wraps its text itself and paints only the lines on screen, so a new project never re-lays out the
    screen (moving the cursor through 1,000 projects stays fast)."""

    BINDINGS = [
        Binding("up", "scroll_up", "Up", id="detail.up", tooltip="Scroll the detail up", show=False),
        Binding("down", "scroll_down", "Down", id="detail.down", tooltip="Scroll the detail down", show=False),
        Binding("pageup", "page_up", "Page up", id="detail.page_up", tooltip="Scroll a page up", show=False),
        Binding("pagedown", "page_down", "Page down", id="detail.page_down", tooltip="Scroll a page down", show=False),
    ]

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.text = Text()
        self._lines: list[Strip] = []
        self._shown: tuple[object, str] | None = None

    def show(self, r: Ranked | None, scorer_label: str) -> None:
        if self._shown is not None and self._shown[0] is r and self._shown[1] == scorer_label:
            return  # the same ranked value (rankings are immutable): nothing to redo
        self._shown = (r, scorer_label)
        if r is None:
            self.text = Text("No project here. Add one with 'a', or clear the filter.", style="dim")
        else:
            self.text = project_renderable(r, scorer_label)
        self._wrap()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def _wrap(self) -> None:
        width = max(self.scrollable_content_region.width, 10)
        console = self.app.console
        lines = self.text.wrap(console, width)
        self._lines = [Strip(list(line.render(console, end="")), line.cell_len) for line in lines]
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].apply_style(base).crop_extend(0, width, base)
