"""Input widgets that never send a control character of user text to the terminal: an ANSI escape in a
title is painted as its control picture (␛), the value itself is kept as it is."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Input, TextArea

from ..view import one_line


def _plain(strip: Strip) -> Strip:
    if all(seg.text.isprintable() for seg in strip):
        return strip
    return Strip([Segment(one_line(s.text), s.style, s.control) for s in strip])


class PlainInput(Input):
    def render_line(self, y: int) -> Strip:
        return _plain(super().render_line(y))


class PlainTextArea(TextArea):
    def render_line(self, y: int) -> Strip:
        return _plain(super().render_line(y))
