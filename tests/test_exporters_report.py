"""Exports fit for stakeholders: the scorer and the date, the status, inactive projects marked or left out,
the raters' consensus and spread, p(top k) and the plan, and the HTML report's 2x2, one-pagers and print CSS."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fsdl_tui.domain.lifecycle import change_status
from fsdl_tui.domain.model import Settings
from fsdl_tui.exporters.context import ExportContext, build_context, visible
from fsdl_tui.exporters.formats import CsvExporter, JsonExporter, MarkdownExporter
from fsdl_tui.exporters.html import DOT, HtmlExporter, svg_2x2
from fsdl_tui.scoring import FsdlScorer, rank
from fsdl_tui.testing import make_portfolio, make_project

DAY = _dt.date(2026, 12, 1)
ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "plugin_fixtures" / "fields"


def portfolio():
    a = make_project("a", impact=5, cost=(5, 1, 1))
    b = change_status(make_project("b", impact=4, cost=(4, 2, 2)), "killed", "no budget", DAY)
    c = change_status(make_project("c", impact=3, cost=(3, 3, 3)), "on-hold", "waiting", DAY)
    d = make_project("d", impact=2, cost=(3, 3, 3))
    return make_portfolio([a, b, c, d], name="Team")


def run(exporter, pf, context):
    ranked = visible(rank(pf, FsdlScorer()), context.exclude_inactive)
    return exporter.export(pf, ranked, {}, context)


@pytest.mark.parametrize(
    "exporter", [CsvExporter(), JsonExporter(), MarkdownExporter(), HtmlExporter()], ids=lambda x: x.name
)
def test_every_export_names_the_scorer_the_date_and_the_status(exporter):
    pf = portfolio()
    out = run(exporter, pf, build_context(pf, FsdlScorer(), date=DAY))
    assert "2026-12-01" in out and ("FSDL" in out or "fsdl" in out)
    assert "killed" in out and "on-hold" in out and "no budget" in out


@pytest.mark.parametrize(
    "exporter", [CsvExporter(), JsonExporter(), MarkdownExporter(), HtmlExporter()], ids=lambda x: x.name
)
def test_exclude_inactive_leaves_killed_and_on_hold_out_and_ranks_the_rest(exporter):
    pf = portfolio()
    ctx = build_context(pf, FsdlScorer(), date=DAY, exclude_inactive=True)
    assert ctx.left_out == ("b", "c")
    out = run(exporter, pf, ctx)
    assert "no budget" not in out and "waiting" not in out
    ranked = visible(rank(pf, FsdlScorer()), True)
    assert [(r.project.id, r.rank) for r in ranked] == [("a", 1), ("d", 2)]


def test_csv_and_json_carry_the_context_per_row():
    pf = portfolio()
    ctx = build_context(pf, FsdlScorer(), date=DAY)
    rows = list(csv.DictReader(io.StringIO(run(CsvExporter(), pf, ctx))))
    assert {r["scorer"] for r in rows} == {"fsdl"} and {r["exported_on"] for r in rows} == {"2026-12-01"}
    assert [r["status"] for r in rows] == ["active", "killed", "on-hold", "active"]
    data = json.loads(run(JsonExporter(), pf, ctx))
    assert data["scorer"] == "fsdl" and data["exported_on"] == "2026-12-01" and data["inactive"] == "included"
    assert [p["status"] for p in data["projects"]] == ["active", "killed", "on-hold", "active"]


def test_markdown_marks_inactive_projects_in_the_table_and_the_2x2_lists():
    pf = portfolio()
    md = run(MarkdownExporter(), pf, build_context(pf, FsdlScorer(), date=DAY))
    row = next(line for line in md.splitlines() if line.startswith("| 2 |"))
    assert "**killed**: no budget" in row
    assert "  - B (b) (killed)" in md.splitlines()
    assert "2 killed or on-hold project(s) listed and marked." in md


def circles(page: str) -> list[tuple[float, float, float]]:
    svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    ns = "{http://www.w3.org/2000/svg}"
    return [(float(c.get("cx")), float(c.get("cy")), float(c.get("r"))) for c in svg.iter(ns + "circle")], svg, ns


def test_the_2x2_keeps_points_at_1_and_5_inside_the_frame():
    extremes = [make_project(f"p{i}", impact=i, cost=(c, 6 - c, 6 - c)) for i, c in ((1, 1), (5, 5), (1, 5), (5, 1))]
    pf = make_portfolio(extremes)
    page = svg_2x2(rank(pf, FsdlScorer()), pf)
    dots, svg, ns = circles(page)
    frame = next(svg.iter(ns + "rect"))
    x0, y0 = float(frame.get("x")), float(frame.get("y"))
    x1, y1 = x0 + float(frame.get("width")), y0 + float(frame.get("height"))
    assert len(dots) == 4
    for cx, cy, r in dots:
        assert x0 < cx - r and cx + r < x1 and y0 < cy - r and cy + r < y1


def test_a_point_on_a_threshold_is_drawn_inside_its_high_quadrant():
    # thresholds set to exactly the project's impact and feasibility: the threshold counts as high
    pf = make_portfolio([make_project("edge", impact=3, cost=(3, 3, 3))])
    (first,) = rank(pf, FsdlScorer())
    settings = Settings(impact_threshold=first.impact, feasibility_threshold=first.feasibility)
    pf = pf.replace(settings=settings)
    (r,) = rank(pf, FsdlScorer())
    assert r.quadrant == "high-priority" and (r.impact, r.feasibility) == (first.impact, first.feasibility)
    page = svg_2x2([r], pf)
    (dot,), svg, ns = circles(page)
    lines = list(svg.iter(ns + "line"))
    vertical = next(float(line.get("x1")) for line in lines if line.get("x1") == line.get("x2"))
    horizontal = next(float(line.get("y1")) for line in lines if line.get("y1") == line.get("y2"))
    cx, cy, radius = dot
    assert cx - radius > vertical  # right of the feasibility line: high feasibility
    assert cy + radius < horizontal  # above the impact line: high impact
    assert radius == DOT


def test_the_html_report_has_a_legend_one_pagers_and_print_css():
    pf = portfolio()
    page = run(HtmlExporter(), pf, build_context(pf, FsdlScorer(), date=DAY))
    assert "Ranked by FSDL" in page and "2026-12-01" in page
    assert 'class="legend"' in page and "hollow: killed or on hold" in page
    assert "@media print" in page and "break-before:page" in page
    assert page.count('<section class="project"') == 4
    one = page[page.index('id="p-b"') :]
    one = one[: one.index("</section>")]
    assert "<h4>The framework's questions</h4>" in one and "<h4>History</h4>" in one
    assert "status killed: no budget" in one
    assert "<th>term</th>" in one and "Score " in one
    # the killed project is a hollow dot
    assert re.search(r'<circle [^>]*fill="#fff" stroke=', page)


def robotics(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    shutil.copy(ROOT / "sample_portfolios" / "full-stack-robotics.toml", path)
    shutil.copytree(ROOT / "sample_portfolios" / "full-stack-robotics.ratings", tmp_path / "team.ratings")
    return path


def test_exports_carry_consensus_spread_odds_and_the_plan(run_cli, tmp_path):
    path = robotics(tmp_path)
    code, out, err = run_cli("export", path, "--format", "json", "--date", "2026-12-01", "--plan-budget", "40")
    assert code == 0, err
    data = json.loads(out)
    assert data["raters"] and data["uncertainty"]["top_k"] == 3 and "plan" in data
    first = data["projects"][0]
    assert set(first["consensus"]["Impact"]) == {"consensus", "spread", "disputed"}
    assert 0 <= first["p_top_k"] <= 1 and "in_plan" in first
    code, md, _ = run_cli("export", path, "--format", "markdown", "--date", "2026-12-01", "--plan-budget", "40")
    assert "| consensus | p(top 3) | in plan |" in md and "## Plan" in md and " ±" in md
    code2, md2, _ = run_cli("export", path, "--format", "markdown", "--date", "2026-12-01", "--plan-budget", "40")
    assert code2 == 0 and md == md2  # the odds use a fixed seed


def test_exporter_settings_in_the_portfolio_and_the_cli_override(run_cli, tmp_path):
    path = robotics(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("\n[[projects]]", "\n[plugins.fsdl_tui]\nexclude_inactive = true\n\n[[projects]]", 1),
        encoding="utf-8",
    )
    code, out, err = run_cli("export", path, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["inactive"] == "left out" and all(p["status"] == "active" for p in data["projects"])
    code, out, _ = run_cli("export", path, "--format", "json", "--include-inactive")
    assert any(p["status"] != "active" for p in json.loads(out)["projects"])
    path.write_text(
        text.replace("\n[[projects]]", '\n[plugins.fsdl_tui]\nexclude_inactive = "yes"\n\n[[projects]]', 1),
        encoding="utf-8",
    )
    code, _, err = run_cli("export", path, "--format", "json")
    assert code == 1 and "exclude_inactive" in err and "Traceback" not in err
    line = path.read_text(encoding="utf-8").splitlines().index('exclude_inactive = "yes"') + 1
    code, _, err = run_cli("validate", path)
    assert code == 1 and f"{path}:{line}:1: 'exclude_inactive' must be true or false" in err


def test_plugin_exporters_get_the_context_only_when_they_ask(run_cli, portfolio_file):
    code, out, err = run_cli(
        "export", portfolio_file, "--format", "byline", "--date", "2026-12-01", "--plugins-dir", FIXTURES
    )
    assert code == 0, err
    assert out.startswith("Ranked by ") and "on 2026-12-01" in out
    code, out, err = run_cli("export", portfolio_file, "--format", "old-style", "--plugins-dir", FIXTURES)
    assert code == 0, err
    assert out.strip() and "Ranked by" not in out


def test_without_a_context_the_exporters_work_as_before():
    pf = portfolio()
    ranked = rank(pf, FsdlScorer())
    for exporter in (CsvExporter(), JsonExporter(), MarkdownExporter(), HtmlExporter()):
        assert exporter.export(pf, ranked, {}) == exporter.export(pf, ranked, {}, None)
    assert ExportContext().byline == "Ranked by fsdl"


def test_one_pagers_list_declared_plugin_fields_of_projects_that_have_them(run_cli):
    import tomllib

    path = ROOT / "sample_portfolios" / "saas-support.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    with_rice = sum(1 for p in data["projects"] if "rice" in p.get("plugins", {}))
    assert 0 < with_rice < len(data["projects"])
    code, page, err = run_cli("export", path, "--format", "html", "--date", "2026-12-01")
    assert code == 0, err
    assert page.count("<dt>Reach (rice)</dt>") == with_rice
    assert page.count("<dl>") == page.count("</dl>")
