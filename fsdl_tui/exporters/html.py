"""The `html` exporter: one self-contained page (no scripts, no external files) with the ranked table and
the impact-vs-feasibility 2x2 of Full Stack Deep Learning 2022 (lecture 1) as an inline SVG.

Every piece of text from the portfolio goes through `html.escape`, and the page forbids scripts with a
Content-Security-Policy, so a project titled `<script>...</script>` shows as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .. import __version__, present
from ..domain import framework as fw
from ..domain.model import Portfolio
from ..scoring.base import Ranked
from .base import Exporter

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.q-high-priority{color:#1a7f37}.q-moonshot{color:#8250df}.q-quick-win{color:#9a6700}.q-avoid{color:#cf222e}
footer{color:#666;font-size:.85rem}
"""

QUADRANT_COLOURS = {"high-priority": "#1a7f37", "moonshot": "#8250df", "quick-win": "#9a6700", "avoid": "#cf222e"}


def e(value: Any) -> str:
    """User text for HTML: control characters shown as escapes (XML forbids them), then HTML-escaped."""
    return escape(present.plain(value), quote=True)


def svg_2x2(ranked: Sequence[Ranked], portfolio: Portfolio, size: int = 480) -> str:
    """The 2x2: feasibility (low cost) on x, impact on y, both 1-5; each scored project a numbered dot."""
    pad = 40
    span = size - 2 * pad

    def x(v: float) -> float:
        return pad + (min(max(v, 1.0), 5.0) - 1) / 4 * span

    def y(v: float) -> float:
        return size - pad - (min(max(v, 1.0), 5.0) - 1) / 4 * span

    s = portfolio.settings
    tx, ty = x(s.feasibility_threshold), y(s.impact_threshold)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
            f'role="img" aria-label="Impact versus feasibility">'
        ),
        f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" fill="#fafafa" stroke="#999"/>',
        f'<line x1="{tx:.1f}" y1="{pad}" x2="{tx:.1f}" y2="{size - pad}" stroke="#bbb" stroke-dasharray="4"/>',
        f'<line x1="{pad}" y1="{ty:.1f}" x2="{size - pad}" y2="{ty:.1f}" stroke="#bbb" stroke-dasharray="4"/>',
        (
            f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle" font-size="13">'
            "feasibility (low cost) &#8594;</text>"
        ),
        (
            f'<text x="14" y="{size / 2}" text-anchor="middle" font-size="13" '
            f'transform="rotate(-90 14 {size / 2})">impact &#8594;</text>'
        ),
    ]
    corners = {
        "high-priority": (size - pad - 6, pad + 16, "end"),
        "moonshot": (pad + 6, pad + 16, "start"),
        "quick-win": (size - pad - 6, size - pad - 8, "end"),
        "avoid": (pad + 6, size - pad - 8, "start"),
    }
    for q in fw.QUADRANTS:
        cx, cy, anchor = corners[q.id]
        parts.append(
            f'<text x="{cx}" y="{cy}" text-anchor="{anchor}" font-size="12" fill="{QUADRANT_COLOURS[q.id]}">'
            f"{e(q.label)}</text>"
        )
    for r in ranked:
        if r.impact is None or r.feasibility is None:
            continue
        colour = QUADRANT_COLOURS.get(r.quadrant or "", "#555")
        label = e(present.rank(r.rank))
        parts.append(
            f"<g><title>{e(r.project.title)} ({e(r.project.id)}): impact {present.num(r.impact)}, "
            f"feasibility {present.num(r.feasibility)}</title>"
            f'<circle cx="{x(r.feasibility):.1f}" cy="{y(r.impact):.1f}" r="9" fill="{colour}" fill-opacity="0.8"/>'
            f'<text x="{x(r.feasibility):.1f}" y="{y(r.impact) + 4:.1f}" text-anchor="middle" font-size="10" '
            f'fill="#fff">{label}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


class HtmlExporter(Exporter):
    name = "html"
    label = "HTML page"
    extension = "html"
    description = "One self-contained page: the ranked table and the impact vs feasibility 2x2 as an inline SVG."

    def export(self, portfolio: Portfolio, ranked: Sequence[Ranked], settings: Mapping[str, Any]) -> str:
        rows = []
        for r in ranked:
            p = r.project
            score = present.num(r.score.value) if r.score.value is not None else f"- ({e(r.score.reason)})"
            rows.append(
                f"<tr><td class=n>{e(present.rank(r.rank))}</td><td>{e(p.id)}</td><td>{e(p.title)}</td>"
                f"<td class=n>{score}</td><td class=n>{present.num(r.impact)}</td><td class=n>{present.num(r.feasibility)}</td>"
                f'<td class="q-{e(r.quadrant or "none")}">{e(r.quadrant or "-")}</td><td>{e(p.stage)}</td>'
                f"<td>{e(p.status)}</td><td>{e(p.owner)}</td></tr>"
            )
        head = "".join(
            f"<th>{h}</th>"
            for h in ("#", "id", "title", "score", "impact", "feasibility", "quadrant", "stage", "status", "owner")
        )
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
<h2>Impact vs feasibility</h2>
{svg_2x2(ranked, portfolio)}
<h2>Ranking</h2>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<footer>Exported by fsdl-tui {e(__version__)}. {e(fw.CREDIT)}</footer>
</body>
</html>
"""
