"""Screens the app builds once and shows again (the project form, the board, the 2x2)."""

from __future__ import annotations

import weakref
from typing import Any

from textual import events
from textual.screen import Screen

_STYLED_WITH: weakref.WeakKeyDictionary[Screen[Any], str] = weakref.WeakKeyDictionary()


def keep_styles(screen: Screen[Any], event: events.ScreenResume) -> None:
    """Call from `on_screen_resume`. Textual restyles every widget of a screen each time it is pushed (for
    the form's hundreds of widgets, or the board's hundreds of cards, most of the time a reused screen takes
    to show); keep the styles of a screen shown before while the theme it was styled with is the app's."""
    if _STYLED_WITH.get(screen) == screen.app.theme:
        event.refresh_styles = False
    _STYLED_WITH[screen] = screen.app.theme
