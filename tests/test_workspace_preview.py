"""The form's live preview: the edited project's score and rank, as a full re-ranking would give them."""

from __future__ import annotations

import pytest

from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.storage import loads
from fsdl_tui.workspace import Session, Workspace, rank_projects
from tests.helpers_storage import make_portfolio_text


@pytest.mark.parametrize(
    ("path", "value"), [("impact.overall", 1), ("impact.overall", 5), ("cost.data_availability", 3)]
)
def test_the_preview_ranks_as_rank_projects(path: str, value: int) -> None:
    ws = Workspace(Session(loads(make_portfolio_text(30, seed=12))))
    assert ws.session is not None
    portfolio = ws.session.portfolio
    for p in portfolio.projects[::4]:
        edited = set_field(p, path, value)
        expected = next(
            r for r in rank_projects(portfolio.with_project(edited), ws.scorer) or () if r.project is edited
        )
        assert ws.preview(edited) == expected


def test_the_preview_of_a_new_project() -> None:
    ws = Workspace(Session(loads(make_portfolio_text(5, seed=13))))
    assert ws.session is not None
    fresh = set_field(set_field(new_project("fresh", "Fresh"), "impact.overall", 4), "cost.data_availability", 4)
    for driver in ("accuracy_requirement", "problem_difficulty"):
        fresh = set_field(fresh, f"cost.{driver}", 2)
    ranked = rank_projects(ws.session.portfolio.with_project(fresh), ws.scorer) or []
    assert ws.preview(fresh) == next(r for r in ranked if r.project is fresh)
    unscored = new_project("bare", "Bare")
    assert ws.preview(unscored) == next(
        r for r in rank_projects(ws.session.portfolio.with_project(unscored), ws.scorer) or [] if r.project is unscored
    )


def test_the_preview_follows_each_new_ranking() -> None:
    ws = Workspace(Session(loads(make_portfolio_text(30, seed=14))))
    assert ws.session is not None
    for step in range(3):
        portfolio = ws.session.portfolio
        ranked = rank_projects(portfolio, ws.scorer) or []
        for r in ranked[::3]:
            assert ws.preview(r.project) == r  # a project as ranked: its row
            edited = set_field(r.project, "impact.overall", 1 + (step * 2) % 5)
            expected = next(
                x for x in rank_projects(portfolio.with_project(edited), ws.scorer) or () if x.project is edited
            )
            assert ws.preview(edited) == expected
        changed = set_field(portfolio.projects[step], "impact.overall", 5)
        ws.session.apply(portfolio.with_project(changed), "edit")
        ws.rerank()  # a new ranking: the preview ranks against it, not the one before
