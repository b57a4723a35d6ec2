"""The app's state and what every flow shares: the workspace (`fsdl_tui.workspace`), the reactive values the
screens watch, ranking off the UI thread, the recovery journal, and plain-text notifications.

`FsdlBase` is a real `App` subclass; the flows (`flows/`, `recovery.py`) extend it and `FsdlApp`
(`app.py`) combines them. Screens reach the app through `fsdl_app(node)`, typed, in one place.
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import App
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.worker import get_current_worker

from ..domain.model import Portfolio, Project
from ..paths import state_dir
from ..scoring.base import Scorer
from ..storage import PortfolioError, PortfolioLoadError, Problem
from ..storage.journal import remove_journal, write_document_journal
from ..workspace import LoadJob, LoadStep, RankJob, Session, Workspace
from .view import one_line, printable

if TYPE_CHECKING:  # pragma: no cover
    from .app import FsdlApp

SCORE_BUDGET = 2.0  # seconds a scorer may spend on one project before the app says so
FIRST_PAINT_WAIT = 2.0  # at most this long the load waits for its first rows to be painted before reading on
# The progress of a load (no new rows) reaches the screen at most this often: each update repaints the title
# and the last line, which took a third of a cold load of 10,000 projects when every piece was shown.
PROGRESS_EVERY = 0.3


def fsdl_app(node: DOMNode) -> FsdlApp:
    """The running `FsdlApp`, typed (the one cast of `node.app` in the app)."""
    return cast("FsdlApp", node.app)


class FsdlBase(App[int]):
    """State shared by every flow. See the module docstring."""

    version: reactive[int] = reactive(0, init=False)  # bumped on every change of the portfolio or the ranking
    plugins_version: reactive[int] = reactive(0, init=False)
    selected_id: reactive[str | None] = reactive(None, init=False)
    ranking_status: reactive[str] = reactive("", init=False)  # "" or what the background ranking is doing
    loading_status: reactive[str] = reactive("", init=False)  # "" or how far the progressive load is

    def __init__(
        self,
        session: Session | None,
        *,
        problems: tuple[Path, list[Problem]] | None = None,
        plugins_dir: str | None = None,
        env: Mapping[str, str] | None = None,
        today: Callable[[], _dt.date] = _dt.date.today,
        watch_interval: float | None = 1.0,
        load_plugins: bool = True,
        score_budget: float = SCORE_BUDGET,
        read_only: bool = False,
        load_path: Path | None = None,
        load_gate: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.workspace = Workspace(session, read_only=read_only)
        # A file to read progressively after the first frame (`start_loading`), and a test's hold on it.
        self.load_path = load_path
        self.load_gate = load_gate
        self._load_selection: str | None = None  # the project the load highlighted (not the user)
        self._pending_step: LoadStep | None = None  # progress of the load not shown yet (`_load_worker`)
        self.problems = problems
        self.plugins_dir = plugins_dir
        self.env = dict(os.environ if env is None else env)
        self.today = today
        self.watch_interval = watch_interval
        self.want_plugins = load_plugins
        self.score_budget = score_budget
        self.state_dir = state_dir(self.env)
        self._asking_disk = False
        self._rank_job: RankJob | None = None
        self._journaled: Path | None = None  # the file whose journal this session wrote
        self.recovery_pending = False  # a recovery offer is open: the journal must stay as it is
        self._journal_warned = False
        self.selected_id = self.workspace.selected_id

    # --- typed accessors ---------------------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        return self.workspace.session

    @property
    def scorer(self) -> Scorer:
        return self.workspace.scorer

    def say(self, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None) -> None:
        """A notification whose text is shown as is (user and plugin text is never markup)."""
        self.notify(printable(message), severity=severity, timeout=timeout, markup=False)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen (the palette's Screenshot) to `screenshot_folder()` and say where, or why
        it could not be saved."""
        from textual._files import generate_datetime_filename

        from ..storage.atomic import reason
        from .config import screenshot_folder

        folder = Path(path) if path else screenshot_folder(self.env)
        target = folder / (filename or generate_datetime_filename(self.title, ".svg", time_format))
        try:
            target.write_text(self.export_screenshot(), encoding="utf-8")
        except OSError as exc:
            self.say(f"{target}: cannot save the screenshot: {reason(exc)}", severity="error", timeout=8)
            return None
        self.say(f"screenshot saved to {target}", timeout=8)
        return str(target)

    def refused_while_loading(self, what: str) -> bool:
        """True (after saying so) while the file is still loading: `what` waits until it is read."""
        if self.workspace.loading:
            self.say(f"still loading the file: {what} waits until it is read", severity="warning", timeout=3)
        return self.workspace.loading

    def refused_read_only(self, what: str) -> bool:
        """True (after saying so) when the app is read-only and `what` would change or write something."""
        if self.workspace.read_only:
            self.say(f"read-only: {what} is off here", severity="warning", timeout=4)
        return self.workspace.read_only

    def select(self, project_id: str | None) -> None:
        self.workspace.selected_id = project_id
        self.selected_id = project_id

    def watch_selected_id(self, project_id: str | None) -> None:
        self.workspace.selected_id = project_id

    # --- changes ----------------------------------------------------------------------------------------

    def apply(self, portfolio: Portfolio, what: str) -> None:
        """Make `portfolio` the session's value, undoably, and refresh everything."""
        assert self.session is not None
        if self.refused_read_only("changing the portfolio") or self.refused_while_loading("changing it"):
            return
        if self.session.apply(portfolio, what):
            self.changed()

    def replace_project(self, project: Project, what: str) -> None:
        assert self.session is not None
        self.apply(self.session.portfolio.with_project(project), what)

    def changed(self) -> None:
        """Call after the session's portfolio changed: re-rank, refresh every view, journal, update the title."""
        self.rank()
        self.update_title()
        self.version += 1
        self.journal()

    def update_title(self) -> None:
        if self.session is not None:
            title, sub_title = self.workspace.title()
            if self.loading_status:
                sub_title += f" · {self.loading_status}"
            self.title, self.sub_title = one_line(title), one_line(sub_title)

    def watch_loading_status(self) -> None:
        self.update_title()

    def set_scorer(self, name: str) -> None:
        if self.refused_while_loading("ranking with another scorer"):
            return
        scorer = self.workspace.scorers.get(name)
        if scorer is not None:
            self.rank(scorer)
            self.version += 1

    # --- loading a file progressively, on a worker ----------------------------------------------------------

    def start_loading(self) -> None:
        """Read `load_path` on a thread: rows come in as it is read, the progress shows on the last line and in
        the subtitle, keys work; changes and saves wait (`refused_while_loading`). `loaded()` runs at the end."""
        assert self.load_path is not None
        gate = None
        if self.load_gate is not None:  # a test holds the load there: what it holds at is shown first
            held = self.load_gate

            def gate(n: int) -> None:
                self._show_pending_step()
                held(n)

        job = self.workspace.start_load(self.load_path, gate=gate)
        self.loading_status = self.workspace.load_status()
        # What is alive now (the modules, the app) and each step's projects as they come are frozen: they live
        # while the app runs, and the cyclic collector's passes over them took half a second of a cold load
        # of 10,000 projects (`FsdlApp.start_services` freezes again once loaded; `on_unmount` unfreezes).
        gc.freeze()
        self._load_worker(job)

    @work(thread=True, exclusive=True, group="load")
    def _load_worker(self, job: LoadJob) -> None:
        worker = get_current_worker()
        painted = threading.Event()  # the first rows are on screen
        shown_at = 0.0  # when the last step was handed to the screen
        try:
            try:
                for step in job.steps():
                    gc.freeze()  # (see `start_loading`)
                    if worker.is_cancelled:
                        return
                    if step.ranked is None and time.monotonic() - shown_at < PROGRESS_EVERY:
                        self._pending_step = step  # only the count moved, and it was shown just now
                        continue
                    self._pending_step = None
                    self.call_from_thread(self._load_step, step)
                    shown_at = time.monotonic()
                    if step.ranked and job.stream.large and not painted.is_set():
                        # Read on once the first rows are painted: parsing the rest on this thread would
                        # otherwise take turns with the painting (one interpreter lock) and delay them. (A
                        # small file is read at once: its rows come complete, with no "loading" in between.)
                        self.call_from_thread(self.call_after_refresh, painted.set)
                        waited = 0.0
                        while not painted.wait(0.02) and waited < FIRST_PAINT_WAIT:
                            if worker.is_cancelled:
                                return
                            waited += 0.02
                        painted.set()
            except PortfolioLoadError as exc:
                self.call_from_thread(self._load_failed, job.path, exc.problems)
            except (OSError, UnicodeError) as exc:
                problem = Problem(str(job.path), 1, 1, f"cannot read the file: {exc}")
                self.call_from_thread(self._load_failed, job.path, [problem])
        except RuntimeError:  # the app closed meanwhile: nothing left to show
            return

    def _show_pending_step(self) -> None:
        """On the load's thread: hand the screen the progress it skipped last (`PROGRESS_EVERY`), if any."""
        step, self._pending_step = self._pending_step, None
        if step is not None:
            self.call_from_thread(self._load_step, step)

    def _load_step(self, step: LoadStep) -> None:
        ws = self.workspace
        if ws.session is None:
            return
        # Until the user picks a project, the highlight stays on the best ranked one as better ones come in.
        automatic = ws.selected_id is None or ws.selected_id == self._load_selection
        rows = ws.adopt_load_step(step)
        self.loading_status = ws.load_status()
        if rows and automatic and ws.ranked:
            ws.selected_id = self._load_selection = ws.ranked[0].project.id
        if rows or step.document is not None:
            self.select(ws.selected_id)
            self.update_title()
            self.version += 1
        if step.document is not None:
            self.loaded()

    def _load_failed(self, path: Path, problems: list[Problem]) -> None:
        """A problem found while loading (late ones too): the problems screen, as for a file that never
        loaded."""
        self.workspace.session = None
        self.workspace.load_progress = None
        self.workspace.set_ranking([])
        self.loading_status = ""
        self.problems = (path, problems)
        self.show_problems()

    def loaded(self) -> None:
        """The progressive load is complete (the app starts what waited for it)."""

    def show_problems(self) -> None:
        """Show `problems` (the app's problems screen)."""

    # --- ranking: inline for the built-in scorers, else on a worker -------------------------------------

    def rank(self, scorer: Scorer | None = None) -> None:
        """Rank the current portfolio with `scorer` (default: the current one)."""
        ws = self.workspace
        if ws.session is None:
            return
        if scorer is None:  # the scorer being ranked with, else the current one
            scorer = self._rank_job.scorer if self._rank_job is not None else ws.scorer
        if self._rank_job is not None:
            self._rank_job.cancel()
            self._rank_job = None
        if ws.is_builtin(scorer):
            self.ranking_status = ""
            ws.rerank(scorer)
            self.select(ws.selected_id)
            return
        ws.provisional()
        job = RankJob(ws.session.portfolio, scorer, self.version).start()
        self._rank_job = job
        self.ranking_status = f"ranking with {scorer.name}… (escape cancels)"
        self._rank_worker(job)

    @property
    def ranking(self) -> bool:
        return self._rank_job is not None

    @work(thread=True, exclusive=True, group="rank")
    def _rank_worker(self, job: RankJob) -> None:
        """Wait for the daemon thread that calls the scorer: report progress and a slow scorer, hand back the
        ranking. It returns as soon as the job is abandoned, so a scorer that hangs never holds the app."""
        worker = get_current_worker()
        warned_on: str | None = None
        while not job.finished.wait(0.1):
            if worker.is_cancelled or job.cancelled:
                return
            self._from_thread(self._rank_progress, job)
            if job.current != warned_on and job.call_seconds() > self.score_budget:
                warned_on = job.current
                self._from_thread(self._rank_slow, job)
        if not (worker.is_cancelled or job.cancelled):
            self._from_thread(self._rank_done, job)

    def _from_thread(self, callback: Callable[[RankJob], None], job: RankJob) -> None:
        try:
            self.call_from_thread(callback, job)
        except RuntimeError:  # the app is closing: nothing left to tell
            job.cancel()

    def _rank_progress(self, job: RankJob) -> None:
        if job is self._rank_job:
            self.ranking_status = f"ranking with {job.scorer.name}: {job.done_count}/{job.total} (escape cancels)"

    def _rank_slow(self, job: RankJob) -> None:
        if job is self._rank_job:
            owner = self.workspace.provider(job.scorer.name)
            self.say(
                f"scorer '{job.scorer.name}' (plugin {owner}) has taken more than {self.score_budget:g} s on "
                f"'{job.current}'. Escape cancels and ranks with the built-in scorer.",
                severity="warning",
                timeout=10,
            )

    def _rank_done(self, job: RankJob) -> None:
        if job is not self._rank_job:
            return
        self._rank_job = None
        self.ranking_status = ""
        ws = self.workspace
        if job.result is None or ws.session is None:
            self.say(f"scorer '{job.scorer.name}' failed; the ranking is unchanged", severity="error")
            return
        if job.portfolio is not ws.session.portfolio:  # changed while it ranked: rank again
            self.rank(job.scorer)
            return
        ws.set_ranking(job.result, job.scorer)
        self.select(ws.selected_id)
        self.version += 1
        errors = ws.scorer_errors()
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self.say(errors[0] + more, severity="error", timeout=10)

    def action_cancel_ranking(self) -> None:
        job = self._rank_job
        if job is None:
            return
        job.cancel()
        self._rank_job = None
        self.workers.cancel_group(self, "rank")
        owner = self.workspace.provider(job.scorer.name)
        fallback = self.workspace.scorers.get("fsdl") or next(
            (s for s in self.workspace.scorers.values() if self.workspace.is_builtin(s)), None
        )
        if fallback is None:  # pragma: no cover - the built-in scorer is always there
            return
        self.rank(fallback)
        self.version += 1
        self.say(
            f"ranking with '{job.scorer.name}' (plugin {owner}) cancelled; ranked with '{fallback.name}'",
            severity="warning",
            timeout=6,
        )

    # --- the recovery journal ---------------------------------------------------------------------------

    def journal(self) -> None:
        """Keep the journal in step: written while there are unsaved changes, removed when there are none."""
        s = self.session
        if s is None or s.target is None or self.recovery_pending:
            return
        target = Path(os.path.abspath(s.target))
        if self._journaled is not None and self._journaled != target:
            self.drop_journal()
        if not s.dirty:
            if self._journaled is not None:
                self.drop_journal()
            return
        try:
            # (a large file's texts a block at a time, neither held whole)
            write_document_journal(self.state_dir, str(target), s.doc, s.portfolio)
        except (OSError, PortfolioError, ValueError) as exc:
            if not self._journal_warned:
                self._journal_warned = True
                self.say(f"cannot write the recovery journal: {exc}", severity="warning", timeout=8)
            return
        self._journaled = target

    def drop_journal(self, path: Path | None = None) -> None:
        """Remove the journal this session wrote (a clean save, quitting with discard), or that of `path`."""
        path = path or self._journaled
        if path is not None:
            try:
                remove_journal(self.state_dir, path)
            except OSError as exc:
                self.say(f"cannot remove the recovery journal: {exc}", severity="warning")
        self._journaled = None
