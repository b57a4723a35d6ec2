"""Generate realistic portfolios of N projects, for benchmarks and large-file tests.

Every table of every project is filled (impact lenses, cost drivers with notes, archetype questions, the
gate and the feasibility steps A-G of Full Stack Deep Learning 2022 lecture 1, metrics and baselines,
lifecycle history with loop-backs, plugin fields), and the text carries hand-written-looking comments, so
the file looks like one a team keeps in git.

    from benchmarks.generate import make_portfolio, make_portfolio_text
    text = make_portfolio_text(1000, seed=1)   # the TOML text of a valid 1,000-project portfolio

Run as a script to write a file: `python benchmarks/generate.py 1000 --seed 1 -o big.toml`.
The output depends only on `n` and `seed`.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import random
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fsdl_tui.domain import framework as fw
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.domain.model import Baseline, Check, Cost, Impact, Lifecycle, Metrics, Move, Portfolio, Project, Threshold
from fsdl_tui.storage import render, starter_text

_DOMAINS = (
    "pose estimation",
    "invoice parsing",
    "churn prediction",
    "defect detection",
    "search ranking",
    "support triage",
    "demand forecast",
    "fraud scoring",
    "speech notes",
    "photo tagging",
)
_VERBS = ("Automate", "Improve", "Speed up", "Assist with", "Learn", "Predict")
_OWNERS = ("ana", "bo", "chen", "dara", "eli", "femi", "gus", "hana")
_TAGS = ("vision", "nlp", "tabular", "infra", "growth", "ops", "research", "quick")
_METRICS = ("accuracy", "f1", "recall@10", "mAP", "WER", "MAE", "AUC")
_NOTES = (
    'labels from the "ops" team; about 20k rows',
    "needs a human check on every output",
    "public benchmark exists, see the wiki",
    "path like C:\\data\\raw must be cleaned first",
    "unclear: ask legal",
)


def _text(rng: random.Random, words: int) -> str:
    vocab = (
        "model",
        "data",
        "users",
        "latency",
        "labels",
        "drift",
        "review",
        "team",
        "cost",
        "pipeline",
        "baseline",
        "prod",
        "feedback",
        "edge",
        "cases",
        "weekly",
        "rollout",
        "quality",
    )
    return " ".join(rng.choice(vocab) for _ in range(words))


def _history(rng: random.Random, stage: str) -> tuple[Move, ...]:
    target = fw.STAGE_INDEX[stage]
    day = _dt.date(2022, 1, 3) + _dt.timedelta(days=rng.randrange(300))
    moves: list[Move] = []
    here = 0
    while here != target or (len(moves) < 2 and target > 1 and rng.random() < 0.5):
        if here > 0 and rng.random() < 0.15:  # a loop-back, with its reason
            back = rng.randrange(here)
            reasons = [r for t, r in fw.LOOP_BACK_REASONS.get(fw.STAGE_IDS[here], ()) if t == fw.STAGE_IDS[back]]
            note = reasons[0] if reasons else "scope changed"
            moves.append(Move(fw.STAGE_IDS[here], fw.STAGE_IDS[back], day, note))
            here = back
        elif here < target:
            moves.append(Move(fw.STAGE_IDS[here], fw.STAGE_IDS[here + 1], day, rng.choice(("", "go", "gate ok"))))
            here += 1
        else:
            break
        day += _dt.timedelta(days=rng.randrange(3, 40))
        if len(moves) > 12:  # keep pathological seeds bounded, then walk straight to the target
            while here < target:
                moves.append(Move(fw.STAGE_IDS[here], fw.STAGE_IDS[here + 1], day, ""))
                here += 1
            break
    return tuple(moves)


def make_project(rng: random.Random, index: int, ids: list[str]) -> Project:
    """One fully filled project; `ids` are the ids of earlier projects (for depends_on)."""
    domain = _DOMAINS[index % len(_DOMAINS)]
    pid = f"{domain.replace(' ', '-')}-{index:05d}"
    arch = fw.ARCHETYPES[index % len(fw.ARCHETYPES)]
    stage = rng.choice(fw.STAGE_IDS)
    status = rng.choices(fw.STATUSES, weights=(8, 2, 1))[0]
    summary = f"{rng.choice(_VERBS)} {domain} for the {rng.choice(_OWNERS)} team."
    if rng.random() < 0.4:
        summary += "\n" + _text(rng, 12) + '\nSee "the plan" doc; C:\\shared\\plans.'
    base = new_project(pid, f"{rng.choice(_VERBS)} {domain} #{index}")
    gate_done = stage != "planning" or rng.random() < 0.5
    return base.replace(
        summary=summary,
        owner=rng.choice(_OWNERS),
        tags=tuple(sorted(rng.sample(_TAGS, rng.randrange(1, 4)))),
        links=(f"https://wiki.example.com/ml/{pid}",),
        depends_on=(rng.choice(ids),) if ids and rng.random() < 0.2 else (),
        archetype=arch.id,
        impact=Impact(*(rng.randint(1, 5) for _ in range(5)), rationale=_text(rng, 8)),
        cost=Cost(
            rng.randint(1, 5),
            rng.choice(_NOTES),
            rng.randint(1, 5),
            _text(rng, 5),
            rng.randint(1, 5),
            _text(rng, 4),
            tuple(f.id for f in fw.DIFFICULTY_FLAGS if rng.random() < 0.3),
        ),
        questions={q.id: _text(rng, 6) for q in arch.questions},
        gate={
            g.id: Check(gate_done or rng.random() < 0.5, rng.choice(("", "ok", _text(rng, 3)))) for g in fw.GATE_ITEMS
        },
        feasibility={s.id: Check(rng.random() < 0.6, rng.choice(("", _text(rng, 3)))) for s in fw.FEASIBILITY_STEPS},
        metrics=Metrics(
            optimizing=rng.choice(_METRICS),
            target=round(rng.uniform(0.5, 0.99), 2),
            satisficing=(Threshold("latency_ms", float(rng.choice((20, 50, 200))), "max"),),
            baselines=(
                Baseline("human", "expert annotator", round(rng.uniform(0.7, 0.99), 2)),
                Baseline("internal", "rules", round(rng.uniform(0.3, 0.7), 2)),
            ),
        ),
        lifecycle=Lifecycle(stage, status, "no budget this year" if status != "active" else "", _history(rng, stage)),
        plugins={"jira": {"epic": f"ML-{1000 + index}", "points": rng.randint(1, 13)}} if rng.random() < 0.5 else {},
    )


def make_portfolio(n: int, seed: int = 0) -> Portfolio:
    """A valid portfolio of `n` fully filled projects."""
    rng = random.Random(seed)
    projects: list[Project] = []
    ids: list[str] = []
    for i in range(n):
        p = make_project(rng, i, ids)
        projects.append(p)
        ids.append(p.id)
    return Portfolio(
        name=f"Generated portfolio ({n} projects)",
        description="Made by benchmarks/generate.py.",
        projects=tuple(projects),
    )


def make_portfolio_text(n: int, seed: int = 0) -> str:
    """The TOML text of `make_portfolio(n, seed)`, in the canonical layout plus hand-written comments."""
    portfolio = make_portfolio(n, seed)
    rng = random.Random(seed + 1)
    parts = [starter_text(portfolio).replace("[settings]\n", "# team-wide defaults\n[settings]\n", 1)]
    for p in portfolio.projects:
        text = render.project(p)
        if rng.random() < 0.3:
            text = f"# {p.owner} owns this one; review monthly\n" + text
        if rng.random() < 0.3:
            text = text.replace("\n[projects.metrics]", "\n# agreed with product in the kickoff\n[projects.metrics]", 1)
        parts.append(text)
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a generated portfolio of N projects.")
    ap.add_argument("n", type=int, help="number of projects")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = ap.parse_args(argv)
    text = make_portfolio_text(args.n, args.seed)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
