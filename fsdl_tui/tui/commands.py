"""The command palette (ctrl+p) reaches every action: the bindings of the app and of the current screen,
each scorer, and each view."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .base import fsdl_app
from .keymap import keys_label


class ActionsProvider(Provider):
    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        """(name, help, callback) for everything the user can do here."""
        app = self.app
        seen: set[str] = set()
        screen = self.screen
        fsdl = fsdl_app(screen)
        off = fsdl.READ_ONLY_OFF if fsdl.workspace.read_only else frozenset()
        for node in (screen, app):
            for bindings in node._bindings.key_to_bindings.values():
                for b in bindings:
                    if b.action in seen or not b.description or b.action.startswith("answer"):
                        continue
                    if b.action.split("(", 1)[0].rsplit(".", 1)[-1] in off:  # read-only: edits are off
                        continue
                    seen.add(b.action)
                    keys = keys_label([k for k, bs in node._bindings.key_to_bindings.items() if b in bs])
                    yield (
                        (b.tooltip or b.description).rstrip("."),
                        f"{b.description} ({keys})",
                        partial(app.run_action, b.action, node),
                    )
        for name, scorer in fsdl.workspace.scorers.items():
            yield f"Rank with {scorer.label or name}", f"scorer '{name}'", partial(fsdl.set_scorer, name)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(Text(name), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
