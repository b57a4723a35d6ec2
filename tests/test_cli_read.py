"""The CLI's read commands over hostile text (markup, ANSI escapes, right-to-left text, emoji) and at normal
terminal widths; `set` with several assignments."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fsdl_tui import present
from fsdl_tui.testing import MARKUP_TEXT, portfolio_file, run_cli, sample  # noqa: F401 - pytest fixtures

SHOWN = present.plain(MARKUP_TEXT)  # what a terminal must show: the text, its escapes made visible
IDS = [p.id for p in sample().projects]


def no_terminal_codes(out: str) -> None:
    assert "\x1b" not in out  # the file's ANSI escapes are shown, never sent to the terminal


@pytest.mark.parametrize("columns", ["80", "120"])
def test_show_table_never_cuts_an_id_and_numbers_its_rows(
    run_cli, portfolio_file: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    code, out, err = run_cli("show", portfolio_file)
    assert code == 0, err
    no_terminal_codes(out)
    lines = out.splitlines()
    assert all(len(line.rstrip()) <= int(columns) for line in lines)
    rows = {line.split()[1]: line.split()[0] for line in lines if len(line.split()) > 1 and line.split()[1] in IDS}
    assert set(rows) == set(IDS)  # every id whole, one row each
    ranks = [rows[i] for i in IDS if rows[i] != "-"]
    assert sorted(int(r) for r in ranks) == list(range(1, len(ranks) + 1))
    assert rows["unscored"] == "-"
    header = next(line for line in lines if line.split()[:2] == ["#", "id"])
    for column in ("title", "impact", "feasib.", "score"):
        assert column in header
    if columns == "120":
        assert "quadrant" in header and "stage" in header


@pytest.mark.parametrize("columns", ["80", "120"])
def test_rank_table_numbers_every_ranked_row(
    run_cli, portfolio_file: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    code, out, err = run_cli("rank", portfolio_file)
    assert code == 0, err
    no_terminal_codes(out)
    lines = out.splitlines()
    assert all(len(line.rstrip()) <= int(columns) for line in lines)
    rows = [line.split() for line in lines if len(line.split()) > 1 and line.split()[1] in IDS]
    assert [r[1] for r in rows] == [r.project.id for r in _ranked()]
    numbered = [r[0] for r in rows if r[0] != "-"]
    assert numbered == [str(i) for i in range(1, len(numbered) + 1)] and len(numbered) == len(IDS) - 1
    assert "quadrant" in lines[1]


def _ranked():  # type: ignore[no-untyped-def]
    from fsdl_tui.scoring import FsdlScorer, rank

    return rank(sample(), FsdlScorer())


def test_show_project_with_a_status_reason_and_markup_shows_every_text_literally(run_cli, portfolio_file: Path) -> None:
    code, out, err = run_cli("show", portfolio_file, "markup-text")
    assert code == 0, err
    no_terminal_codes(out)
    flat = " ".join(out.split())
    shown = " ".join(SHOWN.split())
    # title, summary, owner, reason, rationale, three notes, three answers, 13 checklist notes, metrics, move
    assert flat.count(shown) >= 20
    assert "\\x1b[31mred" in out and "[link=x]l[/link]" in out and "שלום עולם" in out and "👩‍💻" in out
    assert "on-hold" in out and "Lifecycle history" in out and "Full Stack Deep Learning" in out


def test_show_project_of_a_file_with_a_status_reason(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'schema_version = 1\n\n[[projects]]\nid = "a"\ntitle = "Title [/] x"\n\n'
        '[projects.lifecycle]\nstatus = "killed"\nstatus_reason = "no [bold]data"\n',
        encoding="utf-8",
    )
    code, out, err = run_cli("show", path, "a")
    assert code == 0, err
    assert "Title [/] x" in out and "killed (no [bold]data)" in out
    code, out, err = run_cli("show", path)
    assert code == 0 and "Title [/] x" in out


def test_rank_stats_validate_over_hostile_text(run_cli, portfolio_file: Path) -> None:
    for argv in (
        ("rank", portfolio_file),
        ("rank", portfolio_file, "--explain", "markup-text"),
        ("stats", portfolio_file, "--as-of", "2024-06-01"),
        ("validate", portfolio_file),
        ("show", portfolio_file),
    ):
        code, out, err = run_cli(*argv)
        assert code == 0, (argv, err)
        no_terminal_codes(out + err)
    code, out, _ = run_cli("rank", portfolio_file, "--explain", "markup-text")
    assert " ".join(SHOWN.split()) in " ".join(out.split())
    code, out, _ = run_cli("rank", portfolio_file, "--format", "json")
    assert next(p for p in json.loads(out)["projects"] if p["id"] == "markup-text")["title"] == MARKUP_TEXT


def test_every_export_format_over_hostile_text(run_cli, portfolio_file: Path) -> None:
    from fsdl_tui.plugins.manager import load_plugins
    from fsdl_tui.storage import load

    formats = load_plugins().exporters(load(portfolio_file).portfolio)
    assert {"csv", "json", "markdown", "html"} <= set(formats)
    outputs = {}
    for name in formats:
        code, out, err = run_cli("export", portfolio_file, "--format", name)
        assert code == 0, (name, err)
        outputs[name] = out
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert next(r for r in rows if r["id"] == "markup-text")["title"] == MARKUP_TEXT  # data, exactly
    data = json.loads(outputs["json"])
    assert next(p for p in data["projects"] if p["id"] == "markup-text")["project"]["summary"] == MARKUP_TEXT
    md = outputs["markdown"]
    assert "\\[/\\] \\[bold\\]b\\[/bold\\]" in md and "\x1b" not in md
    html = outputs["html"]
    assert "[/] [bold]b[/bold] [link=x]l[/link] \\x1b[31mred" in html and "\x1b" not in html


def test_set_validates_all_assignments_together_in_any_order(run_cli, portfolio_file: Path) -> None:
    from fsdl_tui.storage import load

    for order in (
        ("lifecycle.status=killed", "lifecycle.status_reason=no data"),
        ("lifecycle.status_reason=no data", "lifecycle.status=killed"),
    ):
        code, _, err = run_cli("set", portfolio_file, "grasp-pose", *order)
        assert code == 0, (order, err)
        p = load(portfolio_file).portfolio.get("grasp-pose")
        assert p is not None and (p.status, p.lifecycle.status_reason) == ("killed", "no data")
        code, _, err = run_cli(
            "set", portfolio_file, "grasp-pose", "lifecycle.status=active", "lifecycle.status_reason="
        )
        assert code == 0, err
    before = portfolio_file.read_text()
    code, _, err = run_cli("set", portfolio_file, "grasp-pose", "lifecycle.status=killed", "title=New")
    assert code == 1 and "grasp-pose" in err and "needs a 'status_reason'" in err
    assert portfolio_file.read_text() == before  # refused: nothing written, not even the title
