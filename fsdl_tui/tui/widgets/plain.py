"""Input widgets that never send a control character of user text to the terminal (an ANSI escape in a
title is painted as its control picture, ␛; the value itself is kept as it is), and that apply the keys typed
into them in the order they were typed (`_own_binding`)."""

from __future__ import annotations

from rich.segment import Segment
from textual import events
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, TextArea

from ..view import one_line


def _plain(strip: Strip) -> Strip:
    if all(seg.text.isprintable() for seg in strip):
        return strip
    return Strip([Segment(one_line(s.text), s.style, s.control) for s in strip])


async def _own_binding(widget: Widget, event: events.Key) -> bool:
    """Run the widget's own (not priority) binding of a key here, as the key arrives. Textual inserts a
    character as the widget gets its key, but runs a binding (backspace, delete, the arrows, home) once the key
    has bubbled up to the app, a message at each container on the way: keys that arrive together (a fast typist,
    a terminal over SSH) were applied out of order, so "backspace 4" in a form field inserted the 4 and then
    deleted it. Bindings of the containers, the screen and the app still come after the widget's, as before."""
    for binding in widget._bindings.key_to_bindings.get(event.key, ()):
        if not binding.priority and await widget.app.run_action(binding.action, widget):
            event.stop()
            event.prevent_default()
            return True
    return False


class PlainInput(Input):
    def render_line(self, y: int) -> Strip:
        return _plain(super().render_line(y))

    async def _on_key(self, event: events.Key) -> None:
        if not await _own_binding(self, event):
            await super()._on_key(event)


class PlainTextArea(TextArea):
    def render_line(self, y: int) -> Strip:
        return _plain(super().render_line(y))

    async def _on_key(self, event: events.Key) -> None:
        if not await _own_binding(self, event):
            await super()._on_key(event)
