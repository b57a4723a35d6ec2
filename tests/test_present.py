"""present.py: one way to write numbers, ranks, dates, empty values and user text."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from rich.console import Console
from rich.text import Text

from fsdl_tui import present
from fsdl_tui.testing import MARKUP_TEXT


def test_numbers_scores_ranks_and_dates() -> None:
    assert (present.num(3.14159), present.num(3.14159, 1), present.num(None), present.num(None, missing="–")) == (
        "3.14",
        "3.1",
        "-",
        "–",
    )
    assert (present.short_num(0.85), present.short_num(80.0), present.short_num(None)) == ("0.85", "80", "-")
    assert (present.score(4), present.score(None)) == ("4/5", "-")
    assert (present.rank(3), present.rank(3, mark="#"), present.rank(None, "unranked", mark="#")) == (
        "3",
        "#3",
        "unranked",
    )
    day = _dt.date(2025, 6, 9)
    assert present.iso(day) == "2025-06-09" and present.iso(5) == 5
    assert present.iso_data({"h": [{"date": day}], "t": (1,)}) == {"h": [{"date": "2025-06-09"}], "t": [1]}
    assert json.dumps({"d": day}, default=present.json_default) == '{"d": "2025-06-09"}'
    with pytest.raises(TypeError):
        present.json_default(object())


def test_empty_means_unset_not_zero_or_false() -> None:
    assert all(present.is_empty(v) for v in (None, "", [], (), {}, set()))
    assert not any(present.is_empty(v) for v in (0, 0.0, False, " ", [None]))
    assert (present.or_dash(""), present.or_dash("ana"), present.or_dash(0)) == ("-", "ana", "0")


def test_plain_shows_control_characters_and_keeps_the_rest() -> None:
    out = present.plain(MARKUP_TEXT + "\n\ttab \u202eevil\r\n")
    assert "\x1b" not in out and "\\x1b[31mred" in out
    assert "\u202e" not in out and "\\u202e" in out  # a bidirectional override would reorder the line
    assert "[/] [bold]b[/bold] [link=x]l[/link]" in out and "שלום עולם" in out and "🚀👩‍💻" in out
    assert out.endswith("\n\ttab \\u202eevil\n")
    assert present.plain("plain text") == "plain text" and present.plain(None) == ""


def test_plain_text_reaches_rich_literally() -> None:
    console = Console(width=200, record=True, color_system=None)
    console.print(Text(present.plain(MARKUP_TEXT)))
    assert console.export_text().strip() == present.plain(MARKUP_TEXT)


def test_markdown_escapes_html_and_markdown_on_one_line() -> None:
    out = present.md("a | b <i>x</i> & *y* [l](u) `c` #h\nnext")
    assert out == "a \\| b &lt;i&gt;x&lt;/i&gt; &amp; \\*y\\* \\[l\\](u) \\`c\\` \\#h next"
    assert "\x1b" not in present.md(MARKUP_TEXT)
