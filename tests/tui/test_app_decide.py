"""Deciding together in the app: the blind rating grid, the agreement screen and the plan (Pilot)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input
from tui_helpers import hold_or_resume, notices, palette_search, rate_file, screen_lines, static_text, wait_for

from fsdl_tui.domain.fields import set_field
from fsdl_tui.scoring.base import FsdlScorer, safe_score
from fsdl_tui.storage import load, save
from fsdl_tui.storage.ratings import load_ratings, rater_path
from fsdl_tui.tui.screens.agreement import AgreementScreen
from fsdl_tui.tui.screens.modals import ChoiceModal, TextModal
from fsdl_tui.tui.screens.plan import PlanScreen
from fsdl_tui.tui.screens.rating import OTHERS_COLUMN, RatingScreen


@pytest.fixture(autouse=True)
def _no_git_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME is in tmp_path (conftest): with the system config off too, git knows no user name."""
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)


async def _rate_as(pilot: Any, name: str) -> RatingScreen:
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, (TextModal, RatingScreen)))
    if isinstance(pilot.app.screen, TextModal):  # no git user name: asked once
        await pilot.press(*name, "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RatingScreen))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, RatingScreen)
    return screen


def _others(screen: RatingScreen, row: int) -> str:
    return str(screen.grid.get_cell_at((row, OTHERS_COLUMN)))  # type: ignore[arg-type]


@pytest.mark.slow
async def test_rate_two_projects_as_a_new_rater_and_save(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _rate_as(pilot, "Zoe Quinn")
        assert screen.draft.rater == "Zoe Quinn"
        # Row 1 (grasp-pose): four digits fill it and move to row 2; row 2 (label-tool): two numbers.
        await pilot.press("4", "2", "5", "3", "3", "4")
        assert screen.current == "label-tool" and screen.grid.cursor_column == 3
        await pilot.press("n", *"pre-labels exist", "enter")
        assert app.workspace.ratings_dirty and "ratings unsaved" in app.sub_title
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.workspace.ratings_dirty
        # quitting asks nothing now: everything is saved
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceModal)
    path = rater_path(portfolio_file, "Zoe Quinn")
    assert path.name == "zoe-quinn.toml"
    (mine,) = load_ratings(portfolio_file)
    assert mine.rater == "Zoe Quinn"
    assert mine.scores == {
        "grasp-pose": {"impact": 4, "data_availability": 2, "accuracy_requirement": 5, "problem_difficulty": 3},
        "label-tool": {"impact": 3, "data_availability": 4},
    }
    assert mine.notes == {"label-tool": "pre-labels exist"}
    assert load(portfolio_file).text == portfolio_file.read_text()  # the portfolio itself is not written


async def test_backspace_clears_and_arrows_move(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _rate_as(pilot, "Zoe")
        await pilot.press("5", "left", "backspace", "down", "2")
        assert screen.draft.value("grasp-pose", "impact") is None
        assert screen.draft.value("label-tool", "impact") == 2
        assert not screen.draft.rated("grasp-pose")


async def test_others_are_hidden_until_you_rate_the_project(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    rate_file(
        portfolio_file,
        "Bo Berg",
        {"grasp-pose": {"impact": 1, "data_availability": 1}, "label-tool": {"impact": 5}},
    )
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _rate_as(pilot, "Zoe")
        status = static_text(screen.query_one("#rating-status"))
        assert "BLIND" in status
        assert _others(screen, 0) == "hidden (1)" and _others(screen, 1) == "hidden (1)"
        assert "Bo Berg" not in static_text(screen.query_one("#rating-detail"))
        await pilot.press("4", "3", "3", "3")  # rate grasp-pose: its others show, label-tool's stay hidden
        assert _others(screen, 0) == "1 1 · · (1)"
        assert _others(screen, 1) == "hidden (1)"
        await pilot.press("v")  # reveal label-tool without rating it: marked ◉, and the status says so
        assert _others(screen, 1) == "◉ 5 · · · (1)"
        assert "Bo Berg 5/" in static_text(screen.query_one("#rating-detail"))
        assert "revealed" in static_text(screen.query_one("#rating-status"))
        await pilot.press("v")  # hidden again
        assert _others(screen, 1) == "hidden (1)"
        await pilot.press("V")
        assert "REVEALED" in static_text(screen.query_one("#rating-status"))
        assert _others(screen, 1) == "◉ 5 · · · (1)"


async def test_unsaved_ratings_are_guarded_and_a_failed_save_keeps_them(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _rate_as(pilot, "Zoe")
        await pilot.press("4", "2")
        (portfolio_file.parent / "team.ratings").write_text("not a folder")  # the save cannot make the folder
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("ratings not saved" in n for n in notices(app))
        assert screen.draft.value("grasp-pose", "impact") == 4 and app.workspace.ratings_dirty
        await pilot.press("escape", "q")  # leaving the grid keeps the values: quitting asks
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        assert "ratings" in str(app.screen.detail)
        await pilot.press("c")
        await pilot.pause()
        assert app.is_running
        await pilot.press("r")  # back in the grid: the values are there
        await wait_for(pilot, lambda: isinstance(app.screen, RatingScreen))
        assert app.screen.draft.value("grasp-pose", "data_availability") == 2  # type: ignore[attr-defined]


async def test_rating_mode_from_the_palette(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await palette_search(pilot, "Rating mode")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, (TextModal, RatingScreen)))


def _two_raters(portfolio_file: Path) -> None:
    rate_file(
        portfolio_file,
        "Ana",
        {
            "grasp-pose": {"impact": 5, "data_availability": 1},
            "label-tool": {"impact": 4, "data_availability": 4},
            "grasp-success": {"impact": 2, "data_availability": 5},
        },
    )
    rate_file(
        portfolio_file,
        "Bo",
        {
            "grasp-pose": {"impact": 2, "data_availability": 2},
            "label-tool": {"impact": 4, "data_availability": 4},
            "grasp-success": {"impact": 2, "data_availability": 4},
        },
    )


async def test_agreement_screen_and_disputed_markers(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.decide.agreement import agreement

    _two_raters(portfolio_file)
    expected = agreement(load(portfolio_file).portfolio, load_ratings(portfolio_file))
    alpha = expected.fields["impact"].alpha
    assert alpha is not None
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AgreementScreen) and app.workspace.decisions is not None)
        await pilot.pause()
        text = static_text(app.screen.query_one("#agreement"))
        impact_line = next(line for line in text.splitlines() if line.startswith("Impact"))
        assert f"{alpha:.2f}" in impact_line
        disputed_line = next(line for line in text.splitlines() if line.startswith("grasp-pose") and "Impact" in line)
        assert "Bo 2" in disputed_line and "Ana 5" in disputed_line
        # The table marks the disputed project (spread 3 on impact) and shows the spread of the others.
        assert app.workspace.marks("grasp-pose").startswith("±3!")
        assert app.workspace.marks("label-tool").startswith("±0")
        assert "!" not in app.workspace.marks("label-tool")
        await pilot.press("escape")
        await pilot.pause()
        lines = screen_lines(app.screen.query_one("#table"))
        assert any("±3!" in line and "6D pose for grasping" in line for line in lines)


def _with_effort(portfolio_file: Path, weeks: dict[str, float]) -> None:
    doc = load(portfolio_file)
    portfolio = doc.portfolio
    for pid, w in weeks.items():
        project = portfolio.get(pid)
        assert project is not None
        portfolio = portfolio.with_project(set_field(project, "effort.weeks", w))
    save(doc, portfolio)


def _best_set(portfolio_file: Path, budget: float) -> set[str]:
    """The best plan by brute force: every subset of the candidates (active, not in production, scored,
    with an effort), the largest total score within the budget, then the fewest weeks."""
    portfolio = load(portfolio_file).portfolio
    scorer = FsdlScorer()
    cands = []
    for p in portfolio.projects:
        s = safe_score(scorer, p, portfolio.scoring.get("fsdl", {})).value
        if p.status == "active" and p.stage != "production" and s is not None and p.effort.weeks is not None:
            cands.append((p.id, s, float(p.effort.weeks)))
    best: tuple[float, float, set[str]] = (-1.0, 0.0, set())
    for n in range(len(cands) + 1):
        for combo in itertools.combinations(cands, n):
            weeks = sum(c[2] for c in combo)
            score = sum(c[1] for c in combo)
            if weeks <= budget and (score, -weeks) > (best[0], -best[1]):
                best = (score, weeks, {c[0] for c in combo})
    return best[2]


@pytest.mark.slow
async def test_plan_screen_chooses_the_best_set_and_marks_it(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    _with_effort(portfolio_file, {"grasp-pose": 6, "label-tool": 3, "grasp-success": 4, "bin-segmentation": 1})
    expected = _best_set(portfolio_file, 9)
    assert expected and expected != {"grasp-pose", "label-tool", "grasp-success"}  # the budget binds
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("x", "9", "enter")  # only digits reach the budget field
        await wait_for(pilot, lambda: app.workspace.last_plan is not None)
        await pilot.pause()
        plan = app.workspace.last_plan
        assert plan is not None and set(plan.chosen) == expected
        text = static_text(app.screen.query_one("#plan"))
        assert "of 9 weeks" in text and all(pid in text for pid in expected)
        assert "task-language" not in plan.chosen and "bin-segmentation" not in plan.chosen  # no effort / on hold
        assert app.workspace.plan_budget == 9
        await pilot.press("escape")
        await pilot.pause()
        lines = screen_lines(app.screen.query_one("#table"))
        for p in load(portfolio_file).portfolio.projects:
            row = next(line for line in lines if p.title[:15] in line)
            assert ("◆" in row) == (p.id in expected), row
        await pilot.press("b")  # the board shows the marks too
        await pilot.pause()
        options = [
            str(ol.get_option_at_index(i).prompt)
            for ol in app.screen.query("OptionList")
            for i in range(ol.option_count)
        ]
        assert sum("◆" in o for o in options) == len(expected)
        await pilot.press("escape", "P")  # the budget is remembered
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert app.screen.query_one("#plan-budget", Input).value == "9"
        assert app.workspace.marks(next(iter(expected))).startswith("◆")
        await pilot.press("backspace", "enter")  # an empty budget: no plan, no marks
        await pilot.pause()
        assert app.workspace.last_plan is None
        assert not any("◆" in app.workspace.marks(pid) for pid in expected)


async def test_plan_screen_refuses_a_bad_budget(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press(".", "enter")
        await pilot.pause()
        assert "person-weeks" in str(app.screen.query_one("#plan-error").render())
        assert app.workspace.last_plan is None


async def _open_sensitivity(pilot: Any) -> Any:
    from fsdl_tui.tui.screens.tornado import SensitivityScreen

    await pilot.press("S")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, SensitivityScreen))
    await wait_for(pilot, lambda: app.sensitivity_result is not None and not app.sensitivity_pending)
    await pilot.pause()
    return app.screen


async def test_sensitivity_screen_shows_the_cores_numbers(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.decide.uncertainty import sensitivity, swap_label, tornado
    from fsdl_tui.tui.deciding import SENSITIVITY_DRAWS, SENSITIVITY_PERTURB, SENSITIVITY_TOP_K
    from fsdl_tui.workspace import DECISION_SEED

    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_sensitivity(pilot)
        text = static_text(screen.query_one("#tornado"))
        status = str(screen.query_one("#tornado-status").render())
        expected = sensitivity(
            load(portfolio_file).portfolio,
            app.workspace.scorer,
            top_k=SENSITIVITY_TOP_K,
            perturb=SENSITIVITY_PERTURB,
            draws=SENSITIVITY_DRAWS,
            seed=DECISION_SEED,
        )
    assert expected.stable_share is not None
    assert f"in {expected.stable_share:.1%} of {SENSITIVITY_DRAWS} draws" in text
    assert f"Top {SENSITIVITY_TOP_K} by {expected.scorer}: {', '.join(expected.top)}" in text
    assert f"seed {DECISION_SEED}" in status
    bars = tornado(expected)
    assert bars, "the fixture has pairs around the cut that one change swaps"
    # One bar per pair, the smallest change first, each labelled with the pair, the input and the amount.
    rows = [line for line in text.splitlines() if " > " in line]
    assert len(rows) == len(bars)
    for line, swap in zip(rows, bars, strict=True):
        assert line.lstrip().startswith(f"{swap.above} > {swap.below}")
        assert swap_label(swap) in line and f"{swap.change:+d}" in line
        assert "█" in line
    changes = [abs(s.change) for s in bars]
    assert changes == sorted(changes)
    widths = [line.count("█") for line in rows]
    assert all(w1 <= w2 for w1, w2 in itertools.pairwise(widths))  # the bars grow with the change


async def test_sensitivity_from_the_palette_and_help(make_app, portfolio_file: Path) -> None:  # type: ignore[no-untyped-def]
    from fsdl_tui.tui.screens.help import HelpScreen
    from fsdl_tui.tui.screens.tornado import SensitivityScreen

    app = make_app(portfolio_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert any(bid == "decide.sensitivity" for _, _, bid, _ in app.screen.bindings)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await palette_search(pilot, "Does the order hold")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SensitivityScreen))
        await wait_for(pilot, lambda: app.sensitivity_result is not None)
        first = app.sensitivity_result
        await pilot.press("A")  # the decide screens switch rather than stack; back to S: not recomputed
        await wait_for(pilot, lambda: isinstance(app.screen, AgreementScreen))
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SensitivityScreen))
        assert app.sensitivity_result is first and not app.sensitivity_pending
        await pilot.press("escape")
        await pilot.pause()
        # A change to the portfolio (on hold, here) makes the next visit recompute.
        await hold_or_resume(pilot)
        await pilot.pause()
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SensitivityScreen))
        await wait_for(pilot, lambda: app.sensitivity_result is not first and not app.sensitivity_pending)
