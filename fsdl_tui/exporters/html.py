"""The `html` exporter: a report to send after the meeting, as one self-contained page (no scripts, no
external files): who ranked it with which scorer and when, the impact-vs-feasibility 2x2 of Full Stack Deep
Learning 2022 (lecture 1) as a large inline SVG with a legend, the ranked table, and each project's one-pager
(the score's explanation, the answers to the framework's questions, the history). It prints well: each
one-pager starts a page, and the colours carry words beside them.

Every piece of text from the portfolio goes through `html.escape`, and the page forbids scripts with a
Content-Security-Policy, so a project titled `<script>...</script>` shows as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from .. import __version__, present
from ..domain import framework as fw
from ..domain.model import Check, Portfolio, Project
from ..scoring.base import Ranked
from .base import Exporter
from .context import ExportContext, consensus_rows, extra_cells, extra_columns, inactive_note, plan_lines

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;color:#222;max-width:72rem;line-height:1.4}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.q-high-priority{color:#1a7f37}.q-moonshot{color:#8250df}.q-quick-win{color:#9a6700}.q-avoid{color:#cf222e}
.byline{color:#555}.status-killed{color:#cf222e;font-weight:bold}.status-on-hold{color:#9a6700;font-weight:bold}
tr.inactive td{color:#777}
figure{margin:1rem 0}figure svg{width:100%;max-width:720px;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;font-size:.9rem;padding:0;list-style:none}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.3rem;vertical-align:middle}
section.project{border-top:2px solid #333;margin-top:2rem;padding-top:.5rem}
dl{margin:.3rem 0}h5{margin:.8rem 0 .2rem;font-size:.95rem}dt{color:#555;margin-top:.4rem}dd{margin:0 0 0 1.2rem}
.unanswered{color:#9a6700}
ul.checks{list-style:none;padding-left:0;margin:.2rem 0}ul.checks li{margin:.1rem 0}
.done{color:#1a7f37;font-weight:bold}.open{color:#9a6700;font-weight:bold}
footer{color:#666;font-size:.85rem;margin-top:2rem}
.wide{overflow-x:auto}
@page{margin:12mm}
@media print{
 body{margin:0;max-width:none;font-size:10pt}
 a{color:inherit;text-decoration:none}
 figure,tr,.legend{break-inside:avoid}
 section.project{break-before:page;border-top:none;margin-top:0;padding-top:0;font-size:8pt;line-height:1.2}
 section.project dl{columns:2;column-gap:1.5rem}
 section.project dt{margin-top:.15rem;break-after:avoid}
 section.project dd{break-before:avoid}
 section.project h3{font-size:1.3em}
 section.project h4{font-size:1.1em;margin:.5rem 0 .2rem}
 section.project h5{font-size:1em;margin:.4rem 0 .1rem}
 section.project table{margin:.3rem 0}
 section.project th,section.project td{padding:.1rem .3rem}
 figure svg{max-width:12.5cm}
 h2{break-after:avoid}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

QUADRANT_COLOURS = {"high-priority": "#1a7f37", "moonshot": "#8250df", "quick-win": "#9a6700", "avoid": "#cf222e"}
DOT = 11  # a dot's radius in the SVG


def e(value: Any) -> str:
    """User text for HTML: control characters shown as escapes (XML forbids them), then HTML-escaped."""
    return escape(present.plain(value), quote=True)


def _axis(low: float, high: float, threshold: float) -> tuple[Callable[[float], float], float]:
    """Map a 1-5 value into [low, high] (pixels, growing with the value) so that a dot at 1 or 5 stays inside
    the frame and a dot on the threshold sits inside its (high) quadrant, never on the line."""
    inset = DOT + 3
    a, b = low + inset, high - inset

    def pos(v: float) -> float:
        return a + (min(max(v, 1.0), 5.0) - 1) / 4 * (b - a)

    line = pos(threshold)  # on the same scale as the dots and the ticks

    def place(v: float) -> float:
        p = pos(v)
        if v >= threshold:
            return max(p, min(line + DOT + 2, b))
        return min(p, max(line - DOT - 2, a))

    return place, line


def svg_2x2(ranked: Sequence[Ranked], portfolio: Portfolio, size: int = 720) -> str:
    """The 2x2: feasibility (low cost) on x, impact on y, both 1-5; each scored project a numbered dot.
    A killed or on-hold project is a hollow dot. The frame holds every dot; ticks show 1 to 5."""
    pad = 56
    lo, hi = pad, size - pad
    s = portfolio.settings
    fx, tx = _axis(lo, hi, s.feasibility_threshold)
    fy_up, ty_up = _axis(lo, hi, s.impact_threshold)

    def x(v: float) -> float:
        return fx(v)

    def y(v: float) -> float:
        return size - fy_up(v)  # up is more impact

    ty = size - ty_up
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
            f'role="img" aria-label="Impact versus feasibility">'
        ),
        f'<rect x="{lo}" y="{lo}" width="{hi - lo}" height="{hi - lo}" fill="#fafafa" stroke="#666"/>',
        f'<line x1="{tx:.1f}" y1="{lo}" x2="{tx:.1f}" y2="{hi}" stroke="#999" stroke-dasharray="5"/>',
        f'<line x1="{lo}" y1="{ty:.1f}" x2="{hi}" y2="{ty:.1f}" stroke="#999" stroke-dasharray="5"/>',
        (
            f'<text x="{size / 2}" y="{size - 12}" text-anchor="middle" font-size="15">'
            "feasibility (low cost) &#8594;</text>"
        ),
        (
            f'<text x="18" y="{size / 2}" text-anchor="middle" font-size="15" '
            f'transform="rotate(-90 18 {size / 2})">impact &#8594;</text>'
        ),
    ]
    tick = _axis(lo, hi, 6)[0]  # no threshold within 1-5: the plain scale
    for v in range(1, 6):  # ticks: where 1..5 fall (the dots use the same scale, inset from the frame)
        px, py = tick(v), size - tick(v)
        parts.append(f'<text x="{px:.1f}" y="{hi + 18}" text-anchor="middle" font-size="12" fill="#555">{v}</text>')
        parts.append(f'<text x="{lo - 10}" y="{py + 4:.1f}" text-anchor="end" font-size="12" fill="#555">{v}</text>')
    corners = {
        "high-priority": (hi - 8, lo - 10, "end"),
        "moonshot": (lo + 8, lo - 10, "start"),
        "quick-win": (hi - 8, hi + 36, "end"),
        "avoid": (lo + 8, hi + 36, "start"),
    }
    for q in fw.QUADRANTS:
        cx, cy, anchor = corners[q.id]
        parts.append(
            f'<text x="{cx}" y="{cy}" text-anchor="{anchor}" font-size="14" font-weight="bold" '
            f'fill="{QUADRANT_COLOURS[q.id]}">{e(q.label)}</text>'
        )
    for r in ranked:
        if r.impact is None or r.feasibility is None:
            continue
        colour = QUADRANT_COLOURS.get(r.quadrant or "", "#555")
        label = e(present.rank(r.rank))
        px, py = x(r.feasibility), y(r.impact)
        active = r.project.status == "active"
        fill = f'fill="{colour}" fill-opacity="0.85"' if active else f'fill="#fff" stroke="{colour}" stroke-width="2"'
        text_fill = "#fff" if active else colour
        status = "" if active else f", {e(r.project.status)}"
        parts.append(
            f"<g><title>{e(r.project.title)} ({e(r.project.id)}): impact {present.num(r.impact)}, "
            f"feasibility {present.num(r.feasibility)}{status}</title>"
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{DOT}" {fill}/>'
            f'<text x="{px:.1f}" y="{py + 4:.1f}" text-anchor="middle" font-size="11" '
            f'fill="{text_fill}">{label}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(portfolio: Portfolio) -> str:
    s = portfolio.settings
    items = [
        f'<li><span class="swatch" style="background:{QUADRANT_COLOURS[q.id]}"></span>'
        f'<span class="q-{q.id}">{e(q.label)}</span>: {e(q.question)}</li>'
        for q in fw.QUADRANTS
    ]
    items.append(
        '<li><span class="swatch" style="border:2px solid #555;background:#fff"></span>hollow: killed or on hold</li>'
    )
    items.append(
        f"<li>Dashed lines: impact {present.num(s.impact_threshold)} and feasibility "
        f"{present.num(s.feasibility_threshold)}; a project on a line counts as high and is drawn on that side. "
        "Numbers in the dots are ranks.</li>"
    )
    return '<ul class="legend">' + "".join(items) + "</ul>"


def _status_cell(p: Project, *, reason: bool = True) -> str:
    """The status, marked when not active; with its reason (the one-pager) or without (the table)."""
    if p.status == "active":
        return "active"
    why = f": {e(p.lifecycle.status_reason)}" if reason and p.lifecycle.status_reason else ""
    return f'<span class="status-{e(p.status)}">{e(p.status)}</span>{why}'


def _table(ranked: Sequence[Ranked], context: ExportContext | None) -> str:
    names = ("#", "id", "title", "status", "score", "impact", "feas.", "quadrant", "stage", "owner")
    head = "".join(f"<th>{e(h)}</th>" for h in (*names, *extra_columns(context)))
    rows = []
    for r in ranked:
        p = r.project
        score = present.num(r.score.value) if r.score.value is not None else f"- ({e(r.score.reason)})"
        extra = "".join(f"<td>{e(c)}</td>" for c in extra_cells(context, p.id, compact=True))
        cls = "" if p.status == "active" else ' class="inactive"'
        rows.append(
            f'<tr{cls}><td class=n>{e(present.rank(r.rank))}</td><td><a href="#p-{e(p.id)}">{e(p.id)}</a></td>'
            f"<td>{e(p.title)}</td><td>{_status_cell(p, reason=False)}</td>"
            f"<td class=n>{score}</td><td class=n>{present.num(r.impact)}</td><td class=n>{present.num(r.feasibility)}</td>"
            f'<td class="q-{e(r.quadrant or "none")}">{e(r.quadrant or "-")}</td><td>{e(p.stage)}</td>'
            f"<td>{e(p.owner)}</td>{extra}</tr>"
        )
    body = "\n".join(rows)
    return f'<div class="wide"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def _qa(question: str, answer: str | None) -> str:
    shown = e(answer) if answer else '<span class="unanswered">unanswered</span>'
    return f"<dt>{e(question)}</dt><dd>{shown}</dd>"


def _checklist(items: list[tuple[str, Check | None]]) -> str:
    """A checklist, one line per item: done or open (in words, so it prints), the question, the note."""
    lines = []
    for question, c in items:
        done = c is not None and c.done
        mark = '<span class="done">done</span>' if done else '<span class="open">open</span>'
        note = f" &#8212; {e(c.note)}" if c is not None and c.note else ""
        lines.append(f"<li>{mark} {e(question)}{note}</li>")
    return '<ul class="checks">' + "".join(lines) + "</ul>"


def _one_pager(r: Ranked, context: ExportContext | None) -> str:
    """One project on one printed page: header, score explanation, the framework's questions, history."""
    p = r.project
    out = [
        f'<section class="project" id="p-{e(p.id)}">',
        f"<h3>{e(present.rank(r.rank))}. {e(p.title)} <small>({e(p.id)})</small></h3>",
    ]
    quadrant = fw.QUADRANT_BY_ID[r.quadrant].label if r.quadrant else "unscored"
    out.append(
        f"<p>Stage {e(p.stage)} &middot; status {_status_cell(p)} &middot; owner {e(p.owner or '-')} &middot; "
        f"impact {present.num(r.impact)} &middot; feasibility {present.num(r.feasibility)} &middot; "
        f'<span class="q-{e(r.quadrant or "none")}">{e(quadrant)}</span></p>'
    )
    if p.summary:
        out.append(f"<p><em>{e(p.summary.strip())}</em></p>")
    # Why this score
    s = r.score
    label = context.scorer_name if context is not None else "the scorer"
    if s.value is None:
        out.append(f"<p>Not scorable by {e(label)}: {e(s.reason)}</p>")
    else:
        out.append(f"<h4>Score {present.num(s.value)} ({e(label)})</h4>")
        if s.terms:
            out.append(
                "<table><thead><tr><th>term</th><th>value</th><th>weight</th><th>adds</th><th>why</th></tr></thead><tbody>"
            )
            for t in s.terms:
                out.append(
                    f"<tr><td>{e(t.name)}</td><td class=n>{t.value:.2f}</td><td class=n>{t.weight:+.2f}</td>"
                    f"<td class=n>{t.contribution:+.2f}</td><td>{e(t.detail)}</td></tr>"
                )
            out.append("</tbody></table>")
    odds = context.odds(p.id) if context is not None else None
    if odds is not None and context is not None and context.uncertainty is not None:
        lo, hi = odds.rank_interval
        out.append(
            f"<p>Chance of a top-{context.uncertainty.top_k} place: {odds.p_top_k:.2f}; 90% of draws rank it "
            f"{lo}{'' if lo == hi else f' to {hi}'}.</p>"
        )
    rows = consensus_rows(context, p.id)
    if rows:
        cells = "; ".join(f"{e(lbl)} {v} (spread {sp}{', disputed' if d else ''})" for lbl, v, sp, d in rows)
        out.append(f"<p>Raters' consensus: {cells}.</p>")
    # History
    out.append("<h4>History</h4>")
    if not p.lifecycle.history:
        out.append("<p>No moves yet.</p>")
    else:
        out.append("<ul>")
        for mv in p.lifecycle.history:
            what = f"status {mv.status}" if mv.status else f"{mv.from_stage} &#8594; {mv.to_stage}"
            if mv.is_backward:
                what += " (back)"
            note = f": {e(mv.note)}" if mv.note else ""
            out.append(f"<li>{e(present.iso(mv.date))} {what}{note}</li>")
        out.append("</ul>")
    # The framework's questions
    out.append("<h4>The framework's questions</h4>")
    out.append("<h5>Archetype and its key questions</h5><dl>")
    arch = fw.ARCHETYPE_BY_ID.get(p.archetype or "")
    if arch is None:
        out.append(_qa("Archetype", None))
    else:
        out.append(_qa("Archetype", f"{arch.label} ({arch.on_2x2})"))
        out += [_qa(q.question, p.questions.get(q.id)) for q in arch.questions]
    out.append("</dl><h5>Impact</h5>")
    scores = [("Overall: how much value if it works?", p.impact.overall)]
    scores += [(lens.question, p.impact.lens(lens.id)) for lens in fw.IMPACT_LENSES]
    lines = [
        f"<li><b>{e(present.score(v)) if v is not None else '<span class=unanswered>-</span>'}</b> {e(q)}</li>"
        for q, v in scores
    ]
    out.append('<ul class="checks">' + "".join(lines) + "</ul><dl>")
    if p.impact.rationale:
        out.append(_qa("Why this impact?", p.impact.rationale))
    out.append("</dl><h5>Cost drivers (most important first)</h5><dl>")
    for d in fw.COST_DRIVERS:
        v = p.cost.driver(d.id)
        note = p.cost.note(d.id)
        answer = f"{v} (1 {d.low} .. 5 {d.high})" + (f": {note}" if note else "") if v is not None else None
        out.append(_qa(d.label, answer))
    flags = {x.id: x.label for x in fw.DIFFICULTY_FLAGS}
    out.append(_qa("What is still hard?", ", ".join(flags.get(f, f) for f in p.cost.flags) or "none"))
    out.append("</dl><h5>Gate: ready / need / ethics</h5>")
    out.append(_checklist([(f"{g.label}: {g.question}", p.gate.get(g.id)) for g in fw.GATE_ITEMS]))
    out.append("<h5>Feasibility assessment, steps A-G</h5>")
    out.append(_checklist([(f"{st.label} {st.question}", p.feasibility.get(st.id)) for st in fw.FEASIBILITY_STEPS]))
    out.append("<dl>")
    m = p.metrics
    if m.optimizing:
        target = f" (target {present.short_num(m.target)})" if m.target is not None else ""
        out.append("</dl><h5>Metrics</h5><dl>")
        out.append(_qa(fw.METRIC_QUESTIONS[0], m.optimizing + target))
    # the fields plugins declare, for the plugins that keep values for this project
    declared = [
        f for f in (context.plugin_fields if context is not None else ()) if f.table.split(".", 1)[1] in p.plugins
    ]
    if declared:
        out.append("</dl><h5>Plugin fields</h5><dl>")
    for f in declared:
        plugin = f.table.split(".", 1)[1]
        value = p.plugins.get(plugin, {}).get(f.key)
        out.append(_qa(f"{f.label} ({plugin})", None if value is None else present.plain(value)))
    out.append("</dl>")
    out.append("</section>")
    return "\n".join(out)


class HtmlExporter(Exporter):
    name = "html"
    label = "HTML report"
    extension = "html"
    description = (
        "A self-contained report to send after the meeting: the scorer and date, a large 2x2 with a legend, "
        "the ranked table and a one-pager per project; prints one project per page."
    )

    def export(
        self,
        portfolio: Portfolio,
        ranked: Sequence[Ranked],
        settings: Mapping[str, Any],
        context: ExportContext | None = None,
    ) -> str:
        byline = ""
        if context is not None:
            byline = f'<p class="byline">{e(context.byline)}. {e(inactive_note(context, ranked))}</p>'
            if context.raters:
                byline += f'<p class="byline">Raters: {e(", ".join(context.raters))}.</p>'
            byline += "".join(f'<p class="byline">{e(n)}</p>' for n in context.notes)
        plan = plan_lines(context)
        plan_html = ("<h2>Plan</h2>\n<ul>" + "".join(f"<li>{e(x)}</li>" for x in plan) + "</ul>") if plan else ""
        pagers = "\n".join(_one_pager(r, context) for r in ranked)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(portfolio.name)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{e(portfolio.name)}</h1>
<p>{e(portfolio.description)}</p>
{byline}
<h2>Impact vs feasibility</h2>
<figure>
{svg_2x2(ranked, portfolio)}
<figcaption>{_legend(portfolio)}</figcaption>
</figure>
<h2>Ranking</h2>
{_table(ranked, context)}
{plan_html}
<h2>Projects</h2>
{pagers}
<footer>Exported by fsdl-tui {e(__version__)}. {e(fw.CREDIT)}</footer>
</body>
</html>
"""
