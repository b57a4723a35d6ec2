"""Fixtures for the app's tests: a fixed small portfolio, a fixed date, XDG and HOME in tmp_path, no
cursor blink, no file-watch timer (tests call `check_disk` themselves), no plugin thread unless asked; the
stylesheets parsed once per test process; a shorter idle check after each key (`IDLE_CHECK`)."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import textual.app
import textual.pilot
from textual import _wait
from textual._context import active_app
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.widgets import Input, TextArea
from tui_helpers import FIXTURES

from fsdl_tui.tui import open_session
from fsdl_tui.tui.app import FsdlApp

TODAY = _dt.date(2026, 11, 2)

# Textual's pilot waits, after each key it presses and in each `pilot.pause()`, until the process spent less
# than a twentieth of a sleep of 1/50 s working (`textual._wait.wait_for_idle`): at least 40 ms of sleeping per
# key, most of the app tests' waiting. The same check over 5 ms sleeps: the queued messages are processed first
# either way (`Pilot._wait_for_screen`), and a test that waits for a thread or a timer waits for its condition.
# A sleep of 1/50 s also outlasted the screen's update timer (1/60 s: layout, paint, then the callbacks waiting
# for them, `call_after_refresh`) and the app's resize timer (1/120 s), which 5 ms may not: while either is
# pending, the wait goes on (`_updated`), the screen updated as `pilot.pause` updates it after its wait.
IDLE_CHECK = 1 / 200
_wait.SLEEP_GRANULARITY, _wait.SLEEP_IDLE = IDLE_CHECK, IDLE_CHECK / 20
_textual_wait_for_idle = _wait.wait_for_idle


def _update_pending(app: App[Any]) -> bool:
    """The app has a resize to send to its screens, or its screen a layout, paint or callback waiting."""
    if app._resize_event is not None:
        return True
    screen = app.screen
    return bool(
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
        or screen._callbacks
    )


async def _updated(min_sleep: float = IDLE_CHECK, max_sleep: float = 1) -> None:
    """Textual's idle check, then, while an update is pending (`_update_pending`), the screen updated and the
    check again (at most 20 times: an app that keeps repainting, a spinner, is let go as Textual lets it go)."""
    await _textual_wait_for_idle(min_sleep, max_sleep)
    try:
        app = active_app.get()
    except LookupError:  # not inside an app's test
        return
    for _ in range(20):
        if app._closing or app._closed or not app._screen_stack or not _update_pending(app):
            return
        if app._resize_event is None and not app._batch_count:
            app.screen._on_timer_update()
        await _textual_wait_for_idle(0, max_sleep)


textual.app.wait_for_idle = textual.pilot.wait_for_idle = _updated  # type: ignore[attr-defined]


@pytest.fixture(autouse=True, scope="session")
def _stylesheets_parsed_once() -> Any:
    """Every app parses app.tcss and each widget's default CSS again (Textual keeps its parses per stylesheet):
    here a parse is kept for the session, keyed as Textual keys it plus the CSS variables it was parsed with
    (the theme). The rules are the same objects Textual itself reuses when it parses a stylesheet again; a CSS
    error still raises, and is not kept. About a twentieth of an app test's processor time."""
    parse_rules = Stylesheet._parse_rules
    parsed: dict[tuple[Any, ...], Any] = {}

    def parse_once(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> Any:
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
        rules = parsed.get(key)
        if rules is None:
            rules = parsed[key] = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        return rules

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stylesheet, "_parse_rules", parse_once)
        yield


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("FSDL_TUI_LOAD_PLUGINS", "")
    monkeypatch.delenv("FSDL_TUI_PLUGINS_DIR", raising=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "FSDL_TUI_LOAD_PLUGINS": ""}


@pytest.fixture
def portfolio_file(tmp_path: Path) -> Path:
    path = tmp_path / "team.toml"
    shutil.copy(FIXTURES / "small.toml", path)
    return path


@pytest.fixture
def make_app(env: dict[str, str]):  # type: ignore[no-untyped-def]
    def make(path: Path | str | None, **kwargs: Any) -> FsdlApp:
        session, problems = open_session(None if path is None else str(path))
        kwargs.setdefault("load_plugins", False)
        return FsdlApp(session, problems=problems, env=env, today=lambda: TODAY, watch_interval=None, **kwargs)

    return make


@pytest.fixture
def user_config(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Write a file of the user's config folder ($XDG_CONFIG_HOME/fsdl-tui/NAME)."""

    def write(name: str, text: str) -> Path:
        folder = Path(env["XDG_CONFIG_HOME"]) / "fsdl-tui"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
        return folder / name

    return write
