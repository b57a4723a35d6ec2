"""The key footer of the screens the app shows again and again (the table, the form, the board, the 2x2)."""

from __future__ import annotations

from collections.abc import Iterable

from textual import widgets
from textual.widget import Widget


class Footer(widgets.Footer):
    """Textual's footer, rebuilt only when the keys it shows changed, and only on a screen that shows.

    Textual's footer removes and mounts all its keys each time its screen's bindings may have changed: when the
    screen is shown, hidden and when the focus moves, so on every open of a screen the app reuses (the footer of
    the screen shown and the footer of the one it hides), and each time the new keys are styled and the screen
    laid out again: most of the time such an open took. This one compares the keys it would show with those it
    shows (equal: nothing to do, it looks the same), and waits while its screen is hidden under another (its
    screen's bindings are refreshed when it is shown again)."""

    _shown: tuple[object, ...] | None = None  # what the keys on screen were composed from

    def _keys(self) -> tuple[object, ...]:
        """Everything `compose` reads: the shown bindings (with their state and tooltip) and the palette's."""
        app = self.app
        active = self.screen.active_bindings
        keys = tuple(
            (binding, app.get_key_display(binding), enabled, tooltip)
            for (_, binding, enabled, tooltip) in active.values()
            if binding.show
        )
        palette = active.get(app.COMMAND_PALETTE_BINDING) if self.show_command_palette else None
        return keys, palette, app.ENABLE_COMMAND_PALETTE

    def _hidden(self) -> bool:
        """Under an opaque screen (not a dialog, through which it shows)."""
        stack = self.app.screen_stack
        above = stack[stack.index(self.screen) + 1 :] if self.screen in stack else []
        return any(screen.styles.background.a == 1 for screen in above)

    def compose(self) -> Iterable[Widget]:
        self._shown = self._keys() if self._bindings_ready else None
        return super().compose()

    async def recompose(self) -> None:
        if self._shown is not None and self.is_attached and (self._hidden() or self._keys() == self._shown):
            return
        await super().recompose()
