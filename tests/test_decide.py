"""Deciding together: raters' files, agreement statistics, rank probabilities, sensitivity and the plan."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fsdl_tui.cli.main import main
from fsdl_tui.decide.agreement import agreement, kendall_w, krippendorff_alpha, matrix
from fsdl_tui.decide.plan import Candidate, PlanError, best_plan, plan
from fsdl_tui.decide.uncertainty import FIELDS, fsdl_scores, point_value, sample_ranks, sensitivity
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.domain.model import Cost, Effort, Impact, Lifecycle, Portfolio
from fsdl_tui.scoring.base import FsdlScorer, safe_score
from fsdl_tui.storage import load, new_document, save
from fsdl_tui.storage.errors import PortfolioLoadError
from fsdl_tui.storage.ratings import RaterFile, load_ratings, rater_path, ratings_dir, record

# --- helpers ---------------------------------------------------------------------------------------------


def scored(pid: str, impact: int, da: int, acc: int, diff: int, **extra: object):
    p = new_project(pid, pid.replace("-", " ").title())
    return p.replace(
        impact=Impact(overall=impact),
        cost=Cost(data_availability=da, accuracy_requirement=acc, problem_difficulty=diff),
        **extra,
    )


def write_portfolio(path: Path, projects) -> Path:
    doc = new_document(Portfolio(name="Team", projects=tuple(projects)))
    save(doc, doc.portfolio, path)
    return path


def rater(name: str, scores: dict[str, dict[str, int]]) -> RaterFile:
    return RaterFile(name, Path(f"{name}.toml"), scores)


def reference_ordinal_alpha(data: np.ndarray) -> float:
    """Krippendorff's alpha, ordinal, written from the definition (coincidence matrix), for checking only."""
    values = sorted({v for v in data.flatten() if not np.isnan(v)})
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    o = np.zeros((k, k))
    for unit in data.T:
        vals = [v for v in unit if not np.isnan(v)]
        m = len(vals)
        if m < 2:
            continue
        for a, b in itertools.permutations(range(m), 2):
            o[index[vals[a]], index[vals[b]]] += 1 / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()

    def delta(c: int, kk: int) -> float:
        lo, hi = min(c, kk), max(c, kk)
        s = n_c[lo : hi + 1].sum() - (n_c[lo] + n_c[hi]) / 2
        return float(s**2)

    d_o = sum(o[c, kk] * delta(c, kk) for c in range(k) for kk in range(k))
    d_e = sum(n_c[c] * n_c[kk] * delta(c, kk) for c in range(k) for kk in range(k)) / (n - 1)
    return 1 - d_o / d_e


# --- raters' files ---------------------------------------------------------------------------------------


def test_record_creates_one_file_per_rater_and_keeps_comments(tmp_path: Path) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored("a", 3, 3, 3, 3)])
    path = record(pf, "Ana Ruiz", "a", {"impact": 4, "data_availability": 2}, "half labelled")
    assert path == ratings_dir(pf) / "ana-ruiz.toml" == rater_path(pf, "Ana Ruiz")
    text = path.read_text()
    path.write_text(text.replace("impact = 4", "impact = 4  # my guess") + "\n[projects.a.extra]\nkeep = 1\n")
    record(pf, "Ana Ruiz", "a", {"problem_difficulty": 5})
    after = path.read_text()
    assert "impact = 4  # my guess" in after and "keep = 1" in after and "problem_difficulty = 5" in after
    [rf] = load_ratings(pf)
    assert rf.rater == "Ana Ruiz"
    assert rf.scores["a"] == {"impact": 4, "data_availability": 2, "problem_difficulty": 5}
    assert rf.notes["a"] == "half labelled"
    record(pf, "Ana Ruiz", "a", {"impact": None})
    assert "impact" not in load_ratings(pf)[0].scores["a"]


def test_bad_ratings_file_is_reported_with_its_location(tmp_path: Path) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored("a", 3, 3, 3, 3)])
    folder = ratings_dir(pf)
    folder.mkdir()
    (folder / "bo.toml").write_text('schema_version = 1\nrater = "Bo"\n\n[projects.a]\nimpact = 9\n')
    with pytest.raises(PortfolioLoadError) as err:
        load_ratings(pf)
    assert str(err.value) == f"{folder / 'bo.toml'}:5:1: projects.a.impact must be a whole number from 1 to 5, not 9"


def test_rate_command_refuses_bad_input_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored("a", 3, 3, 3, 3)])
    assert main(["rate", str(pf), "--as", "Bo", "a", "impact=7"]) == 1
    assert "out of range" in capsys.readouterr().err
    assert main(["rate", str(pf), "--as", "Bo", "nope", "impact=3"]) == 1
    assert "no project 'nope'" in capsys.readouterr().err
    assert main(["rate", str(pf), "--as", "Bo", "a", "colour=3"]) == 1
    assert "unknown rating field 'colour'" in capsys.readouterr().err
    assert not ratings_dir(pf).exists()


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(cwd / ".gitconfig-test"),
        "HOME": str(cwd),
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_three_raters_on_three_branches_merge_with_plain_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "Lead")
    pf = write_portfolio(repo / "team.toml", [scored("a", 3, 3, 3, 3), scored("b", 2, 2, 2, 2)])
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "portfolio")
    for name, impact in (("Ana", 5), ("Bo", 3), ("Cy", 1)):
        _git(repo, "checkout", "-q", "-b", f"rate-{name}", "main")
        # --as defaults to git config user.name
        _git(repo, "config", "user.name", name)
        assert main(["rate", str(pf), "a", f"impact={impact}", "data=3"]) == 0
        assert main(["rate", str(pf), "b", f"impact={6 - impact}"]) == 0
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", f"{name} rates")
    _git(repo, "checkout", "-q", "main")
    for name in ("Ana", "Bo", "Cy"):
        run = _git(repo, "merge", "--no-edit", f"rate-{name}")
        assert run.returncode == 0, run.stdout + run.stderr
    assert [r.rater for r in load_ratings(pf)] == ["Ana", "Bo", "Cy"]
    assert load(pf).text == pf.read_text()  # the portfolio itself is untouched


# --- agreement -------------------------------------------------------------------------------------------


def test_alpha_matches_the_definition_with_missing_ratings() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        data = rng.integers(1, 6, size=(4, 12)).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        alpha, _ = krippendorff_alpha(data)
        if alpha is None:
            continue
        assert alpha == pytest.approx(reference_ordinal_alpha(data), abs=1e-9)


def test_average_ranks_match_scipy() -> None:
    from scipy.stats import rankdata

    from fsdl_tui.decide.agreement import average_ranks

    rng = np.random.default_rng(1)
    for _ in range(20):
        row = rng.integers(1, 6, size=15).astype(float)
        assert average_ranks(row) == pytest.approx(rankdata(row))


def test_kendall_w_extremes() -> None:
    same = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], dtype=float)
    assert kendall_w(same)[0] == pytest.approx(1.0)
    opposite = np.array([[1, 2, 3, 4], [4, 3, 2, 1]], dtype=float)
    assert kendall_w(opposite)[0] == pytest.approx(0.0)
    missing = np.array([[1, 2, np.nan], [1, 2, 3]])
    assert kendall_w(missing) == (pytest.approx(1.0), 2)  # over the projects both rated


def test_ratings_json_has_alpha_for_every_field_rated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored(p, 3, 3, 3, 3) for p in "abcd"])
    table = {"Ana": [5, 4, 2, 1], "Bo": [4, 4, 2, 2], "Cy": [5, 3, 1, 1]}
    for name, impacts in table.items():
        for pid, v in zip("abcd", impacts, strict=True):
            record(pf, name, pid, {"impact": v, "problem_difficulty": 6 - v})
    assert main(["ratings", str(pf), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["fields"]) == {"impact", "problem_difficulty"}
    data = matrix(load_ratings(pf), list("abcd"), "impact")
    assert out["fields"]["impact"]["alpha"] == pytest.approx(reference_ordinal_alpha(data))
    assert out["fields"]["impact"]["consensus"]["b"]["median"] == 4
    assert out["raters"] == ["Ana", "Bo", "Cy"]


def test_disputes_name_who_is_at_each_end() -> None:
    pf = Portfolio(projects=(scored("a", 3, 3, 3, 3), scored("b", 3, 3, 3, 3)))
    ag = agreement(
        pf,
        [rater("Ana", {"a": {"impact": 5}, "b": {"impact": 3}}), rater("Bo", {"a": {"impact": 1}, "b": {"impact": 4}})],
    )
    [(pid, field, pc)] = ag.disputed
    assert (pid, field, pc.low, pc.high, pc.spread) == ("a", "impact", ["Bo"], ["Ana"], 4)


def test_adopt_writes_the_consensus_as_a_minimal_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored("a", 3, 3, 3, 3), scored("b", 2, 2, 2, 2)])
    before = pf.read_text().splitlines()
    record(pf, "Ana", "a", {"impact": 5})
    record(pf, "Bo", "a", {"impact": 4})
    record(pf, "Cy", "a", {"impact": 5})
    assert main(["ratings", str(pf), "--adopt"]) == 0
    assert "a: impact.overall 3 -> 5" in capsys.readouterr().out
    after = pf.read_text().splitlines()
    changed = [(x, y) for x, y in zip(before, after, strict=True) if x != y]
    assert len(before) == len(after) and len(changed) == 1
    assert load(pf).portfolio.get("a").impact.overall == 5  # type: ignore[union-attr]


# --- uncertainty -----------------------------------------------------------------------------------------


def test_vectorized_fsdl_score_equals_the_scorer() -> None:
    rng = random.Random(3)
    projects = [scored(f"p{i}", *(rng.randint(1, 5) for _ in range(4))) for i in range(40)]
    values = {f: np.array([[point_value(p, f) for p in projects]]) for f in FIELDS}
    got = fsdl_scores(values)[0]
    want = [safe_score(FsdlScorer(), p, {}).value for p in projects]
    assert got == pytest.approx(want)


def test_two_projects_alike_share_the_top_and_a_clear_leader_keeps_it() -> None:
    rest = [scored(f"low{i}", 1, 1, 5, 5) for i in range(5)]
    twins = Portfolio(projects=(scored("a", 5, 5, 1, 1), scored("b", 5, 5, 1, 1), *rest))
    raters = [rater(n, {"a": {"impact": v}, "b": {"impact": v}}) for n, v in (("Ana", 5), ("Bo", 4), ("Cy", 5))]
    res = sample_ranks(twins, FsdlScorer(), raters, draws=4000, top_k=1, seed=11)
    odds = {o.project_id: o.p_top_k for o in res.projects}
    assert 0.4 < odds["a"] < 0.6 and 0.4 < odds["b"] < 0.6
    assert odds["a"] + odds["b"] == pytest.approx(1.0)
    assert "b" in next(o for o in res.projects if o.project_id == "a").tied_with

    leader = Portfolio(projects=(scored("a", 5, 5, 1, 1), scored("b", 3, 3, 3, 3), *rest))
    raters = [rater(n, {"a": {"impact": v}, "b": {"impact": w}}) for n, v, w in (("Ana", 5, 3), ("Bo", 4, 2))]
    res = sample_ranks(leader, FsdlScorer(), raters, draws=4000, top_k=1, seed=11)
    assert next(o for o in res.projects if o.project_id == "a").p_top_k >= 0.99


def test_sampling_is_seeded_and_ranges_are_used() -> None:
    pf = Portfolio(projects=(scored("a", 4, 3, 3, 3), scored("b", 4, 3, 3, 3)))
    ranges = {"a": {"impact": (1, 5)}}
    one = sample_ranks(pf, FsdlScorer(), draws=500, top_k=1, seed=5, ranges=ranges)
    two = sample_ranks(pf, FsdlScorer(), draws=500, top_k=1, seed=5, ranges=ranges)
    assert [o.p_top_k for o in one.projects] == [o.p_top_k for o in two.projects]
    a = next(o for o in one.projects if o.project_id == "a")
    # impact uniform on 1-5 against b's 4: a leads at 5 (1/5) and wins half the ties at 4 (1/10): 0.3
    assert a.source == "range" and 0.22 < a.p_top_k < 0.38


def reference_sample_ranks(pf: Portfolio, raters: list[RaterFile], ranges, draws: int, k: int, seed: int):
    """`sample_ranks` written out draw by draw and project by project, for checking only: the inputs drawn by
    `Sampler.draw` (the same random numbers), each project scored by the scorer itself, each tie's places
    shared equally; p_top_k, the 90% rank interval and the share of draws a neighbour is ahead."""
    from fsdl_tui.decide.uncertainty import CHUNK, Sampler
    from fsdl_tui.domain.fields import set_field
    from fsdl_tui.storage.ratings import RATING_FIELDS

    projects = list(pf.projects)
    n = len(projects)
    sampler = Sampler(projects, raters, ranges)
    rng = np.random.default_rng(seed)
    rows = []
    for start in range(0, draws, CHUNK):
        size = min(CHUNK, draws - start)
        d = sampler.draw(size, rng)
        for t in range(size):
            row = []
            for j, p in enumerate(projects):
                q = p
                for f in FIELDS:
                    v = d.values[f][t, j]
                    if not np.isnan(v):
                        q = set_field(q, RATING_FIELDS[f][0], int(v))
                value = safe_score(FsdlScorer(), q, {}).value
                row.append(None if value is None else round(value, 9))
            rows.append(row)
    top = [0.0] * n
    hist = [[0.0] * n for _ in range(n)]
    for row in rows:
        for j, v in enumerate(row):
            if v is None:
                b, g = sum(x is not None for x in row), sum(x is None for x in row)
            else:
                b, g = sum(x is not None and x > v for x in row), sum(x == v for x in row)
            for r in range(b, b + g):
                hist[j][r] += 1 / g
                if v is not None and r < k:
                    top[j] += 1 / g
    i_lo, i_hi = int(np.floor(0.05 * (draws - 1))), int(np.ceil(0.95 * (draws - 1)))

    def order_stat(j: int, i: int) -> int:
        total = 0.0
        for r in range(n):
            total += hist[j][r]
            if total >= i + 1 - 1e-6:
                return r + 1
        return n

    point = [safe_score(FsdlScorer(), p, {}).value for p in projects]
    order = sorted((j for j in range(n) if point[j] is not None), key=lambda j: (-point[j], j))  # type: ignore[operator]
    ahead = {}
    for a, b in itertools.pairwise(order):
        wins = 0.0
        for row in rows:
            va, vb = row[a], row[b]
            if va is not None and (vb is None or va > vb):
                wins += 1
            elif va == vb:
                wins += 0.5
        ahead[(projects[a].id, projects[b].id)] = wins / draws
    odds = {p.id: (top[j] / draws, (order_stat(j, i_lo), order_stat(j, i_hi))) for j, p in enumerate(projects)}
    return odds, ahead


def test_the_fast_path_agrees_with_a_plain_reference_for_the_same_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    from fsdl_tui.decide import uncertainty
    from fsdl_tui.domain.model import Cost as _Cost

    # Chunks of 100 draws (both paths read CHUNK as they run): 250 draws are two full chunks and a short one,
    # a sixth of the draws the default chunk size needs for that, each scored project by project below.
    monkeypatch.setattr(uncertainty, "CHUNK", 100)

    projects = [
        scored("a", 4, 3, 3, 3),
        scored("b", 4, 3, 3, 3),
        scored("c", 3, 4, 2, 3),
        scored("d", 5, 2, 4, 4),
        scored("e", 2, 5, 1, 1),
        scored("f", 3, 3, 3, 3).replace(cost=_Cost(data_availability=3, accuracy_requirement=3)),  # Cy completes it
        scored("g", 3, 3, 3, 2),
        scored("h", 5, 5, 1, 1).replace(cost=_Cost(data_availability=5)),  # never scorable
    ]
    pf = Portfolio(projects=tuple(projects))
    raters = [
        rater("Ana", {"a": {"impact": 5}, "b": {"impact": 3, "data_availability": 2}, "d": {"impact": 3}}),
        rater("Bo", {"a": {"impact": 4, "problem_difficulty": 2}, "c": {"impact": 4}, "f": {"impact": 5}}),
        rater("Cy", {"b": {"impact": 5}, "c": {"impact": 2}, "f": {"problem_difficulty": 2}}),
    ]
    ranges = {"e": {"impact": (1, 5)}, "g": {"impact": (2, 4), "data_availability": (2, 4)}}
    draws, k = 250, 2
    assert draws > 2 * uncertainty.CHUNK and draws % uncertainty.CHUNK
    want, ahead = reference_sample_ranks(pf, raters, ranges, draws, k, seed=7)

    class SameAsFsdl(FsdlScorer):  # not the class itself: scored project by project (the generic path)
        pass

    for scorer in (FsdlScorer(), SameAsFsdl()):
        res = sample_ranks(pf, scorer, raters, draws=draws, top_k=k, seed=7, ranges=ranges)
        got = {o.project_id: (o.p_top_k, o.rank_interval) for o in res.projects}
        for pid, (p_top, interval) in want.items():
            assert got[pid][0] == pytest.approx(p_top, abs=1e-9), pid
            assert got[pid][1] == interval, pid
        tied = {(o.project_id, t) for o in res.projects for t in o.tied_with}
        for (a, b), share in ahead.items():
            assert ((a, b) in tied) == (share < 0.9) and ((b, a) in tied) == (share < 0.9), (a, b, share)
    assert 0 < want["a"][0] < 1 and 0 < want["f"][0] < 1 and want["h"][0] == 0  # not degenerate


def test_rater_picks_are_exactly_uniform_and_drawn_again_until_kept() -> None:
    from fsdl_tui.decide.uncertainty import _picks, lemire

    every = np.arange(1 << 16, dtype=np.uint16)  # all 16-bit draws
    for s in (1, 2, 3, 7, 20, 64, 1000, 4096):
        m, again = lemire(every, np.array(s), 16)
        per_pick = np.bincount((m[~again] >> 16).astype(np.intp), minlength=s)
        assert per_pick.size == s and (per_pick == per_pick[0]).all(), s  # each pick as many kept draws
        assert int(again.sum()) == (1 << 16) % s
    counts = np.array([1, 3, 20, 7, 20])
    m = _picks(np.random.default_rng(4), counts, 6000, 16)
    x = (m // counts[:, None]).astype(np.uint16)  # the draws that were kept
    assert not lemire(x, counts[:, None], 16)[1].any()
    picks = m >> 16
    assert (picks < counts[:, None]).all()
    for row, s in zip(picks, counts, strict=True):
        share = np.bincount(row.astype(np.intp), minlength=s) / row.size
        assert np.abs(share - 1 / s).max() < 5 * np.sqrt(1 / s / row.size) + 1e-12


def test_the_rows_in_the_high_bits_pick_the_same_codes_as_the_plain_lookup() -> None:
    from fsdl_tui.decide.uncertainty import FSDL_WEIGHTS, Sampler, ScoreTable

    projects = [scored(f"p{i}", 1 + i % 5, 1 + i * 3 % 5, 1 + i % 4, 2) for i in range(30)]
    rng = np.random.default_rng(8)
    raters = [
        rater(f"r{r}", {p.id: {"impact": int(rng.integers(1, 6))} for p in projects if rng.random() < 0.7})
        for r in range(6)
    ]
    sampler = Sampler(projects, raters, {})
    table = ScoreTable(sampler, "fsdl", FSDL_WEIGHTS)
    m, _ = sampler.pick(200, rng)
    assert m is not None and table.high is not None
    fast = table._rated(m.copy())
    cols = sampler.rated_cols
    assert (fast == table.codes[cols[:, None], sampler.slots(m)]).all()  # codes[project, its picked rater]
    table.high = None
    assert (table._rated(m.copy()) == fast).all()


def plain_tally(codes: np.ndarray, ncodes: int, k: int, order: list[int]):
    """What `RankTally` sums, from codes (projects, draws) one draw and project at a time, for checking only."""
    n, draws = codes.shape
    hist, top = np.zeros((n, n)), np.zeros(n)
    for t in range(draws):
        col = codes[:, t]
        for j in range(n):
            b, g = int((col < col[j]).sum()), int((col == col[j]).sum())
            for r in range(b, b + g):
                hist[j, r] += 1 / g
                top[j] += 1 / g if r < k and col[j] != ncodes - 1 else 0
    cdf = np.cumsum(hist, axis=1)
    i_lo, i_hi = int(np.floor(0.05 * (draws - 1))), int(np.ceil(0.95 * (draws - 1)))
    lo, hi = np.argmax(cdf >= i_lo + 1 - 1e-6, axis=1) + 1, np.argmax(cdf >= i_hi + 1 - 1e-6, axis=1) + 1
    ahead = [
        ((codes[a] < codes[b]).sum() + 0.5 * (codes[a] == codes[b]).sum()) / draws for a, b in itertools.pairwise(order)
    ]
    return top / draws, lo, hi, np.array(ahead)


@pytest.mark.parametrize(
    ("chunk", "kept", "bins", "dtype"),
    [
        (128, 1 << 22, 1 << 22, np.int16),  # as sample_ranks runs: folded at the end
        (128, 36, 1 << 22, np.int32),  # folded every few draws
        (8, 1 << 22, 1 << 22, np.int16),  # chunks narrower than what comes: padded past the last place
        (128, 1 << 22, 40, np.int32),  # histograms too big to keep whole: cells kept, split in narrow pieces
    ],
)
def test_the_tally_equals_a_plain_count_with_ties_and_unscorable_projects(
    monkeypatch: pytest.MonkeyPatch, chunk: int, kept: int, bins: int, dtype: type
) -> None:
    from fsdl_tui.decide import uncertainty

    monkeypatch.setattr(uncertainty, "CHUNK", chunk)
    monkeypatch.setattr(uncertainty, "KEPT", kept)
    monkeypatch.setattr(uncertainty, "BINS", bins)
    rng = np.random.default_rng(5)
    n, draws, ncodes, k = 12, 150, 6, 3
    codes = rng.integers(0, ncodes - 1, size=(n, draws))  # few codes: many ties
    codes[rng.random((n, draws)) < 0.3] = ncodes - 1  # not scorable in that draw
    codes[1:, :4] = ncodes - 1  # draws with fewer than k scorable projects
    codes[7] = ncodes - 1  # never scorable
    order = [int(j) for j in rng.permutation(n) if j != 7]
    tally = uncertainty.RankTally(n, draws, k, order)
    assert (tally.diff is None) == (bins < n * (n + 2))
    for start in range(0, draws, 37):
        tally.add(codes[:, start : start + 37].astype(dtype), ncodes)
    lo, hi = tally.intervals()
    p_top, want_lo, want_hi, ahead = plain_tally(codes, ncodes, k, order)
    assert tally.p_top() == pytest.approx(p_top, abs=1e-9)
    assert (lo == want_lo).all() and (hi == want_hi).all()
    assert tally.p_ahead() == pytest.approx(ahead, abs=1e-12)
    assert 0 < p_top.max() < 1 and p_top[7] == 0 and (want_lo < want_hi).any()  # not degenerate


def test_more_than_4096_raters_of_a_project_are_picked_with_32_bits_on_both_paths() -> None:
    from fsdl_tui.decide.uncertainty import Sampler

    pf = Portfolio(projects=(scored("a", 3, 3, 3, 3), scored("b", 3, 3, 3, 3), scored("c", 2, 3, 3, 3)))
    raters = [rater(f"r{i}", {"a": {"impact": 1 + i % 5}, "b": {"impact": 1 + i * 7 % 5}}) for i in range(4100)]
    assert Sampler(list(pf.projects), raters, {}).bits == 32
    want, _ = reference_sample_ranks(pf, raters, {}, 300, 1, seed=3)
    res = sample_ranks(pf, FsdlScorer(), raters, draws=300, top_k=1, seed=3)
    got = {o.project_id: (o.p_top_k, o.rank_interval) for o in res.projects}
    for pid, (p_top, interval) in want.items():
        assert got[pid][0] == pytest.approx(p_top, abs=1e-9) and got[pid][1] == interval, pid
    assert 0 < want["a"][0] < 1


def test_sensitivity_reports_a_swap_that_really_swaps() -> None:
    pf = Portfolio(projects=(scored("a", 4, 4, 2, 2), scored("b", 4, 3, 2, 2), scored("c", 1, 1, 5, 5)))
    res = sensitivity(pf, FsdlScorer(), top_k=1, draws=500, seed=2)
    assert res.top == ["a"] and res.stable_share is not None and 0 <= res.stable_share <= 1
    swap = next(s for s in res.swaps if s.above == "a" and s.below == "b")
    from fsdl_tui.domain.fields import set_field
    from fsdl_tui.storage.ratings import RATING_FIELDS

    changed = set_field(pf.get(swap.project), RATING_FIELDS[swap.field][0], swap.new)  # type: ignore[arg-type]
    new = pf.with_project(changed)
    ranked = sorted(new.projects, key=lambda p: -(safe_score(FsdlScorer(), p, {}).value or 0))
    assert ranked[0].id == "b"


# --- plan ------------------------------------------------------------------------------------------------


def _brute_force(cands: list[Candidate], budget: float, production: set[str]) -> float:
    best = 0.0
    for mask in range(1 << len(cands)):
        chosen = {c.id for i, c in enumerate(cands) if mask >> i & 1}
        if sum(c.weeks for c in cands if c.id in chosen) > budget + 1e-9:
            continue
        ok = all(d in chosen or d in production for c in cands if c.id in chosen for d in c.depends_on)
        if ok:
            best = max(best, sum(c.score for c in cands if c.id in chosen))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_plan_is_as_good_as_trying_every_subset(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(5, 15)
    cands = []
    for i in range(n):
        deps = tuple(f"p{j}" for j in range(i) if rng.random() < 0.15)
        cands.append(Candidate(f"p{i}", round(rng.uniform(0.5, 5), 3), {"weeks": float(rng.randint(1, 8))}, deps))
    budget = float(rng.randint(4, 30))
    x = best_plan(cands, {"weeks": budget}, {}, set())
    assert x is not None
    got = sum(c.score for c, xi in zip(cands, x, strict=True) if xi)
    assert got == pytest.approx(_brute_force(cands, budget, set()), abs=1e-6)
    chosen = {c.id for c, xi in zip(cands, x, strict=True) if xi}
    assert all(d in chosen for c in cands if c.id in chosen for d in c.depends_on)
    assert sum(c.weeks for c in cands if c.id in chosen) <= budget


def _random_cands(seed: int, n: int) -> tuple[list[Candidate], float]:
    rng = random.Random(seed)
    cands = []
    for i in range(n):
        deps = tuple(f"p{j}" for j in range(i) if rng.random() < 0.15)
        cands.append(Candidate(f"p{i}", round(rng.uniform(0.5, 5), 3), {"weeks": float(rng.randint(1, 8))}, deps))
    return cands, float(rng.randint(4, 30))


@pytest.mark.parametrize("seed", range(6))
def test_the_lp_presolve_keeps_the_plan_exact(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reduced-cost fixing runs on every program here (not only on large ones): still the best of all subsets."""
    import fsdl_tui.decide.plan as plan_module

    monkeypatch.setattr(plan_module, "SMALL", 0)
    cands, budget = _random_cands(100 + seed, 14)
    x = best_plan(cands, {"weeks": budget}, {}, set())
    assert x is not None
    got = sum(c.score for c, xi in zip(cands, x, strict=True) if xi)
    assert got == pytest.approx(_brute_force(cands, budget, set()), abs=1e-6)


@pytest.mark.parametrize("unit", [1.0, 0.5])  # whole weeks (scanned week by week), and half weeks
def test_the_pareto_front_is_every_subsets_front(unit: float) -> None:
    from fsdl_tui.decide.plan import pareto_front

    cands, _ = _random_cands(7, 10)
    cands = [Candidate(c.id, c.score, {"weeks": c.weeks * unit}, c.depends_on) for c in cands]
    steps = round(sum(c.weeks for c in cands) / unit)
    # By brute force: the best score within each multiple of the unit, and the corners where it rises.
    best_at = [_brute_force(cands, i * unit, set()) for i in range(steps + 1)]
    corners = [(0.0, 0.0)]
    for i in range(1, steps + 1):
        if best_at[i] > corners[-1][1] + 1e-9:
            corners.append((i * unit, best_at[i]))
    front = pareto_front(cands, {"weeks": 10.0}, set(), limit=100)
    assert len(front) == len(corners) > 3
    for (w1, s1), (w2, s2) in zip(front, corners, strict=True):
        assert w1 == w2 and s1 == pytest.approx(s2, abs=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_the_front_by_dynamic_program_equals_the_solvers_and_every_subsets(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole weeks and one dependency at most (some on a project in production, some on one that is not a
    candidate): the dynamic program's front is the front found by the solver week by week, and by brute force."""
    import fsdl_tui.decide.plan as plan_module

    rng = random.Random(200 + seed)
    n = rng.randint(6, 12)
    cands = []
    for i in range(n):
        roll = rng.random()
        deps = (
            (f"p{rng.randrange(i)}",)
            if i and roll < 0.4
            else ("live",)
            if roll < 0.5
            else ("gone",)
            if roll < 0.55
            else ()
        )
        cands.append(Candidate(f"p{i}", round(rng.uniform(-0.5, 5), 3), {"weeks": float(rng.randint(0, 6))}, deps))
    production = {"live"}
    assert plan_module.forest_order(cands, production) is not None
    total = round(sum(c.weeks for c in cands))

    corners = [(0.0, 0.0)]
    for w in range(1, total + 1):
        if (b := _brute_force(cands, w, production)) >= corners[-1][1] + plan_module.STEP:
            corners.append((float(w), b))
    by_dp = plan_module.pareto_front(cands, {"weeks": 1.0}, production, limit=100)
    monkeypatch.setattr(plan_module, "front_by_weeks", lambda *args: None)
    by_solver = plan_module.pareto_front(cands, {"weeks": 1.0}, production, limit=100)
    assert [w for w, _ in by_dp] == [w for w, _ in by_solver] == [w for w, _ in corners]
    assert [s for _, s in by_dp] == pytest.approx([s for _, s in corners], abs=1e-9)
    assert [s for _, s in by_solver] == pytest.approx([s for _, s in corners], abs=1e-6)


def test_the_front_falls_back_to_the_solver_for_two_dependencies_or_a_cycle() -> None:
    from fsdl_tui.decide.plan import forest_order

    two = [
        Candidate("a", 1, {"weeks": 1}, ()),
        Candidate("b", 1, {"weeks": 1}, ()),
        Candidate("c", 2, {"weeks": 1}, ("a", "b")),
    ]
    assert forest_order(two, set()) is None
    cycle = [Candidate("a", 1, {"weeks": 1}, ("b",)), Candidate("b", 1, {"weeks": 1}, ("a",))]
    assert forest_order(cycle, set()) is None
    out = [Candidate("a", 1, {"weeks": 1}, ("gone",)), Candidate("b", 1, {"weeks": 1}, ("a",))]
    assert forest_order(out, set()) == ([], [])  # neither can be chosen


def _effort(weeks: float, gpu_days: float | None = None) -> Effort:
    return Effort(weeks=weeks, gpu_days=gpu_days)


def test_plan_candidates_dependencies_and_options() -> None:
    projects = (
        scored("a", 5, 5, 1, 1, effort=_effort(10)),
        scored("b", 4, 4, 2, 2, effort=_effort(4), depends_on=("live",)),
        scored("c", 4, 4, 2, 2, effort=_effort(4), depends_on=("dead",)),
        scored("live", 3, 3, 3, 3, effort=_effort(2), lifecycle=Lifecycle(stage="production")),
        scored("dead", 5, 5, 1, 1, effort=_effort(1), lifecycle=Lifecycle(status="killed")),
        scored("hold", 5, 5, 1, 1, effort=_effort(1), lifecycle=Lifecycle(status="on-hold")),
        scored("none", 5, 5, 1, 1),
    )
    pf = Portfolio(projects=projects)
    p = plan(pf, FsdlScorer(), 14)
    assert p.chosen == ["a", "b"] and p.total_weeks == 14
    assert p.no_effort == ["none"]
    assert p.not_candidates["dead"] == "killed" and p.not_candidates["live"] == "already in production"
    assert "hold" in p.not_candidates
    assert "hold" in plan(pf, FsdlScorer(), 15, include_on_hold=True).chosen
    assert plan(pf, FsdlScorer(), 14, exclude=["a"]).chosen == ["b"]
    with pytest.raises(PlanError, match="not a candidate"):
        plan(pf, FsdlScorer(), 14, require=["dead"])
    with pytest.raises(PlanError, match="no plan fits"):
        plan(pf, FsdlScorer(), 3, require=["a"])
    front = plan(pf, FsdlScorer(), 14).pareto
    assert front[0] == (0.0, 0.0)
    assert all(w1 < w2 and s1 < s2 for (w1, s1), (w2, s2) in itertools.pairwise(front))


def test_plan_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = tmp_path / "team.toml"
    write_portfolio(pf, [scored("a", 5, 5, 1, 1), scored("b", 4, 4, 2, 2)])
    assert main(["set", str(pf), "a", "effort.weeks=5"]) == 0
    assert main(["set", str(pf), "b", "effort.weeks=3", "effort.gpu_days=2"]) == 0
    capsys.readouterr()
    assert main(["plan", str(pf), "--budget", "6", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["chosen"] == ["a"] and out["total_weeks"] == 5 and out["next"][0]["id"] == "b"
    assert main(["plan", str(pf), "--budget", "6"]) == 0
    assert "Total: score" in capsys.readouterr().out


def test_ranges_are_set_validated_and_sampled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored("a", 4, 3, 3, 3), scored("b", 4, 3, 3, 3)])
    assert main(["set", str(pf), "a", "range.impact=1-5", "range.accuracy_requirement=[2, 4]"]) == 0
    doc = load(pf)
    assert doc.portfolio.get("a").range.impact == (1, 5)  # type: ignore[union-attr]
    assert "[projects.range]\nimpact = [1, 5]\naccuracy_requirement = [2, 4]\n" in pf.read_text()
    res = sample_ranks(doc.portfolio, FsdlScorer(), draws=400, top_k=1, seed=3)
    assert next(o for o in res.projects if o.project_id == "a").source == "range"
    assert main(["set", str(pf), "a", "range.impact=5-2"]) == 1
    assert "LOW <= HIGH" in capsys.readouterr().err
    pf.write_text(pf.read_text().replace("impact = [1, 5]", "impact = [0, 9]"))
    assert main(["validate", str(pf)]) == 1
    err = capsys.readouterr().err
    line = next(i for i, text in enumerate(pf.read_text().splitlines(), 1) if text.startswith("impact = [0, 9]"))
    assert f"{pf}:{line}:" in err and "must be [LOW, HIGH]" in err


def test_use_consensus_ranks_by_the_raters_median_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pf = write_portfolio(tmp_path / "team.toml", [scored("a", 5, 4, 2, 2), scored("b", 2, 4, 2, 2)])
    for name in ("Ana", "Bo", "Cy"):
        record(pf, name, "a", {"impact": 1})
        record(pf, name, "b", {"impact": 5})

    def order() -> list[str]:
        assert main(["rank", str(pf), "--format", "json"]) == 0
        return [row["id"] for row in json.loads(capsys.readouterr().out)["projects"]]

    assert order() == ["a", "b"]
    text = pf.read_text().replace("feasibility_threshold = 3.0", "feasibility_threshold = 3.0\nuse_consensus = true")
    pf.write_text(text)
    assert order() == ["b", "a"]
    assert pf.read_text() == text  # ranking by the consensus never writes it
    assert main(["validate", str(pf)]) == 0


def test_diff_of_two_branches_compares_ranks_odds_and_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "Lead")
    projects = [
        scored("a", 5, 5, 1, 1, effort=_effort(6)),
        scored("b", 4, 4, 2, 2, effort=_effort(6)),
        scored("c", 2, 3, 3, 3, effort=_effort(6)),
    ]
    pf = write_portfolio(repo / "team.toml", projects)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "checkout", "-q", "-b", "q3-plan")
    monkeypatch.chdir(repo)
    assert main(["set", "team.toml", "c", "impact.overall=5", "cost.data_availability=5"]) == 0
    assert main(["set", "team.toml", "c", "cost.accuracy_requirement=1", "cost.problem_difficulty=1"]) == 0
    assert main(["set", "team.toml", "a", "impact.overall=1"]) == 0
    _git(repo, "commit", "-qam", "c matters, a does not")
    _git(repo, "checkout", "-q", "main")
    capsys.readouterr()
    assert main(["diff", "main..q3-plan", "team.toml", "--top", "1", "--budget", "6", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"]["plan"] == {"budget": 6.0, "old": ["a"], "new": ["c"]}
    assert out["scenario"]["p_top_k"]["projects"]["c"] == {"old": 0.0, "new": 1.0}
    assert main(["diff", "main..q3-plan", "team.toml", "--budget", "6"]) == 0
    text = capsys.readouterr().out
    assert "impact.overall: 2 -> 5" in text and "in:  c" in text and "out: a" in text
    assert pf.exists()
