"""Benchmark: the decision math at 1,000 projects, as a ratio to loading the same portfolio.

    python benchmarks/bench_decide.py                  # 1,000 projects, 20 raters, 10,000 draws
    python benchmarks/bench_decide.py --size 300 --repeats 1

It generates a realistic portfolio (`benchmarks/generate.py`) and 20 raters' files that disagree around the
portfolio's own values, then measures in rounds, each step back to back in every round, by CPU time (all
threads of the process: steady on a shared machine, where wall time follows the neighbours' load), and
reports the median of the rounds' times and of the rounds' ratios:

- load: `fsdl_tui.storage.load(path)` with the cache off, the yardstick;
- uncertainty: `sample_ranks` with 10,000 draws (resampling the raters), `fsdl` scorer;
- agreement: `agreement` (Krippendorff's alpha and Kendall's W for every field, consensus, disputes) over
  the 20 raters' files (reading the files, `load_ratings`, is printed apart: it is TOML parsing, like load);
- plan: `plan` with a budget of a quarter of the total effort (the exact 0/1 program and the Pareto front).

Target (issue 11): each at most 1.0x load. The ratios are printed; the exit code is 1 when one is missed.
Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import make_portfolio
from fsdl_tui.decide.agreement import agreement
from fsdl_tui.decide.plan import plan
from fsdl_tui.decide.uncertainty import sample_ranks
from fsdl_tui.domain.model import Effort
from fsdl_tui.scoring.base import FsdlScorer
from fsdl_tui.storage import load, new_document, save
from fsdl_tui.storage.ratings import MAIN_FIELDS, load_ratings, record_many

TARGET = 1.0
STEPS = ("uncertainty_s", "agreement_s", "plan_s")


def cpu_time(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def _portfolio_with_effort(size: int, seed: int, path: Path) -> None:
    """A generated portfolio whose every project has an effort (1-12 person-weeks), saved to `path`."""
    rng = random.Random(seed)
    pf = make_portfolio(size, seed=seed)
    projects = tuple(p.replace(effort=Effort(weeks=float(rng.randint(1, 12)))) for p in pf.projects)
    doc = new_document(pf.replace(projects=projects))
    save(doc, doc.portfolio, path)


def measure(size: int, raters: int, draws: int, repeats: int, seed: int = 1) -> dict[str, float]:
    os.environ["FSDL_TUI_NO_CACHE"] = "1"  # the yardstick is a cold load, not a cache hit
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portfolio.toml"
        _portfolio_with_effort(size, seed, path)
        pf = load(path).portfolio
        rng = random.Random(seed)
        for r in range(raters):
            rows = []
            for p in pf.projects:
                base = {
                    "impact": p.impact.overall,
                    "data_availability": p.cost.data_availability,
                    "accuracy_requirement": p.cost.accuracy_requirement,
                    "problem_difficulty": p.cost.problem_difficulty,
                }
                vals = {f: max(1, min(5, (base[f] or 3) + rng.choice((-1, 0, 0, 1)))) for f in MAIN_FIELDS}
                rows.append((p.id, vals, None))
            record_many(path, f"rater {r:02d}", rows)
        files = load_ratings(path)
        assert len(files) == raters
        scorer = FsdlScorer()
        total = sum(p.effort.weeks or 0.0 for p in pf.projects)
        res = sample_ranks(pf, scorer, files, draws=draws, top_k=10, seed=seed)
        assert res.draws == draws and any(o.p_top_k > 0 for o in res.projects)
        assert plan(pf, scorer, total / 4).chosen  # and scipy's modules are imported before the rounds
        steps: dict[str, Callable[[], object]] = {
            "load_s": lambda: load(path),
            "uncertainty_s": lambda: sample_ranks(pf, scorer, files, draws=draws, top_k=10, seed=seed),
            "agreement_s": lambda: agreement(pf, files),
            "plan_s": lambda: plan(pf, scorer, total / 4),
            "read_ratings_s": lambda: load_ratings(path),
        }
        rounds = [{key: cpu_time(fn) for key, fn in steps.items()} for _ in range(repeats)]
    out: dict[str, float] = {"size": size}
    for key in steps:
        out[key] = statistics.median(r[key] for r in rounds)
    for key in (*STEPS, "read_ratings_s"):
        out[key.replace("_s", "_ratio")] = statistics.median(r[key] / r["load_s"] for r in rounds)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="projects (default 1000)")
    parser.add_argument("--raters", type=int, default=20, help="raters (default 20)")
    parser.add_argument("--draws", type=int, default=10_000, help="draws of --uncertainty (default 10000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats; the median is kept (default 3)")
    args = parser.parse_args(argv)
    r = measure(args.size, args.raters, args.draws, args.repeats)
    print(f"{r['size']} projects, {args.raters} raters: load {r['load_s']:.3f} s (CPU)")
    ok = True
    for key, label in (
        ("uncertainty_s", f"uncertainty, {args.draws} draws"),
        ("agreement_s", "agreement"),
        ("plan_s", "plan"),
    ):
        ratio = r[key.replace("_s", "_ratio")]
        met = ratio <= TARGET
        ok &= met
        print(f"  {label}: {r[key]:.3f} s = {ratio:.2f}x load (target <= {TARGET}x): {'met' if met else 'MISSED'}")
    print(
        f"  (reading the {args.raters} raters' files: {r['read_ratings_s']:.3f} s = {r['read_ratings_ratio']:.2f}x load)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
