"""Screens the app builds once and shows again (the project form, the board, the 2x2), and builds ahead.

Ahead: once the portfolio is read and ranked, the app builds each of them while it is hidden, in small steps
(`BuildsAhead.build_ahead`, one step per timer tick, keys answered in between), so that the first open a user
makes is a reuse: what is left is to show it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from textual import events
from textual.app import App
from textual.screen import Screen

_STYLED_WITH: weakref.WeakKeyDictionary[Screen[Any], str] = weakref.WeakKeyDictionary()

STEP_PAUSE = 0.02  # seconds between two steps of a build ahead: the app handles what came meanwhile (keys)


def ahead_supported(screen: Screen[Any]) -> bool:
    """Whether this Textual has the internals a build ahead uses (`start_hidden`, `lay_out_hidden`,
    `lay_out_and_paint_hidden`), seen on a running `screen`: Textual has no public call to build a screen that
    is not shown, so with a Textual where one is missing the screens are built when first opened."""
    return hasattr(screen.app, "_register") and all(
        hasattr(screen, name)
        for name in ("_refresh_layout", "_layout_required", "_scroll_required", "_dirty_widgets", "_compositor")
    )


def keep_styles(screen: Screen[Any], event: events.ScreenResume) -> None:
    """Call from `on_screen_resume`. Textual restyles every widget of a screen each time it is pushed (for
    the form's hundreds of widgets, or the board's hundreds of cards, most of the time a reused screen takes
    to show); keep the styles of a screen shown before while the theme it was styled with is the app's."""
    if _STYLED_WITH.get(screen) == screen.app.theme:
        event.refresh_styles = False
    _STYLED_WITH[screen] = screen.app.theme


class BuildsAhead(Protocol):
    def build_ahead(self) -> Iterator[None]:
        """The steps that make the screen ready to show, started hidden (`start_hidden`): each `yield` hands
        the app back its turn."""
        ...  # pragma: no cover


def styled_as_shown(screen: Screen[Any], app: App[Any] | None = None) -> None:
    """Call before `screen` mounts its widgets (first in `compose`, or before it is started hidden): they are
    then styled once, as they will be shown. Textual styles the widgets of a new screen as they mount, again when
    the screen is first shown (`ScreenResume`), and again when it sets the classes of the app's width and height
    on the screen (its first `Resize`): for a form of some hundreds of widgets, most of the cost of a first
    open. Here those classes are set first, and the first show keeps the styles (`keep_styles`)."""
    app = screen.app if app is None else app
    width, height = app.size
    for size, points in (
        (width, screen.HORIZONTAL_BREAKPOINTS or app.HORIZONTAL_BREAKPOINTS),
        (height, screen.VERTICAL_BREAKPOINTS or app.VERTICAL_BREAKPOINTS),
    ):
        chosen = next((name for least, name in sorted(points or [], reverse=True) if size >= least), None)
        screen.update_classes({name: name == chosen for _, name in points or []}, animate=False)
    _STYLED_WITH[screen] = app.theme  # styled as it is mounted: showing it needs no restyle


def start_hidden(app: App[Any], screen: Screen[Any], name: str) -> None:
    """Install `screen` as `name` and start it without showing it: it composes and mounts its widgets now,
    styled as they will be shown (`styled_as_shown`)."""
    styled_as_shown(screen, app)
    app.install_screen(screen, name)
    app._register(app, screen)  # what `push_screen` does to a screen not running yet (Textual has no public call)


def lay_out_hidden(screen: Screen[Any]) -> Iterator[None]:
    """Steps that give the widgets of a screen started hidden their sizes at the app's size (Textual lays a
    screen out when it shows it), so that what depends on them (cards wrapped to a column's width, the 2x2's
    picture) is made before it shows, and showing it lays nothing out again while the app's size is the same.
    Again while a layout asks for one more (a scroll bar that appears narrows what is beside it).

    Textual has no public call for a screen that does not show: these are the steps of its screen update."""
    for _ in range(4):
        screen._layout_required = False
        screen._refresh_layout(screen.app.size)
        screen._scroll_required = False
        screen._dirty_widgets.clear()
        yield  # the widgets handle their new sizes
        if not still_hidden(screen) or not screen._layout_required:
            return


def still_hidden(screen: Screen[Any]) -> bool:
    """A screen started hidden is neither shown yet nor gone: its build ahead goes on."""
    return screen.is_attached and not screen.is_current


def lay_out_and_paint_hidden(screen: Screen[Any]) -> Iterator[None]:
    """The last steps of a build ahead: lay the screen out (`lay_out_hidden`), then render every widget off
    screen: each keeps its lines, so the first paint when it shows is of lines made already, as a later one is."""
    yield from lay_out_hidden(screen)
    if still_hidden(screen):
        screen._compositor.render_update(full=True)


def call_after(app: App[Any], delay: float, callback: Callable[[], None], name: str = "fsdl-after") -> None:
    """Call `callback` once, `delay` seconds from now, in the app's message loop (`run_steps` with no step)."""
    run_steps(app, iter(()), callback, pause=delay, name=name)


def run_steps(
    app: App[Any],
    steps: Iterator[None],
    done: Callable[[], None] = lambda: None,
    *,
    pause: float | None = None,
    name: str = "fsdl-steps",
) -> None:
    """Run `steps` one at a time, `pause` (`STEP_PAUSE`) apart, then `done()`.

    On one repeating timer, stopped after the last step, not a chain of `app.set_timer`: a one-shot Textual
    timer whose task is held up, between its two reads of the clock, for longer than its delay (a loaded
    machine: another process ran) counts its one tick as skipped and never calls back. A repeating timer skips
    the late tick and calls at the next."""
    finished = False

    def step() -> None:
        nonlocal finished
        if finished:  # a tick that came before the timer was stopped
            return
        try:
            next(steps)
        except StopIteration:
            finished = True
            timer.stop()
            done()

    timer = app.set_interval(STEP_PAUSE if pause is None else pause, step, name=name)
