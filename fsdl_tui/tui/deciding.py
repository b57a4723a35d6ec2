"""Deciding together, in the app: the rating mode, the agreement, the plan and the sensitivity (tornado)
screens, as a mixin of the App.

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
from ..workspace import DECISION_SEED, Decisions, PluginFailure, compute_decisions, git_user_name
from .base import FsdlBase

if TYPE_CHECKING:  # pragma: no cover
    from ..decide.plan import Plan
    from ..decide.uncertainty import SensitivityResult

# The screens of this module: the app's actions switch between them rather than stack them.
DECIDE_ACTIONS = frozenset({"rate", "agreement", "plan", "sensitivity"})

# The sensitivity screen: as `fsdl-tui rank --sensitivity` with its defaults, seeded so it repeats.
SENSITIVITY_TOP_K = 3
SENSITIVITY_PERTURB = 0.2
SENSITIVITY_DRAWS = 2000


def decide_screens() -> tuple[type, ...]:
    """The screens of this module (imported when asked: not on the app's start-up path)."""
    from .screens.agreement import AgreementScreen
    from .screens.plan import PlanScreen
    from .screens.rating import RatingScreen
    from .screens.tornado import SensitivityScreen

    return (RatingScreen, AgreementScreen, PlanScreen, SensitivityScreen)


class DecideFlows(FsdlBase):
    """Rating mode (`r`), agreement (`A`), the plan (`P`) and the sensitivity of the order (`S`)."""

    decisions_pending = False
    sensitivity_pending = False
    sensitivity_result: SensitivityResult | None = None
    sensitivity_status = ""
    _sensitivity_of: tuple[int, str] | None = None  # (the portfolio's id, the scorer) of the last run

    # --- opening the screens ---------------------------------------------------------------------------

    def _open(self, screen: object) -> None:
        from textual.screen import Screen

        assert isinstance(screen, Screen)
        if isinstance(self.screen, decide_screens()):
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

    def action_sensitivity(self) -> None:
        """Does the order hold? The top k under moved weights and the tornado of what swaps the neighbours."""
        from .screens.tornado import SensitivityScreen

        if self.session is not None:
            self._open(SensitivityScreen())

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

    # --- the sensitivity of the order, off the UI thread --------------------------------------------------

    def ensure_sensitivity(self) -> None:
        """Compute the sensitivity for the current portfolio and scorer, unless it is known or on its way."""
        if self.session is None:
            return
        portfolio, scorer = self.session.portfolio, self.workspace.scorer
        key = (id(portfolio), scorer.name)
        if key == self._sensitivity_of:
            return
        self._sensitivity_of = key
        self.sensitivity_pending = True
        self.sensitivity_status = f"Computing: {SENSITIVITY_DRAWS} draws of the weights of scorer '{scorer.name}'…"
        self._sensitivity_worker(portfolio, scorer)

    @work(thread=True, exclusive=True, group="sensitivity")
    def _sensitivity_worker(self, portfolio: Portfolio, scorer: Scorer) -> None:
        from ..decide.uncertainty import sensitivity

        result: SensitivityResult | None
        try:
            result = sensitivity(
                portfolio,
                scorer,
                top_k=SENSITIVITY_TOP_K,
                perturb=SENSITIVITY_PERTURB,
                draws=SENSITIVITY_DRAWS,
                seed=DECISION_SEED,
            )
            error = ""
        except Exception as exc:  # noqa: BLE001 - the scorer may be plugin code: reported, never raised
            result, error = None, f"{type(exc).__name__}: {exc}"
        try:
            self.call_from_thread(self.sensitivity_done, result, error)
        except RuntimeError:  # the app closed meanwhile
            return

    def sensitivity_done(self, result: SensitivityResult | None, error: str = "") -> None:
        self.sensitivity_pending = False
        if error:
            self.sensitivity_result = None
            self.sensitivity_status = f"Not computed: {error}"
            self.say(f"sensitivity not computed: {error}", severity="error", timeout=10)
        else:
            self.sensitivity_result = result
            scorer = result.scorer if result is not None else "-"
            self.sensitivity_status = (
                f"Scorer {scorer}, top {SENSITIVITY_TOP_K}, {SENSITIVITY_DRAWS} draws, seed {DECISION_SEED}"
            )
        self.version += 1
