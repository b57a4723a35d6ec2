"""Helpers shared by the app's test modules (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fsdl_tui.scoring.base import Score, Scorer

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


async def wait_for(pilot: Any, condition: Any, tries: int = 500) -> None:
    """Let the app run until `condition()` holds (a bounded number of short pauses, no clock assertion)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    assert condition(), "the app never reached the expected state"


async def open_form(pilot: Any, project_id: str) -> Any:
    """Highlight `project_id` in the table and open its form (`e`); returns the form."""
    from fsdl_tui.tui.screens.edit import EditScreen
    from fsdl_tui.tui.widgets.table import PortfolioTable

    pilot.app.screen.query_one(PortfolioTable).select_id(project_id)
    await pilot.pause()
    await pilot.press("e")
    assert isinstance(pilot.app.screen, EditScreen)
    return pilot.app.screen


async def hold_or_resume(pilot: Any) -> None:
    """Make an unsaved change by keys: `o` puts the selected project on hold (Enter: no reason) or resumes it,
    recorded in its history either way."""
    from fsdl_tui.tui.screens.modals import TextModal

    await pilot.press("o")
    if isinstance(pilot.app.screen, TextModal):
        await pilot.press("enter")


async def type_fast(pilot: Any, *keys: str) -> None:
    """Send `keys` to the app at once, as a terminal delivers a fast typist's keys (`pilot.press` lets the app
    settle after each key), then let the app handle them."""
    from textual import events

    for key in keys:
        pilot.app.post_message(events.Key(key, key if len(key) == 1 else None))
    await pilot.pause()


def notices(app: Any) -> list[str]:
    """The texts of the app's notifications so far."""
    return [n.message for n in app._notifications]


class BlockingScorer(Scorer):
    """A plugin-like scorer whose `score()` blocks until the test sets `release` (a hanging plugin)."""

    name = "slow"
    label = "Slow plugin scorer"
    description = "blocks"

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.calls = 0

    def score(self, project: Any, settings: Any) -> Any:
        self.calls += 1
        self.release.wait()
        return Score(1.0)


class ExitingScorer(Scorer):
    """A scorer that calls `sys.exit()` (or raises KeyboardInterrupt) inside `score()`."""

    name = "exits"
    label = "Exiting plugin scorer"
    description = "exits"

    def __init__(self, exc: BaseException | None = None) -> None:
        self.exc = exc

    def score(self, project: Any, settings: Any) -> Any:
        import sys

        if self.exc is not None:
            raise self.exc
        sys.exit(3)


class ReverseScorer(Scorer):
    """A well-behaved plugin scorer: projects in reverse file order."""

    name = "reverse"
    label = "Reverse"
    description = "reverse file order"

    def score(self, project: Any, settings: Any) -> Any:
        return Score(float(-sum(map(ord, project.id))))


def screen_lines(widget: Any) -> list[str]:
    """The text of each line a widget paints now (its `render_line` strips, without styles)."""
    return ["".join(seg.text for seg in widget.render_line(y)) for y in range(widget.size.height)]


def static_text(widget: Any) -> str:
    """The plain text of a `Static`'s content (tables included), as the terminal would show it."""
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.export_text()


def rate_file(portfolio: Path, rater: str, rows: dict[str, dict[str, int]]) -> Path:
    """Write a rater's file beside `portfolio`, as `fsdl-tui rate` would."""
    from fsdl_tui.storage.ratings import record_many

    return record_many(portfolio, rater, [(pid, dict(v), None) for pid, v in rows.items()])


class LoadGate:
    """A hold on a progressive load (`FsdlApp(load_gate=...)`): pieces from `hold_from` on wait until the test
    calls `release()` (at most 30 s, so a failing test never hangs the run)."""

    def __init__(self, hold_from: int) -> None:
        import threading

        self.hold_from = hold_from
        self.released = threading.Event()
        self.asked: list[int] = []

    def __call__(self, piece: int) -> None:
        self.asked.append(piece)
        if piece >= self.hold_from:
            self.released.wait(30)

    def release(self) -> None:
        self.released.set()

    def release_on_exit(self, app: Any) -> Any:
        """Release the load as `app` exits (a snapshot test has no step after its screenshot): the held
        worker thread then ends at once, instead of the app waiting for its 30 s to run out. Returns `app`."""
        exit_app = app.exit

        def exit_and_release(*args: Any, **kwargs: Any) -> None:
            self.release()
            exit_app(*args, **kwargs)

        app.exit = exit_and_release
        return app


def screenshots_at_sizes(
    app: Any,
    sizes: list[tuple[int, int]],
    press: Any = (),
    run_before: Any = None,
    after_resize: Any = None,
) -> dict[tuple[int, int], str]:
    """One run of `app` for several snapshot sizes: at the first size, `run_before` and the key presses, then a
    screenshot exactly as pytest-textual-snapshot takes it (`textual._doc.take_svg_screenshot`); then the
    terminal resized to each further size, `after_resize` (what makes the screen the one a run started at that
    size shows: a form scrolled to its field again), and a screenshot there. The SVGs by size; a size is missing
    where the app exited, or showed a notification (it times out: what a later screenshot shows depends on the
    clock)."""
    import inspect

    title = app.title  # as take_svg_screenshot: the title before the app runs
    shots: dict[tuple[int, int], str] = {}

    async def settle(pilot: Any) -> None:
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    async def auto_pilot(pilot: Any) -> None:
        if run_before is not None:
            result = run_before(pilot)
            if inspect.isawaitable(result):
                await result
        await pilot.pause()
        await pilot.press(*press)
        for n, size in enumerate(sizes):
            if n:
                await pilot.resize_terminal(*size)
                await pilot.pause()
                if after_resize is not None:
                    await after_resize(pilot)
            await settle(pilot)
            if not pilot.app.is_running:
                break
            shots[size] = pilot.app.export_screenshot(title=title, simplify=True)
            if pilot.app._notifications:  # a toast goes after its timeout: later sizes start afresh
                break
        pilot.app.exit()

    app.run(headless=True, auto_pilot=auto_pilot, size=sizes[0])
    return shots


def snapshot_of_one_run(
    shots: dict[tuple[str, str], str],
    scenario: str,
    size: str,
    sizes: dict[str, tuple[int, int]],
    make_app: Any,
    monkeypatch: Any,
    press: Any = (),
    run_before: Any = None,
    after_resize: Any = None,
) -> None:
    """Let the next `snap_compare` compare the SVG of `scenario` at `size` taken in one run at every size
    (`screenshots_at_sizes`, kept in `shots` for the tests of the other sizes): the first test of a scenario
    runs the app, the others compare what it took. A test that finds none (another xdist worker ran the
    scenario) runs it itself; a resized screen must be byte-identical to one started at that size, or the
    comparison fails (`after_resize`: see `screenshots_at_sizes`). A scenario that shows a notification (it times out: what a later screenshot shows would
    depend on the clock) needs one run per size: it fails here, to be listed as such."""
    if (scenario, size) not in shots:
        taken = screenshots_at_sizes(make_app(), list(sizes.values()), press, run_before, after_resize)
        assert len(taken) == len(sizes), f"{scenario} shows a notification (or quits): give it one run per size"
        shots.update({(scenario, name): taken[wh] for name, wh in sizes.items()})
    svg = shots.pop((scenario, size))
    import textual._doc

    monkeypatch.setattr(textual._doc, "take_svg_screenshot", lambda **kwargs: svg)
