"""The sample portfolios, the bundled sample and the format documentation.

The samples are what new users see first and what the docs point to, so they must load cleanly, cover the
whole FSDL lecture 1 framework between them, and behave like any hand-written file: byte-identical
round-trips and one-line diffs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.resources
import itertools
import re
import tomllib
from pathlib import Path

import pytest

from fsdl_tui.domain import framework as fw
from fsdl_tui.domain.codec import (
    BASELINE_KIND_IDS,
    DRIVER_KEYS,
    FLAG_IDS,
    GATE_IDS,
    IMPACT_KEYS,
    PROJECT_KEYS,
    QUESTION_IDS,
    STEP_IDS,
    TOP_KEYS,
    portfolio_from_data,
)
from fsdl_tui.domain.fields import get_field, set_field
from fsdl_tui.domain.lifecycle import move
from fsdl_tui.scoring.base import FsdlScorer, rank
from fsdl_tui.storage import PortfolioDocument, load, loads, render_text, save

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_portfolios"
SAMPLES = sorted(SAMPLE_DIR.glob("*.toml"))
FORMAT_DOC = ROOT / "docs" / "format.md"
QUADRANT_IDS = {q.id for q in fw.QUADRANTS}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.fixture(scope="module")
def docs() -> dict[Path, PortfolioDocument]:
    return {path: load(path) for path in SAMPLES}


def changed_lines(before: str, after: str) -> list[str]:
    """Lines removed ('-') and added ('+'), as git diff would show them."""
    a, b = before.splitlines(), after.splitlines()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out += ["-" + line for line in a[i1:i2]] + ["+" + line for line in b[j1:j2]]
    return out


def format_example() -> str:
    m = re.search(r"^```toml\n(.*?)^```", FORMAT_DOC.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    assert m, "docs/format.md has no ```toml example"
    return m.group(1)


# --- every sample ------------------------------------------------------------------------------------------


def test_there_are_at_least_three_samples_including_the_lecture_example() -> None:
    assert len(SAMPLES) >= 3
    assert SAMPLE_DIR / "full-stack-robotics.toml" in SAMPLES


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_sample_loads_without_problems_and_has_8_to_20_projects(path: Path) -> None:
    doc = load(path)  # raises PortfolioLoadError listing every problem
    assert 8 <= len(doc.portfolio.projects) <= 20


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_sample_is_hand_written(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    comment_lines = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    trailing_comments = [line for line in text.splitlines() if re.search(r"\S\s+#\s", line)]
    assert len(comment_lines) >= 5 and trailing_comments
    assert '"""' in text or "'''" in text  # multi-line text somewhere


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_histories_chain_from_planning_and_end_at_the_stage(path: Path, docs: dict) -> None:
    for p in docs[path].portfolio.projects:
        history = p.lifecycle.history
        if not history:
            assert p.stage == "planning", f"{p.id}: in '{p.stage}' with no history"
            continue
        assert history[0].from_stage == "planning", p.id
        for prev, cur in itertools.pairwise(history):
            assert cur.from_stage == prev.to_stage, f"{p.id}: {cur} does not follow {prev}"
            assert cur.date >= prev.date, f"{p.id}: history out of date order at {cur}"
        assert history[-1].to_stage == p.stage, p.id
        for mv in history:
            assert dt.date(2025, 1, 1) <= mv.date <= dt.date(2026, 12, 31), f"{p.id}: unrealistic date {mv.date}"
            assert not mv.is_backward or mv.note.strip(), f"{p.id}: backward move without a reason"


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_each_sample_has_a_loop_back_every_quadrant_and_an_unscorable_project(path: Path, docs: dict) -> None:
    pf = docs[path].portfolio
    assert any(p.lifecycle.loop_backs for p in pf.projects)
    ranked = rank(pf, FsdlScorer())
    assert {r.quadrant for r in ranked if r.quadrant} == QUADRANT_IDS
    assert any(not r.score.scorable for r in ranked)
    assert len({r.score.value for r in ranked if r.score.scorable}) >= 5  # a ranking worth looking at


def test_samples_together_cover_the_framework(docs: dict) -> None:
    projects = [p for d in docs.values() for p in d.portfolio.projects]
    assert {p.archetype for p in projects} >= {a.id for a in fw.ARCHETYPES}
    assert {p.stage for p in projects} == set(fw.STAGE_IDS)
    for status in ("on-hold", "killed"):
        held = [p for p in projects if p.status == status]
        assert held and all(p.lifecycle.status_reason.strip() for p in held), status
    # Loop-backs that use the lecture's reasons, from every stage that has some.
    reasons = {(src, dst, reason) for src, options in fw.LOOP_BACK_REASONS.items() for dst, reason in options}
    used = {
        (mv.from_stage, mv.to_stage)
        for p in projects
        for mv in p.lifecycle.history
        if any(mv.note.startswith(r) and (mv.from_stage, mv.to_stage) == (s, d) for s, d, r in reasons)
    }
    assert {src for src, _ in used} == set(fw.LOOP_BACK_REASONS)
    # Checklists with notes, metrics, answers, flags.
    assert any(c.note for p in projects for c in p.gate.values())
    assert any(c.note for p in projects for c in p.feasibility.values())
    assert any(p.metrics.satisficing for p in projects)
    assert {b.kind for p in projects for b in p.metrics.baselines} == set(BASELINE_KIND_IDS)
    assert {q for p in projects for q in p.questions} == set(QUESTION_IDS)
    assert {f for p in projects for f in p.cost.flags} == set(FLAG_IDS)
    assert any(p.depends_on for p in projects)
    assert any(p.extra for p in projects)  # a key fsdl-tui does not know, kept


def test_a_sample_has_weighted_scorer_settings_and_rice_plugin_fields(docs: dict) -> None:
    portfolios = [d.portfolio for d in docs.values()]
    weights = [pf.scoring["weighted"] for pf in portfolios if "weighted" in pf.scoring]
    assert weights
    for w in weights:
        assert set(w) >= {"impact", *DRIVER_KEYS}
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in w.values())
    rice = [pf for pf in portfolios if "rice" in pf.plugins]
    assert rice
    fields = [p.plugins["rice"] for pf in rice for p in pf.projects if "rice" in p.plugins]
    assert len(fields) >= 3
    for f in fields:
        assert set(f) == {"reach", "impact", "confidence", "effort"}
        assert 0 < f["confidence"] <= 1 and f["effort"] > 0


# --- the bundled copy ----------------------------------------------------------------------------------------


def test_bundled_sample_is_a_byte_identical_copy_of_the_lecture_example() -> None:
    bundled = importlib.resources.files("fsdl_tui.data").joinpath("sample.toml").read_bytes()
    assert bundled == (SAMPLE_DIR / "full-stack-robotics.toml").read_bytes()
    assert loads(bundled.decode("utf-8"), "sample.toml").portfolio.name == "Full Stack Robotics"


# --- writing: round-trips and minimal diffs -------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_round_trip_is_byte_identical(path: Path, docs: dict, tmp_path: Path) -> None:
    doc = docs[path]
    assert render_text(doc, doc.portfolio) == doc.text
    # An equal portfolio that is a different object (as after an undo) must not rewrite anything either.
    fresh, issues = portfolio_from_data(tomllib.loads(doc.text))
    assert not issues and fresh is not doc.portfolio
    assert render_text(doc, fresh) == doc.text
    out = tmp_path / path.name
    save(doc, fresh, out)
    assert out.read_bytes() == path.read_bytes()


def _other_score(value: object) -> int:
    return 2 if value == 1 else 1


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_one_field_edit_of_any_project_changes_one_line(path: Path, docs: dict) -> None:
    doc = docs[path]
    pf = doc.portfolio
    for p in pf.projects:
        edits = [("title", p.title + " (v2)")]
        edits += [
            (f, _other_score(get_field(p, f)))
            for f in ("impact.overall", "cost.accuracy_requirement")
            if get_field(p, f) is not None
        ]
        for field, value in edits:
            text = render_text(doc, pf.with_project(set_field(p, field, value)))
            diff = changed_lines(doc.text, text)
            assert len(diff) == 2 and diff[0].startswith("-") and diff[1].startswith("+"), (p.id, field, diff)
            assert loads(text).portfolio.get(p.id) == set_field(p, field, value)


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_a_move_changes_the_stage_line_and_adds_one_history_line(path: Path, docs: dict) -> None:
    doc = docs[path]
    pf = doc.portfolio
    for p in pf.projects:
        if not p.lifecycle.history:
            continue
        moved = move(
            p,
            "planning" if p.stage != "planning" else "data",
            note="Requirements changed",
            date=dt.date(2026, 11, 2),
            force=True,
        )
        diff = changed_lines(doc.text, render_text(doc, pf.with_project(moved)))
        assert [d[0] for d in diff] == ["-", "+", "+"], (p.id, diff)
        assert diff[0].lstrip("-").startswith("stage") and "2026-11-02" in diff[2]


# --- docs/format.md ------------------------------------------------------------------------------------------


def test_format_doc_example_loads_without_problems() -> None:
    doc = loads(format_example(), "docs/format.md")
    pf = doc.portfolio
    assert [p.id for p in pf.projects] == ["grasp-pose", "data-platform"]
    assert "weighted" in pf.scoring and "rice" in pf.plugins and "rice" in pf.projects[0].plugins
    assert pf.projects[0].lifecycle.loop_backs == 1


def test_format_doc_example_round_trips_and_edits_in_one_line() -> None:
    doc = loads(format_example())
    assert render_text(doc, portfolio_from_data(tomllib.loads(doc.text))[0]) == doc.text
    p = doc.portfolio.get("grasp-pose")
    diff = changed_lines(
        doc.text, render_text(doc, doc.portfolio.with_project(set_field(p, "cost.problem_difficulty", 3)))
    )
    assert diff == [
        "-problem_difficulty = 4         # 1 solved .. 5 research",
        "+problem_difficulty = 3         # 1 solved .. 5 research",
    ]


def test_format_doc_names_every_key_and_value() -> None:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    # Every word in a code span counts: `[plugins.NAME]`, `{ kind = "external" | ... }`, `software-2.0`.
    prose = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)  # the example does not count: tables must
    words = {w for span in re.findall(r"`([^`]+)`", prose) for w in re.findall(r"[A-Za-z0-9_.-]+", span)}
    documented = words | {part for w in words for part in w.split(".")}
    expected = (
        set(TOP_KEYS)
        | set(PROJECT_KEYS)
        | set(IMPACT_KEYS)
        | set(DRIVER_KEYS)
        | {d + "_note" for d in DRIVER_KEYS}
        | set(FLAG_IDS)
        | set(GATE_IDS)
        | set(STEP_IDS)
        | set(QUESTION_IDS)
        | set(BASELINE_KIND_IDS)
        | set(fw.STAGE_IDS)
        | set(fw.STATUSES)
        | {a.id for a in fw.ARCHETYPES}
        | {
            "default_scorer",
            "impact_threshold",
            "feasibility_threshold",
            "rationale",
            "flags",
            "optimizing",
            "target",
            "satisficing",
            "baselines",
            "stage",
            "status",
            "status_reason",
            "history",
            "note",
            "done",
        }
    )
    assert expected - documented == set()
    for phrase in ("FILE:LINE:COL: message", "Full Stack Deep Learning", "schema_version", "atomic", "byte"):
        assert phrase.lower() in text.lower(), phrase
