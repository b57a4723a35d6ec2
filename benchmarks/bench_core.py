"""Benchmark of the portfolio core: open, edit-and-save and memory, as ratios to `tomllib.loads`.

    python benchmarks/bench_core.py                      # sizes 100, 1000, 10000; writes docs/performance.md
    python benchmarks/bench_core.py --sizes 100 1000 --no-write

For each size it generates a realistic portfolio (`benchmarks/generate.py`), writes it to a temp folder and
measures, as the median of several rounds (each round runs all three back to back):

- tomllib: `tomllib.loads(text)` of the same text, the yardstick every other number is divided by;
- open: `fsdl_tui.storage.load(path)`: read the bytes, decode, parse, validate, build the model;
- edit-and-save: from a loaded document, `set_field` of one cost driver of a project in the middle,
  `with_project`, and `save` (minimal-diff render, atomic write) to the temp folder;
- peak memory of open at the largest size, with `tracemalloc` (MiB), beside that of `tomllib.loads`.

Timings vary between machines; the ratios are what the targets are about (issue 2): at 1,000 and 10,000
projects, open <= 1.5x, edit-and-save <= 0.5x, and peak memory of open at 10,000 <= 300 MiB.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import make_portfolio_text
from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import load, save

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"open": 1.5, "edit": 0.5, "memory_mib": 300.0}
TARGET_SIZES = (1000, 10000)
SCALE_BEGIN = "<!-- bench_scale: begin -->"


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak / 2**20


def measure(n: int, repeats: int, folder: Path, memory: bool) -> dict[str, float]:
    text = make_portfolio_text(n, seed=n)
    path = folder / f"portfolio-{n}.toml"
    path.write_text(text, encoding="utf-8")
    row: dict[str, float] = {"n": n, "mib": len(text.encode()) / 2**20}
    project_id = load(path).portfolio.projects[n // 2].id

    def edit(doc, value: int) -> None:  # from a loaded document, as the app or the CLI has it before an edit
        project = doc.portfolio.get(project_id)
        if project.cost.accuracy_requirement == value:
            value = value % 5 + 1
        edited = set_field(project, "cost.accuracy_requirement", value)
        save(doc, doc.portfolio.with_project(edited))

    # The three measures run back to back in each round, so that a busy moment of the machine slows the
    # yardstick and the measure alike; the ratios are medians of the rounds' ratios.
    rounds: dict[str, list[float]] = {"tomllib": [], "open": [], "edit": []}
    for r in range(repeats):
        rounds["tomllib"].append(_timed(lambda: tomllib.loads(text)))
        rounds["open"].append(_timed(lambda: load(path)))
        doc = load(path)
        rounds["edit"].append(_timed(lambda doc=doc, r=r: edit(doc, 1 + r % 5)))
    for key, times in rounds.items():
        row[key] = statistics.median(times)
    for key in ("open", "edit"):
        row[key + "_ratio"] = statistics.median(t / y for t, y in zip(rounds[key], rounds["tomllib"], strict=False))
    if memory:
        row["peak_open_mib"] = _peak_mib(lambda: load(path))
        row["peak_tomllib_mib"] = _peak_mib(lambda: tomllib.loads(text))
    return row


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import tomlkit

    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, tomlkit {tomlkit.__version__}"
    )


def table(rows: list[dict[str, float]]) -> str:
    out = [
        "| projects | file (MiB) | tomllib.loads (s) | open (s) | open / tomllib | edit-and-save (s) | edit / tomllib |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {int(r['n']):,} | {r['mib']:.1f} | {r['tomllib']:.3f} | {r['open']:.3f} | "
            f"{r['open_ratio']:.2f}x | {r['edit']:.3f} | {r['edit_ratio']:.2f}x |"
        )
    mem = [r for r in rows if "peak_open_mib" in r]
    for r in mem:
        out.append("")
        out.append(
            f"Peak memory of open at {int(r['n']):,} projects (tracemalloc): **{r['peak_open_mib']:.0f} MiB** "
            f"(`tomllib.loads` alone: {r['peak_tomllib_mib']:.0f} MiB; file: {r['mib']:.1f} MiB)."
        )
    return "\n".join(out)


def verdicts(rows: list[dict[str, float]]) -> list[str]:
    """One line per target at the target sizes measured: met or missed."""
    out = []
    for r in rows:
        if int(r["n"]) not in TARGET_SIZES:
            continue
        for key, label in (("open", "open"), ("edit", "edit-and-save")):
            ratio = r[key + "_ratio"]
            ok = ratio <= TARGETS[key]
            out.append(
                f"{'met' if ok else 'MISSED'}: {label} at {int(r['n']):,} = {ratio:.2f}x (target <= {TARGETS[key]}x)"
            )
        if "peak_open_mib" in r and int(r["n"]) == max(TARGET_SIZES):
            ok = r["peak_open_mib"] <= TARGETS["memory_mib"]
            out.append(
                f"{'met' if ok else 'MISSED'}: peak memory of open at {int(r['n']):,} = "
                f"{r['peak_open_mib']:.0f} MiB (target <= {TARGETS['memory_mib']:.0f} MiB)"
            )
    return out


def report(rows: list[dict[str, float]], argv: list[str]) -> str:
    cmd = "python benchmarks/bench_core.py" + ("" if not argv else " " + " ".join(argv))
    return f"""# Performance

Measured by `benchmarks/bench_core.py` on: {_machine()}.

Every time is the median of several rounds; in each round `tomllib.loads` of the same text, open and
edit-and-save run back to back, and each ratio is the median of the rounds' ratios, so that numbers from
different machines (and a busy moment of this one) compare. The files come from `benchmarks/generate.py`:
every table of every project filled (impact lenses, cost drivers with notes, archetype questions, the gate
and feasibility steps of the Full Stack Deep Learning 2022 lecture 1 framework, metrics, baselines, a
lifecycle history with loop-backs, plugin fields) and comments, about 3.6 KB per project.

{table(rows)}

Targets (issue 2), at 1,000 and 10,000 projects: open <= {TARGETS["open"]}x, edit-and-save <= {TARGETS["edit"]}x,
peak memory of open at 10,000 projects <= {TARGETS["memory_mib"]:.0f} MiB.

{chr(10).join("- " + v for v in verdicts(rows))}

## What the numbers measure

- **open**: `fsdl_tui.storage.load(path)`: read the bytes from disk, check for a byte-order mark and git
  conflict markers, decode, parse (below), validate every project and build the immutable model. Positions
  of keys are only computed when there is a problem to report.
- **edit-and-save**: from a loaded document, `set_field(project, "cost.accuracy_requirement", v)`,
  `portfolio.with_project(...)` and `save(...)`: find the changed project's lines with a line scanner, re-parse
  only that project with `tomlkit`, check that it reads back as edited, splice it into the untouched text and
  write the file atomically (temp file, fsync, replace).
- **peak memory**: `tracemalloc` peak while opening the largest file (Python allocations only).

## How a file is parsed

- **By segment, with toml-rs.** The line scanner (`storage/scan.py`) splits the file into the header and one
  segment per `[[projects]]` entry; each is parsed by `toml-rs` (TOML 1.0, about ten times as fast as
  `tomllib`) when it has at most 1,000 brackets (the parser crashes on nesting thousands deep), else by
  `tomllib`. A layout the segments do not read exactly as a whole, any error and any value beyond the limits
  send the whole file to `tomllib`, so `FILE:LINE:COL` messages are exactly those of `tomllib`.
- **A cache of parsed files** (`storage/cache.py`): the parsed data of a file of 128 KiB or more, keyed by
  the sha256 of its bytes, in `~/.cache/fsdl-tui/parsed/` (the platform's cache folder): JSON, never pickle;
  each entry names its format, the Python version and the hashes of the file and of itself, and a stale or
  corrupt entry is removed and the file parsed again. At most 512 MiB, the least recently used removed
  first; written atomically; a missing or read-only folder means no cache; `FSDL_TUI_NO_CACHE=1` turns it
  off. The file is always read and hashed: the cache only replaces the parse of bytes it has seen.
- **Git's versions share their segments.** The merge driver, `diff` (and textconv) and `log` parse inside
  `storage.segment_memo()`: a project segment whose exact text was parsed for another version is not
  parsed again.
- **Large tables** (over 500 rows: `rank`, `show`) are written as plain aligned text that reads as rich's
  table, without rich's per-cell layout.

## Reproduce

```
pip install -e '.[test]'
{cmd}
```

Add `--no-write` to print the table without rewriting this page, and `--sizes 100 1000` for a quicker run.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], help="project counts")
    ap.add_argument("--repeats", type=int, default=5, help="rounds per size; medians are reported")
    ap.add_argument("--no-write", action="store_true", help="print only; do not rewrite docs/performance.md")
    ap.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md", help="markdown file to write")
    args = ap.parse_args(argv)
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    rows = []
    os.environ["FSDL_TUI_NO_CACHE"] = "1"  # open is the cold parse; bench_scale.py measures the cache
    with tempfile.TemporaryDirectory(prefix="fsdl-bench-") as tmp:
        for n in sorted(args.sizes):
            row = measure(n, args.repeats, Path(tmp), memory=n == max(args.sizes))
            rows.append(row)
            print(
                f"{n} projects: tomllib {row['tomllib']:.3f}s, open {row['open']:.3f}s, "
                f"edit-and-save {row['edit']:.3f}s",
                file=sys.stderr,
                flush=True,
            )
    print(table(rows))
    print()
    print("\n".join(verdicts(rows)))
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        kept = [a for a in raw_argv if a != "--no-write"]
        old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        scale = old[old.index(SCALE_BEGIN) :] if SCALE_BEGIN in old else ""  # bench_scale.py's part stays
        args.output.write_text(report(rows, kept) + ("\n" + scale if scale else ""), encoding="utf-8")
        print(f"\nwrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
