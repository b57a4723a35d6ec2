"""The detail pane: the highlighted project, its score explanation, and the framework's questions beside
its answers (FSDL 2022 lecture 1). The text is `fsdl_tui.render.project_renderable`, shared with
`fsdl-tui show FILE ID`."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...render import project_renderable
from ...scoring.base import Ranked


class ProjectDetail(ScrollView, can_focus=True):
    """Scrollable detail of one project; `show(None)` for an empty table.

    It wraps its text itself and paints only the lines on screen (rendering each when it is first painted),
    so a new project never re-lays out the screen (moving the cursor through 1,000 projects stays fast)."""

    BINDINGS = [
        Binding("up", "scroll_up", "Up", id="detail.up", tooltip="Scroll the detail up", show=False),
        Binding("down", "scroll_down", "Down", id="detail.down", tooltip="Scroll the detail down", show=False),
        Binding("pageup", "page_up", "Page up", id="detail.page_up", tooltip="Scroll a page up", show=False),
        Binding("pagedown", "page_down", "Page down", id="detail.page_down", tooltip="Scroll a page down", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = Text()
        self._wrapped: list[Text] = []  # the text's lines, wrapped to the width
        self._strips: dict[int, Strip] = {}  # the lines painted so far, made as they are first painted
        self._shown: tuple[object, str, tuple[object, ...], bool] | None = None
        self._wrapped_for: tuple[Text, int] | None = None  # the text and the width `_wrapped` is for

    def show(self, r: Ranked | None, scorer_label: str) -> None:
        from ..base import fsdl_app

        workspace = fsdl_app(self).workspace
        plugin_fields = workspace.plugin_fields()  # the plugins' own fields, with their labels
        loading = r is None and workspace.loading
        shown = (r, scorer_label, plugin_fields, loading)
        if self._shown is not None and self._shown[0] is r and self._shown[1:] == shown[1:]:
            return  # the same ranked value (rankings are immutable): nothing to redo
        self._shown = shown
        if loading:
            self.text = Text("Reading the file: its projects show as they are read.", style="dim")
        elif r is None:
            self.text = Text("No project here. Add one with 'a', or clear the filter.", style="dim")
        else:
            self.text = project_renderable(r, scorer_label, plugin_fields=plugin_fields)
        self._wrap()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def _wrap(self) -> None:
        """Wrap the text to the width, once per text and width: a pane not laid out yet is wrapped when it gets
        its size (`on_resize`), and a resize that keeps the width (the height changed) keeps the lines."""
        laid_out = self.scrollable_content_region.width
        width = max(laid_out, 10)
        if not laid_out or self._wrapped_for == (self.text, width):
            return
        self._wrapped_for = (self.text, width)
        self._wrapped = list(self.text.wrap(self.app.console, width))
        self._strips = {}  # (a line is rendered only when painted: most of a long detail is off screen)
        self.virtual_size = Size(width, len(self._wrapped))
        self.refresh()

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._wrapped):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            line = self._wrapped[index]
            strip = self._strips[index] = Strip(list(line.render(self.app.console, end="")), line.cell_len)
        return strip.apply_style(base).crop_extend(0, width, base)
