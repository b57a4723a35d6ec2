"""Deciding together, in the app: the rating mode, the agreement and the plan screens, as a mixin of the App.

The decisions are the core's (`fsdl_tui.workspace`: `RatingDraft`, `compute_decisions`, `plan_call`); this
module opens the screens, asks for the rater's name once, and runs the numpy/scipy work on thread workers so
the UI never waits for it (and the app's first frame never imports it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from ..domain.model import Portfolio
from ..scoring.base import Scorer
from ..storage import PortfolioError, PortfolioLoadError
from ..storage.ratings import RaterFile
from ..workspace import Decisions, PluginFailure, compute_decisions, git_user_name
from .base import FsdlBase

if TYPE_CHECKING:  # pragma: no cover
    from ..decide.plan import Plan

# The screens of this module: the app's actions switch between them rather than stack them.
DECIDE_ACTIONS = frozenset({"rate", "agreement", "plan"})


class DecideFlows(FsdlBase):
    """Rating mode (`r`), agreement (`A`) and the plan (`P`)."""

    decisions_pending = False

    # --- opening the screens ---------------------------------------------------------------------------

    def _open(self, screen: object) -> None:
        from textual.screen import Screen

        from .screens.agreement import AgreementScreen
        from .screens.plan import PlanScreen
        from .screens.rating import RatingScreen

        assert isinstance(screen, Screen)
        if isinstance(self.screen, (RatingScreen, AgreementScreen, PlanScreen)):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_rate(self) -> None:
        """The rating grid, as the rater named by `git config user.name` (asked once when there is none)."""
        ws = self.workspace
        if self.session is None:
            return
        try:
            raters = ws.load_raters()
        except PortfolioLoadError as exc:
            self.say(f"cannot read the ratings: {exc}", severity="error", timeout=10)
            return
        del raters
        name = ws.rating.rater if ws.rating is not None else None
        target = ws.ratings_target()
        if name is None and target is not None:
            name = git_user_name(Path(target).resolve().parent)
        if name:
            self._open_rating(name)
            return
        from .screens.modals import TextModal

        def answer(text: str | None) -> None:
            if text:
                self._open_rating(text)

        self.push_screen(TextModal("Your name as a rater (git config user.name is not set)", "Ana Ruiz"), answer)

    def _open_rating(self, name: str) -> None:
        from .screens.rating import RatingScreen

        try:
            self.workspace.start_rating(name)
        except PortfolioLoadError as exc:
            self.say(f"cannot read the ratings: {exc}", severity="error", timeout=10)
            return
        self._open(RatingScreen())

    def action_agreement(self) -> None:
        from .screens.agreement import AgreementScreen

        if self.session is not None:
            self._open(AgreementScreen())
            self.refresh_decisions()

    def action_plan(self) -> None:
        from .screens.plan import PlanScreen

        if self.session is not None:
            self._open(PlanScreen())

    # --- saving the rater's file --------------------------------------------------------------------------

    def save_ratings(self) -> bool:
        """Write the rater's own file; a failure is a message and the grid keeps its values. True when saved."""
        ws = self.workspace
        if ws.rating is None or not ws.rating.dirty:
            return True
        try:
            path = ws.save_ratings()
        except (PortfolioError, OSError, ValueError) as exc:
            reason = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
            self.say(f"ratings not saved: {reason}. The grid keeps your values.", severity="error", timeout=10)
            return False
        self.say(f"saved your ratings to {path.parent.name}/{path.name}", timeout=3)
        self.update_title()
        self.refresh_decisions()
        return True

    # --- agreement and rank odds, off the UI thread -----------------------------------------------------------

    def refresh_decisions(self) -> None:
        """Recompute the agreement and the rank odds in a thread worker, then mark the projects."""
        try:
            inputs = self.workspace.decision_inputs()
        except PortfolioLoadError as exc:
            self.say(f"cannot read the ratings: {exc}", severity="error", timeout=10)
            return
        if inputs is None:
            if self.workspace.decisions is not None:  # the ratings are gone: clear their marks
                self.decisions_done(None)
            return
        self.decisions_pending = True
        self._decisions_worker(*inputs)

    @work(thread=True, exclusive=True, group="decide")
    def _decisions_worker(self, portfolio: Portfolio, scorer: Scorer, raters: list[RaterFile]) -> None:
        result: Decisions | None
        try:
            result = compute_decisions(portfolio, scorer, raters)
            error = ""
        except Exception as exc:  # noqa: BLE001 - reported in the app, never raised on the worker
            result, error = None, f"{type(exc).__name__}: {exc}"
        try:
            self.call_from_thread(self.decisions_done, result, error)
        except RuntimeError:  # the app closed meanwhile
            return

    def decisions_done(self, result: Decisions | None, error: str = "") -> None:
        self.decisions_pending = False
        if error:
            self.say(f"agreement not computed: {error}", severity="error", timeout=10)
        self.workspace.adopt_decisions(result)
        self.version += 1

    # --- the plan, off the UI thread ---------------------------------------------------------------------

    def run_plan(self, budget: float) -> None:
        if self.session is not None:
            self.workspace.plan_budget = budget
            self._plan_worker(budget)

    @work(thread=True, exclusive=True, group="plan")
    def _plan_worker(self, budget: float) -> None:
        from ..decide.plan import PlanError

        call = self.workspace.plan_call(budget)
        result: Plan | None
        try:
            result, error = call(), ""
        except (PlanError, PluginFailure) as exc:
            result, error = None, str(exc)
        except Exception as exc:  # noqa: BLE001 - reported in the app, never raised on the worker
            result, error = None, f"{type(exc).__name__}: {exc}"
        try:
            self.call_from_thread(self.plan_done, result, budget, error)
        except RuntimeError:
            return

    def plan_done(self, result: Plan | None, budget: float, error: str = "") -> None:
        if error:
            self.say(f"no plan: {error}", severity="error", timeout=10)
        self.workspace.adopt_plan(result, budget)
        self.version += 1
