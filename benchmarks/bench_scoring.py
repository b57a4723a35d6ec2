"""Benchmark: scoring and ranking with the built-in scorers, as a ratio to loading the same portfolio.

    python benchmarks/bench_scoring.py                 # 10,000 projects
    python benchmarks/bench_scoring.py --size 1000 --repeats 5

It generates a realistic portfolio (`benchmarks/generate.py`), writes it to a temp folder and measures, as
the median of several repeats, in the same run:

- load: `fsdl_tui.storage.load(path)` (read, parse, validate, build the model), the yardstick;
- score and rank: `rank(portfolio, scorer)` for every built-in scorer (`fsdl` and `weighted`, with the
  weights of a `[scoring.weighted]` table), each ranking computing scores, explanation terms, impact,
  feasibility and quadrant for every project.

Target (issue 3): score-and-rank with all built-in scorers <= 0.25x load at 10,000 projects. The ratio is
printed; the exit code is 1 when it is missed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import make_portfolio_text
from fsdl_tui.scoring import builtin_scorers, rank
from fsdl_tui.storage import load

TARGET = 0.25
WEIGHTS = {
    "impact": 1.0,
    "data_availability": 0.6,
    "accuracy_requirement": -0.4,
    "problem_difficulty": -0.3,
    "automation": 0.25,
    "flags": -0.2,
}


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(size: int, repeats: int, seed: int = 1) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portfolio.toml"
        path.write_text(make_portfolio_text(size, seed=seed), encoding="utf-8")
        load_s = median_time(lambda: load(path), repeats)
        pf = load(path).portfolio
    pf = pf.replace(scoring={**pf.scoring, "weighted": WEIGHTS})
    scorers = builtin_scorers()
    rows = {s.name: rank(pf, s) for s in scorers}  # warm up, and check that the run is meaningful
    for name, ranked in rows.items():
        assert len(ranked) == size and any(r.rank for r in ranked), name
    rank_s = median_time(lambda: [rank(pf, s) for s in scorers], repeats)
    return {"size": size, "load_s": load_s, "rank_s": rank_s, "ratio": rank_s / load_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="projects in the portfolio (default 10000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats; the median is kept (default 3)")
    args = parser.parse_args(argv)
    r = measure(args.size, args.repeats)
    ok = r["ratio"] <= TARGET
    print(
        f"{r['size']} projects: load {r['load_s']:.3f} s, score+rank with "
        f"{', '.join(s.name for s in builtin_scorers())} {r['rank_s']:.3f} s, "
        f"ratio {r['ratio']:.3f} (target <= {TARGET}) {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
