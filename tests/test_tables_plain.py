"""Large CLI tables are written as plain text that reads exactly as rich's table of the same rows."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from fsdl_tui.cli import tables
from fsdl_tui.cli.tables import Col, fitted_table, plain_table

COLS = (
    Col("#", right=True),
    Col("id"),
    Col("title", shrink_to=12),
    Col("score", right=True),
    Col("quadrant", shrink_to=8, drop=1),
    Col("stage", shrink_to=8, drop=2),
)
ROWS = [
    (
        "1",
        "grasp-pose",
        "6D pose for grasping with a long, long title that must be cut",
        "4.25",
        "high priority",
        "data",
    ),
    ("2", "wide", "\u8868\u683c\u306e\u30bf\u30a4\u30c8\u30eb \u2603 and more words here", "3", "-", "planning"),
    ("10", "x", "[bold]not markup[/bold]", "-", "low", "deploying"),
    ("-", "unscored", "", "error", "-", "production"),
]


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
def test_plain_text_reads_as_the_rich_table(width: int) -> None:
    con = Console(width=width, highlight=False, record=True, file=io.StringIO())
    con.print(fitted_table(con, "Team: 4 projects", COLS, ROWS))
    rich_lines = [line.rstrip() for line in con.export_text().splitlines()]
    assert plain_table(con, "Team: 4 projects", COLS, ROWS).splitlines() == rich_lines


def test_print_table_goes_plain_only_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    con = Console(width=80, highlight=False, record=True, file=io.StringIO())
    calls: list[str] = []
    monkeypatch.setattr(tables, "plain_table", lambda *a: calls.append("plain") or "")
    tables.print_table(con, "t", COLS, ROWS)
    assert calls == []
    monkeypatch.setattr(tables, "PLAIN_ROWS", len(ROWS) - 1)
    tables.print_table(con, "t", COLS, ROWS)
    assert calls == ["plain"]
