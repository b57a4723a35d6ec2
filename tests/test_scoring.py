"""Scorers: the fsdl formula's properties (hypothesis), the weighted scorer's settings, and ranking."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsdl_tui.domain.model import Cost, Impact, Project, Settings
from fsdl_tui.scoring import FsdlScorer, Score, Scorer, WeightedScorer, feasibility_of, quadrant_of, rank, safe_score
from fsdl_tui.scoring.base import driver_costs
from fsdl_tui.scoring.weighted import DEFAULT_WEIGHTS, parse_weights
from fsdl_tui.testing import check_scorer, make_portfolio, make_project

score_1_5 = st.integers(min_value=1, max_value=5)
FSDL = FsdlScorer()


def fsdl(impact: int, da: int, acc: int, diff: int) -> float:
    s = FSDL.score(make_project(impact=impact, cost=(da, acc, diff)), {})
    assert s.value is not None
    return s.value


@settings(max_examples=200, deadline=None)
@given(score_1_5, score_1_5, score_1_5, score_1_5)
def test_fsdl_terms_add_up_and_stay_in_range(impact, da, acc, diff):
    s = FSDL.score(make_project(impact=impact, cost=(da, acc, diff)), {})
    assert math.isclose(sum(t.contribution for t in s.terms), s.value, abs_tol=1e-12)
    assert 1.0 - 1e-9 <= s.value <= 5.0 + 1e-9


@settings(max_examples=200, deadline=None)
@given(score_1_5, score_1_5, score_1_5, score_1_5, st.sampled_from(["impact", "da", "acc", "diff"]))
def test_fsdl_is_monotonic_in_every_input(impact, da, acc, diff, which):
    args = {"impact": impact, "da": da, "acc": acc, "diff": diff}
    if args[which] == 5:
        return
    before = fsdl(**args)
    args[which] += 1
    after = fsdl(**args)
    if which in ("impact", "da"):  # more impact, more data: never lower
        assert after > before
    else:  # stricter accuracy, harder problem: never higher
        assert after < before


@settings(max_examples=100, deadline=None)
@given(score_1_5, score_1_5, score_1_5, st.integers(min_value=1, max_value=3))
def test_each_step_up_in_accuracy_costs_more_than_the_one_before(impact, da, diff, acc):
    drop = fsdl(impact, da, acc, diff) - fsdl(impact, da, acc + 1, diff)
    next_drop = fsdl(impact, da, acc + 1, diff) - fsdl(impact, da, acc + 2, diff)
    assert next_drop > drop > 0


def test_accuracy_four_to_five_costs_more_than_one_to_two():
    assert fsdl(3, 3, 4, 3) - fsdl(3, 3, 5, 3) > fsdl(3, 3, 1, 3) - fsdl(3, 3, 2, 3)


def test_drivers_weigh_in_the_lectures_order_of_importance():
    # The full swing of each driver (best to worst): data availability > accuracy requirement > difficulty.
    swing_data = fsdl(3, 5, 1, 1) - fsdl(3, 1, 1, 1)
    swing_acc = fsdl(3, 5, 1, 1) - fsdl(3, 5, 5, 1)
    swing_diff = fsdl(3, 5, 1, 1) - fsdl(3, 5, 1, 5)
    assert swing_data > swing_acc > swing_diff > 0


def test_fsdl_known_values():
    assert fsdl(5, 5, 1, 1) == pytest.approx(5.0)
    assert fsdl(1, 1, 5, 5) == pytest.approx(1.0)
    # impact 4; costs: data (5-4)/4=.25, accuracy (2^2-1)/15=.2, difficulty (2-1)/4=.25
    assert fsdl(4, 4, 3, 2) == pytest.approx(0.5 * 4 + 0.5 * (5 - 4 * (0.5 * 0.25 + 0.3 * 0.2 + 0.2 * 0.25)))
    assert driver_costs(make_project(cost=(5, 1, 1))) == {
        "data_availability": 0,
        "accuracy_requirement": 0,
        "problem_difficulty": 0,
    }


def test_fsdl_uses_the_mean_of_lenses_without_an_overall_impact():
    p = make_project(impact=Impact(cheap_prediction=2, peers=4), cost=(3, 3, 3))
    s = FSDL.score(p, {})
    impact_term = next(t for t in s.terms if t.name == "impact")
    assert impact_term.value == 3.0 and impact_term.detail == "mean of lenses"


def test_fsdl_names_what_is_missing():
    s = FSDL.score(make_project(cost=Cost(data_availability=3)), {})
    assert s.value is None
    assert s.reason == "missing impact, accuracy requirement, problem difficulty"


def test_feasibility_is_super_linear_in_accuracy():
    f = [feasibility_of(make_project(cost=(3, a, 3))) for a in range(1, 6)]
    drops = [f[i] - f[i + 1] for i in range(4)]
    assert all(b > a > 0 for a, b in itertools.pairwise(drops))


@pytest.mark.parametrize(
    "impact, feasibility, expected",
    [
        (4, 4, "high-priority"),
        (4, 2, "moonshot"),
        (2, 4, "quick-win"),
        (2, 2, "avoid"),
        (3, 3, "high-priority"),
        (None, 4, None),
    ],
)
def test_quadrants(impact, feasibility, expected):
    assert quadrant_of(impact, feasibility) == expected


def test_quadrant_thresholds_come_from_the_portfolio():
    pf = make_portfolio(settings=Settings(impact_threshold=4.5, feasibility_threshold=2.0))
    assert quadrant_of(4.0, 2.5, pf) == "quick-win"


# --- weighted ------------------------------------------------------------------------------------------


def test_weighted_defaults_without_settings():
    p = make_project(impact=4, cost=(5, 2, 1))
    s = WeightedScorer().score(p, {})
    assert s.value == pytest.approx(4 * 1.0 + 5 * 0.5 + 2 * -0.3 + 1 * -0.2)
    assert {t.name for t in s.terms} == {k.replace("_", " ") for k in DEFAULT_WEIGHTS}


def test_weighted_reads_weights_by_field_path_in_every_spelling():
    p = make_project(impact=Impact(overall=4, automation=5), cost=(5, 2, 1))
    flat = {"impact": 2, "automation": 1, "problem_difficulty": -1}
    dotted = {"impact.overall": 2, "impact.automation": 1, "cost.problem_difficulty": -1}
    nested = {"impact": {"overall": 2, "automation": 1}, "cost": {"problem_difficulty": -1}}
    expected = 4 * 2 + 5 * 1 + 1 * -1
    for table in (flat, dotted, nested):
        s = WeightedScorer().score(p, table)
        assert s.value == pytest.approx(expected), table
        assert sum(t.contribution for t in s.terms) == pytest.approx(s.value)


@pytest.mark.parametrize(
    "table, fragment",
    [
        ({"impact": "high"}, "weight of 'impact' must be a finite number"),
        ({"impact": True}, "weight of 'impact' must be a finite number"),
        ({"impact": float("nan")}, "must be a finite number"),
        ({"impact": float("inf")}, "must be a finite number"),
        ({"velocity": 1}, "unknown field 'velocity'"),
        ({"impact": 0, "data_availability": 0}, "every weight is zero"),
        ({"impact": 1, "impact.overall": 2}, "'impact.overall' is given twice"),
        ({"impact": [1, 2]}, "must be a finite number"),
    ],
)
def test_bad_weighted_settings_make_projects_not_scorable_with_a_clear_reason(table, fragment):
    pf = make_portfolio([make_project("a", impact=4, cost=(5, 2, 1))], scoring={"weighted": table})
    (row,) = rank(pf, WeightedScorer())
    assert row.score.value is None and not row.score.error
    assert fragment in row.score.reason and "[scoring.weighted]" in row.score.reason


def test_weighted_missing_field_with_nonzero_weight_is_not_scorable():
    s = WeightedScorer().score(make_project(impact=4), {"impact": 1, "data_availability": 0.5})
    assert s.value is None and s.reason == "missing data availability"
    # a zero weight does not need the field
    assert WeightedScorer().score(make_project(impact=4), {"impact": 1, "data_availability": 0}).value == 4


def test_weighted_flags_count():
    p = make_project(impact=3, cost=Cost(flags=("complex_output", "reliability_required")))
    assert WeightedScorer().score(p, {"impact": 1, "flags": -0.5}).value == pytest.approx(2.0)


def test_parse_weights_accepts_ints():
    assert parse_weights({"peers": 2}) == {"peers": 2.0}


def test_builtin_scorers_meet_the_plugin_contract():
    check_scorer(FsdlScorer())
    check_scorer(WeightedScorer())


# --- ranking and safe_score ------------------------------------------------------------------------------


class Fixed(Scorer):
    name = "fixed"

    def __init__(self, values):
        self.values = values

    def score(self, project, settings):
        v = self.values[project.id]
        if isinstance(v, Exception):
            raise v
        return v if isinstance(v, Score) or not isinstance(v, (int, float, type(None))) else Score(v)


def test_rank_ties_keep_file_order_and_unscorable_come_last():
    ids = ["a", "b", "c", "d", "e"]
    pf = make_portfolio([make_project(i) for i in ids])
    ranked = rank(pf, Fixed({"a": 1.0, "b": None, "c": 3.0, "d": 1.0, "e": 3.0}))
    assert [r.project.id for r in ranked] == ["c", "e", "a", "d", "b"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, None]


def test_rank_passes_the_scorers_own_settings():
    seen = []

    class Spy(Scorer):
        name = "spy"

        def score(self, project, settings):
            seen.append(dict(settings))
            return Score(1.0)

    rank(make_portfolio([make_project()], scoring={"spy": {"k": 1}, "other": {"k": 2}}), Spy())
    assert seen == [{"k": 1}]


@pytest.mark.parametrize(
    "value, fragment",
    [
        (ValueError("bad input"), "ValueError: bad input"),
        (Score(float("nan")), "not a finite number"),
        (Score(float("inf")), "not a finite number"),
        (Score(True), "not a finite number"),
        (Score("3"), "not a finite number"),
        ("3.0", "returned str, not a Score"),
    ],
)
def test_safe_score_turns_failures_into_error_scores(value, fragment):
    s = safe_score(Fixed({"p": value}), make_project("p"), {})
    assert s.value is None and s.error and fragment in s.reason


def test_a_scorer_that_raises_on_one_project_still_ranks_the_others():
    pf = make_portfolio([make_project(i) for i in "abc"])
    ranked = rank(pf, Fixed({"a": 2.0, "b": RuntimeError("nope"), "c": 1.0}))
    assert [(r.project.id, r.rank, r.score.error) for r in ranked] == [
        ("a", 1, False),
        ("c", 2, False),
        ("b", None, True),
    ]


def test_the_scoring_benchmark_runs_and_reports_a_ratio():
    from benchmarks.bench_scoring import measure

    r = measure(size=30, repeats=1)
    assert r["size"] == 30 and r["load_s"] > 0 and r["ratio"] == pytest.approx(r["rank_s"] / r["load_s"])


def test_fsdl_scores_shared_by_equal_values_are_the_ones_made_for_each_project() -> None:
    scorer = FsdlScorer()
    values = (None, 1, 2, 3, 4, 5)
    rng = random.Random(0)
    combos = list(itertools.product(values, repeat=8))
    for combo in [*rng.sample(combos, 3000), (None,) * 8, (5,) * 8, (1,) * 8]:
        imp, cost = combo[:5], combo[5:]
        p = Project(
            id="p",
            title="P",
            impact=Impact(*imp),
            cost=Cost(data_availability=cost[0], accuracy_requirement=cost[1], problem_difficulty=cost[2]),
        )
        assert scorer.score(p, {}) == scorer.score(p, {}) == scorer._score(p)
    floats = Project(id="f", title="F", impact=Impact(overall=3.5), cost=Cost(2.0, "", 3, "", 4))  # type: ignore[arg-type]
    assert scorer.score(floats, {}) == scorer._score(floats)


@pytest.mark.parametrize("first", ["whole", "other"])
@pytest.mark.parametrize("other", [3.0, True, 2.5, [3]])
def test_a_shared_fsdl_score_is_the_score_of_the_project_whatever_its_number_types(first: str, other) -> None:
    from fsdl_tui.scoring import base

    base._SCORES.clear()
    whole_value = 1 if other is True else 3
    whole = Project(id="a", title="A", impact=Impact(overall=whole_value), cost=Cost(3, "", 2, "", whole_value))
    odd = whole.replace(impact=Impact(overall=other), cost=Cost(3, "", 2, "", other))
    order = [whole, odd] if first == "whole" else [odd, whole]
    scorer = FsdlScorer()
    for p in order:
        try:
            expected = scorer._score(p)
        except TypeError:  # a list is no number: it fails either way, as an error score in `safe_score`
            assert safe_score(scorer, p, {}).error
            continue
        assert scorer.score(p, {}) == expected
