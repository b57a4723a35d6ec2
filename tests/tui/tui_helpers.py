"""Helpers shared by the app's test modules (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


async def palette_search(pilot: Any, text: str) -> None:
    """Open the command palette, type `text`, and wait until its first hit mentions it (it searches in the
    background, slower on a loaded machine)."""
    from textual.widgets import OptionList

    await pilot.press("ctrl+p", *text)
    results = pilot.app.screen.query_one(OptionList)
    word = text.split()[-1].lower()
    for _ in range(200):
        if results.option_count and word in str(results.get_option_at_index(0).prompt).lower():
            break
        await pilot.pause(0.02)
    await pilot.pause(0.1)
