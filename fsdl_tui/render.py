"""One project as a rich `Text`: the answers beside the framework's questions (FSDL 2022 lecture 1).

Shared by `fsdl-tui show FILE ID` and the app's detail pane. Every piece of user text goes in as plain `Text`
(through `present.plain`), never as markup, so a title such as `[/]` or an ANSI escape shows as written.
The fields and their questions come from the schema; a field added to the schema and not laid out below is
listed under "More fields".
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from . import present
from .domain import framework as fw
from .domain import schema as sc
from .domain.model import Check, Project
from .domain.reader import check_fields
from .scoring.base import Ranked

DASH = "–"

# Laid out by hand below (header, sections), or not shown in the pane (but in `full`, the CLI's view).
_LAID_OUT = frozenset(
    (
        "id",
        "title",
        "summary",
        "owner",
        "tags",
        "archetype",
        "questions",
        "lifecycle.stage",
        "lifecycle.status",
        "lifecycle.status_reason",
        "lifecycle.history",
        "links",
        "depends_on",
        "plugins",
        "metrics.optimizing",
        "metrics.target",
    )
)
_SECTIONS = {
    "impact": "Impact",
    "cost": "Cost drivers (the lecture's order of importance)",
    "gate": "Gate: ready / need / ethics",
    "feasibility": "Feasibility assessment A-G",
    "metrics": "Metrics and baselines",
}


def t(text: Any, style: str = "") -> Text:
    """User text as plain `Text`: never read as markup, control characters shown as escapes."""
    return Text(present.plain(text), style=style)


def _section(out: Text, title: str) -> None:
    out.append("\n" + title + "\n", style="bold underline")


def _qa(out: Text, question: str, answer: str | Text) -> None:
    """The framework's question, then the project's answer under it."""
    out.append(question + "\n", style="dim")
    out.append("  ")
    out.append_text(answer if isinstance(answer, Text) else t(answer))
    out.append("\n")


def _score_text(v: int | None) -> Text:
    return Text(DASH, style="dim") if v is None else Text(present.score(v), style="bold")


def _check(c: Check) -> Text:
    mark = Text("✔ ", style="green") if c.done else Text("✘ ", style="red")
    return mark + t(c.note or ("done" if c.done else "open"))


def score_text(out: Text, r: Ranked, scorer_label: str) -> None:
    s = r.score
    label = present.plain(scorer_label)
    if s.value is None:
        why = "scorer error: " if s.error else "not scorable: "
        out.append(f"\nScore ({label}): {why}{present.plain(s.reason)}\n", style="yellow")
        return
    _section(out, f"Score {present.num(s.value)} ({label})")
    out.append(f"{'term':<22}{'value':>6}{'×weight':>8}{'=adds':>7}\n", style="dim")
    for term in s.terms:
        name = present.plain(term.name)
        out.append(f"{name[:22]:<22}{term.value:>6.2f}{term.weight:>+8.2f}{term.contribution:>+7.2f}\n")
        if term.detail:
            out.append(f"  {present.plain(term.detail)}\n", style="dim")


def _value_text(f: sc.Field, value: Any) -> Text:
    """Any field's value, for a field the layout does not know."""
    if f.kind == "score":
        return _score_text(value)
    if present.is_empty(value):
        return Text(DASH, style="dim")
    if f.kind == "list":
        return t(", ".join(value))
    if f.kind == "number":
        return t(present.short_num(value))
    if f.kind == "range":
        return t(f"{value[0]}-{value[1]}")
    if f.kind == "checks":
        return t(", ".join(k for k, c in value.items() if c.done) or "none done")
    return t(value)


def _header(out: Text, r: Ranked) -> None:
    p = r.project
    out.append_text(
        Text.assemble(
            t(p.title, "bold"),
            "  ",
            t(p.id, "dim"),
            "\n",
            f"stage {p.stage} · {p.status}",
            t(f" ({p.lifecycle.status_reason})" if p.lifecycle.status_reason else ""),
            " · owner ",
            t(p.owner or DASH),
            " · tags ",
            t(", ".join(p.tags) or DASH),
            "\n",
            f"impact {present.num(r.impact, 1, DASH)} · feasibility {present.num(r.feasibility, 1, DASH)} · ",
            (fw.QUADRANT_BY_ID[r.quadrant].label if r.quadrant else "unscored", "bold"),
            "\n",
        )
    )
    if p.summary:
        out.append_text(t(p.summary.strip() + "\n", "italic"))


def _archetype(out: Text, p: Project) -> None:
    arch = fw.ARCHETYPE_BY_ID.get(p.archetype or "")
    _section(out, f"Archetype: {arch.label} ({arch.on_2x2})" if arch else "Archetype: not set")
    if arch:
        for q in arch.questions:
            _qa(out, q.question, p.questions.get(q.id) or Text("unanswered", style="yellow"))
        _qa(out, "Lever", arch.lever)


def _field(out: Text, p: Project, f: sc.Field, fields: dict[str, sc.Field]) -> bool:
    """Lay out one field of a section; False when the layout has nothing special for it."""
    value = sc.value_of(p, f)
    if f.table == "cost" and f.kind == "score":
        answer = _score_text(value) + Text(f"  (1 {f.scale[0]} .. 5 {f.scale[1]})", style="dim")
        note_field = fields.get(f.path + "_note")
        note = sc.value_of(p, note_field) if note_field else ""
        if note:
            answer += t("  " + note)
        out.append(f.label + "\n", style="bold")
        _qa(out, f.ask, answer)
    elif f.table == "cost" and f.path.endswith("_note") and f.path[: -len("_note")] in fields:
        pass  # beside its driver
    elif f.path == "cost.flags":
        labels = {x.id: x.label for x in f.items}
        _qa(out, f.ask, ", ".join(labels.get(x, x) for x in value) or "none")
    elif f.kind == "score":
        _qa(out, f.ask, _score_text(value))
    elif f.kind == "longtext" and f.table == "impact":
        if value:
            _qa(out, f.ask, value)
    elif f.kind == "checks":
        template = f.question or "{question}"
        for item in f.items:
            _qa(out, template.format(label=item.label, question=item.question), _check(value.get(item.id, Check())))
    elif f.kind == "satisficing":
        shown = "; ".join(
            f"{present.plain(s.metric)} {'≤' if s.direction == 'max' else '≥'} {present.short_num(s.threshold)}"
            for s in value
        )
        _qa(out, f.ask, shown or DASH)
    elif f.kind == "baselines":
        shown = "; ".join(
            f"{b.kind}: {present.plain(b.name)}" + (f" {present.short_num(b.value)}" if b.value is not None else "")
            for b in value
        )
        _qa(out, f.ask, shown or DASH)
    else:
        return False
    return True


def _metrics_head(out: Text, p: Project, fields: dict[str, sc.Field]) -> None:
    m = p.metrics
    target = f" (target {present.short_num(m.target)})" if m.target is not None else ""
    _qa(out, fields["metrics.optimizing"].ask, t((m.optimizing or DASH) + target))


def _full_tail(out: Text, p: Project) -> None:
    """What the CLI shows beyond the pane: lifecycle history, links, dependencies, the credit."""
    _section(out, "Lifecycle history")
    if not p.lifecycle.history:
        out.append("  no moves yet\n", style="dim")
    for mv in p.lifecycle.history:
        if mv.status:
            out.append(f"  {present.iso(mv.date)}  ")
            out.append(f"status {mv.status}", style="red" if mv.status == "killed" else "yellow")
            out.append(f" (in {mv.to_stage})")
            out.append_text(t(f": {mv.note}" if mv.note else ""))
            out.append("\n")
            continue
        out.append(f"  {present.iso(mv.date)}  {mv.from_stage} ")
        out.append("<- back" if mv.is_backward else "->", style="yellow" if mv.is_backward else "")
        out.append(f" {mv.to_stage}")
        out.append_text(t(f": {mv.note}" if mv.note else ""))
        out.append("\n")
    if p.links:
        out.append("\nlinks: ")
        out.append_text(t(", ".join(p.links)))
        out.append("\n")
    if p.depends_on:
        out.append("\ndepends on: ")
        out.append_text(t(", ".join(p.depends_on)))
        out.append("\n")
    out.append("\n" + fw.CREDIT + "\n", style="dim")


def _plugin_values(out: Text, p: Project, declared: tuple[sc.Field, ...], full: bool) -> None:
    """The plugins' own fields: each declared one (`PluginHost.fields()`) with its label, help and value, then
    (`full`) any other value a plugin keeps for the project, by its dotted path."""
    known = {f.path for f in declared}
    others = [
        (f"plugins.{name}.{key}", value)
        for name, values in p.plugins.items()
        for key, value in values.items()
        if full and f"plugins.{name}.{key}" not in known
    ]
    if not declared and not others:
        return
    _section(out, "Plugin fields")
    for f in declared:
        plugin = f.table.split(".", 1)[1]
        value = p.plugins.get(plugin, {}).get(f.key)
        ask = f"{f.label} ({plugin}): {f.help}" if f.help else f"{f.label} ({plugin})"
        problems = check_fields([f], p.plugins and {"plugins": p.plugins})
        if problems:  # shown as written, with what is wrong (never a crash on a hand-edited value)
            _qa(out, ask, t(present.plain(value)) + Text(f"  ({problems[0].message})", style="yellow"))
        else:
            _qa(out, ask, _value_text(f, value))
    for path, value in others:
        _qa(out, path, t(present.plain(value)))


def project_renderable(
    r: Ranked, scorer_label: str, *, full: bool = False, plugin_fields: tuple[sc.Field, ...] = ()
) -> Text:
    """The project's detail as one Text (cheap to lay out, so moving the cursor stays fast). `full` adds the
    lifecycle history, links, dependencies and the credit (the CLI's `show FILE ID`). `plugin_fields` are the
    fields plugins declare (`PluginHost.fields()`), listed with their labels under "Plugin fields"."""
    p: Project = r.project
    fields = sc.by_path(sc.PROJECT_FIELDS)
    out = Text()
    _header(out, r)
    score_text(out, r, scorer_label)
    _archetype(out, p)
    more: list[sc.Field] = []
    current = ""
    for f in sc.PROJECT_FIELDS:
        if f.path in _LAID_OUT:
            if f.path == "metrics.optimizing":
                if current != "metrics":
                    current = "metrics"
                    _section(out, _SECTIONS["metrics"])
                _metrics_head(out, p, fields)
            continue
        group = f.path.split(".", 1)[0]
        if group not in _SECTIONS:
            more.append(f)
            continue
        if group != current:
            current = group
            _section(out, _SECTIONS[group])
        if not _field(out, p, f, fields):
            _qa(out, f.ask, _value_text(f, sc.value_of(p, f)))
    if more:
        _section(out, "More fields")
        for f in more:
            _qa(out, f"{f.label}: {f.ask}" if f.ask != f.label else f.label, _value_text(f, sc.value_of(p, f)))
    _plugin_values(out, p, plugin_fields, full)
    if full:
        _full_tail(out, p)
    return out
