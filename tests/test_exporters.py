"""Exporters: content, spreadsheet formula injection, HTML escaping, and never overwriting by accident."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

from fsdl_tui.analysis import record_columns
from fsdl_tui.exporters import builtin_exporters, write_output
from fsdl_tui.exporters.formats import FORMULA_TRIGGERS, CsvExporter, JsonExporter, MarkdownExporter, neutralize
from fsdl_tui.exporters.html import HtmlExporter
from fsdl_tui.scoring import FsdlScorer, rank
from fsdl_tui.testing import (  # noqa: F401 - pytest fixtures
    check_exporter,
    make_portfolio,
    make_project,
    portfolio_file,
    run_cli,
    sample,
    sample_projects,
)


def export(exporter, pf=None):
    pf = pf or sample()
    return exporter.export(pf, rank(pf, FsdlScorer()), {})


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x")', "-", "=", "safe"]


def test_csv_cells_never_start_a_formula():
    projects = [
        make_project(f"p{i}", title=t, summary=t, owner=t, tags=(t,), impact=3, cost=(3, 3, 3))
        for i, t in enumerate(HOSTILE)
    ]
    text = export(CsvExporter(), make_portfolio(projects, name="=evil"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(record_columns())
    cells = [c for row in rows for c in row]
    for cell in cells:
        if cell.startswith(FORMULA_TRIGGERS):
            assert is_number(cell), f"formula-like cell {cell!r}"
    titles = [row[2] for row in rows[1:]]
    assert "'=1+1" in titles and "'@cmd" in titles and "safe" in titles and "'\tTAB" in titles


def test_csv_keeps_negative_numbers_as_numbers():
    pf = make_portfolio([make_project("a", impact=1, cost=(1, 5, 5))], scoring={"weighted": {"impact": -1}})
    from fsdl_tui.scoring import WeightedScorer

    text = CsvExporter().export(pf, rank(pf, WeightedScorer()), {})
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["score"] == "-1"


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralize(value):
    out = neutralize(value)
    assert not out.startswith(FORMULA_TRIGGERS)
    assert out.endswith(value)


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_html_shows_hostile_text_and_runs_nothing():
    pf = make_portfolio(
        [
            make_project(
                "x", title="<script>alert(1)</script>", impact=4, cost=(4, 2, 2), owner='"><img src=x onerror=alert(2)>'
            )
        ],
        name="<b>team</b> & co",
    )
    page = export(HtmlExporter(), pf)
    parser = Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text  # shown as text, in the table and the SVG tooltip
    assert text.count("<script>alert(1)</script>") == 3  # the table, the SVG tooltip and the one-pager
    assert "<b>team</b> & co" in text
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"(src|href)=\"https?:", page)  # self-contained


def test_html_has_the_ranked_table_and_the_2x2_svg():
    page = export(HtmlExporter())
    parser = Collect()
    parser.feed(page)
    assert parser.tags.count("svg") == 1
    import xml.etree.ElementTree as ET

    svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])  # well-formed XML
    assert svg.get("viewBox") == "0 0 720 720"
    scored = [r for r in rank(sample(), FsdlScorer()) if r.impact is not None and r.feasibility is not None]
    assert parser.tags.count("circle") == len(scored) == len(sample().projects) - 1  # "unscored" has no dot
    ranking = page[page.index("<h2>Ranking</h2>") : page.index("<h2>Projects</h2>")]
    assert ranking.count("<tr") == 1 + len(sample().projects)
    assert page.count('<section class="project"') == len(sample().projects)
    text = "".join(parser.text)
    for label in ("High priority", "Moonshot", "Quick win", "Avoid"):
        assert label in text


def test_json_export_has_terms_and_full_projects():
    data = json.loads(export(JsonExporter(), make_portfolio(sample_projects())))
    assert [p["rank"] for p in data["projects"]] == [1, 2, 3, 4, None]
    first = data["projects"][0]
    assert sum(t["contribution"] for t in first["terms"]) == pytest.approx(first["score"])
    assert first["project"]["id"] == first["id"]
    grasp = next(p for p in data["projects"] if p["id"] == "defect-detect")
    assert grasp["project"]["lifecycle"]["history"][2]["date"] == "2024-03-15"


def test_markdown_escapes_table_breakers_and_html():
    pf = make_portfolio([make_project("a", title="a | b <i>x</i>\nnext", impact=3, cost=(3, 3, 3))])
    md = export(MarkdownExporter(), pf)
    row = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    assert row.count(" | ") == 9  # ten cells, the title's pipe escaped
    assert "a \\| b &lt;i&gt;x&lt;/i&gt; next" in row
    assert "<i>" not in md


def test_every_builtin_exporter_meets_the_contract_and_is_deterministic():
    for exporter in builtin_exporters():
        out = check_exporter(exporter)
        assert out == check_exporter(exporter)
        assert exporter.extension and exporter.label and exporter.description


def test_write_output_refuses_to_overwrite(tmp_path):
    target = tmp_path / "out.csv"
    write_output(target, "one")
    with pytest.raises(FileExistsError):
        write_output(target, "two")
    assert target.read_text() == "one"
    write_output(target, b"three", force=True)
    assert target.read_text() == "three"


def test_cli_export_needs_force_to_overwrite(run_cli, portfolio_file, tmp_path):
    target = tmp_path / "out.md"
    target.write_text("keep me")
    code, _, err = run_cli("export", portfolio_file, "--format", "markdown", "-o", target)
    assert code == 1 and "already exists; use --force" in err
    assert target.read_text() == "keep me"
    code, _, err = run_cli("export", portfolio_file, "--format", "markdown", "-o", target, "--force")
    assert code == 0 and target.read_text(encoding="utf-8").startswith("# Sample &lt;portfolio&gt;")


def test_cli_export_to_stdout_and_bad_format(run_cli, portfolio_file, tmp_path):
    code, out, _ = run_cli("export", portfolio_file, "--format", "csv", "--scorer", "weighted")
    assert code == 0 and out.startswith("rank,id,title,score")
    code, out, _ = run_cli("export", portfolio_file, "--format", "html")
    assert code == 0 and "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "<script" not in out
    code, _, err = run_cli("export", portfolio_file, "--format", "pdf")
    assert code == 1 and "no export format named 'pdf' (available: csv, json, markdown, html" in err
    code, _, err = run_cli("export", portfolio_file, "--format", "csv", "-o", tmp_path / "no" / "dir.csv")
    assert code == 1 and "Traceback" not in err
    code, _, err = run_cli("export", portfolio_file)
    assert code == 2
