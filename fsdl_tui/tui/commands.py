"""The command palette (ctrl+p) reaches every action: the bindings of the app and of the current screen,
each scorer, and each view."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ActionsProvider(Provider):
    def _commands(self) -> Iterator[tuple[str, str, object]]:
        """(name, help, callback) for everything the user can do here."""
        app = self.app
        seen: set[str] = set()
        screen = self.screen
        for node in (screen, app):
            for bindings in node._bindings.key_to_bindings.values():
                for b in bindings:
                    if b.action in seen or not b.description or b.action.startswith("answer"):
                        continue
                    seen.add(b.action)
                    keys = ", ".join(k for k, bs in node._bindings.key_to_bindings.items() if b in bs)
                    yield (
                        (b.tooltip or b.description).rstrip("."),
                        f"{b.description} ({keys})",
                        partial(app.run_action, b.action, node),
                    )
        for name, scorer in getattr(app, "scorers", {}).items():
            yield f"Rank with {scorer.label or name}", f"scorer '{name}'", partial(app.set_scorer, name)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
