"""Benchmark: the app's time to its first frame with rows, against a minimal Textual app, same run.

    python benchmarks/bench_startup.py                  # 1,000 projects, 5 runs each
    python benchmarks/bench_startup.py --size 1000 --repeats 7

Both programs start in a fresh Python process (imports included, as a person launching them pays them)
and run headless at 120x40; the clock stops at the first paint of a table line while the table has rows.
- baseline: a minimal Textual app that reads the same file with `tomllib` and shows the same 1,000 rows
  (id, title, stage, owner) in a `DataTable`;
- app: `fsdl-tui` as `launch()` starts it: load and validate the file, rank it, show the portfolio screen.
The median over the runs is compared, alternating the two so that machine load hits both alike.

Then, in one process with the app open on the same portfolio: sort (by title, then back), filter (free
text, then cleared) and a page of scrolling, each the time until the table has been repainted.

Targets (issue 4): app <= 1.3x baseline; sort, filter and scroll each under 100 ms; pandas not imported
before the first frame. The exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3
TARGET_MS = 100.0

# Stop the clock at the first painted table line while the table has rows; report the time and whether
# pandas was imported by then.
_PROBE = """
import sys, time
from {module} import {cls} as _Table
_render_line = _Table.render_line
def render_line(self, y):
    if y > 0 and self.row_count and not getattr(sys, "_first_frame", False):
        sys._first_frame = True
        print("FIRST_FRAME", time.time(), "pandas" in sys.modules, flush=True)
        self.app.exit()
    return _render_line(self, y)
_Table.render_line = render_line
"""

_BASELINE = (
    _PROBE.format(module="textual.widgets", cls="DataTable")
    + """
from textual.widgets import DataTable
import tomllib
from textual.app import App
class Minimal(App):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        with open(sys.argv[1], "rb") as f:
            data = tomllib.load(f)
        table = self.query_one(DataTable)
        table.add_columns("id", "title", "stage", "owner")
        table.add_rows([(p["id"], p["title"], p.get("lifecycle", {}).get("stage", "planning"), p.get("owner", ""))
                        for p in data.get("projects", [])])
Minimal().run(headless=True, size=(120, 40))
"""
)

_APP = (
    _PROBE.format(module="fsdl_tui.tui.widgets.table", cls="PortfolioTable")
    + """
from fsdl_tui.tui import open_session
from fsdl_tui.tui.app import FsdlApp
session, problems = open_session(sys.argv[1])
FsdlApp(session, problems=problems).run(headless=True, size=(120, 40))
"""
)


def first_frame(code: str, path: Path, env: dict[str, str]) -> tuple[float, bool]:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, cwd=path.parent, timeout=120
    )
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            _, when, pandas = line.split()
            return float(when) - start, pandas == "True"
    raise RuntimeError(f"no first frame:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


async def interactions(path: Path) -> dict[str, float]:
    """Milliseconds from a key's action to the repainted table, at the portfolio's size."""
    from fsdl_tui.tui import open_session
    from fsdl_tui.tui.app import FsdlApp
    from fsdl_tui.tui.view import Filter
    from fsdl_tui.tui.widgets.table import PortfolioTable

    session, _ = open_session(str(path))
    app = FsdlApp(session, load_plugins=False, watch_interval=None)
    results: dict[str, list[float]] = {"sort": [], "filter": [], "scroll": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(PortfolioTable)

        async def timed(kind: str, action) -> None:  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            action()
            await pilot.pause()  # until the repaint has been processed
            results[kind].append((time.perf_counter() - t0) * 1000)

        for _ in range(3):
            await timed("sort", lambda: table.sort_by("title"))  # ascending, descending, the ranking
            await timed("sort", lambda: table.sort_by("title"))
            await timed("sort", lambda: table.sort_by("title"))
            await timed("filter", lambda: setattr(screen, "filter", Filter(text="vision")))
            await timed("filter", lambda: setattr(screen, "filter", Filter()))
            await timed("scroll", lambda: table.action_page(1))
            await timed("scroll", lambda: table.action_page(-1))
    return {kind: max(values) for kind, values in results.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="projects in the portfolio (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each program (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    import os

    from benchmarks.generate import make_portfolio_text

    env = dict(os.environ, PYTHONPATH=str(ROOT), FSDL_TUI_LOAD_PLUGINS="")
    with tempfile.TemporaryDirectory() as tmp:
        env["XDG_CONFIG_HOME"] = tmp
        path = Path(tmp) / "portfolio.toml"
        path.write_text(make_portfolio_text(args.size, seed=1), encoding="utf-8")
        first_frame(_BASELINE, path, env)  # warm the file cache and the bytecode of both
        first_frame(_APP, path, env)
        base, app, pandas = [], [], False
        for _ in range(args.repeats):
            base.append(first_frame(_BASELINE, path, env)[0])
            t, imported = first_frame(_APP, path, env)
            app.append(t)
            pandas = pandas or imported
        latency = asyncio.run(interactions(path))
    result = {
        "projects": args.size,
        "baseline_s": statistics.median(base),
        "app_s": statistics.median(app),
        "ratio": statistics.median(app) / statistics.median(base),
        "pandas_before_first_frame": pandas,
        "worst_ms": latency,
    }
    ok = result["ratio"] <= TARGET_RATIO and not pandas and all(v < TARGET_MS for v in latency.values())
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"first frame with {args.size} rows (median of {args.repeats}): minimal Textual app "
            f"{result['baseline_s'] * 1000:.0f} ms, fsdl-tui {result['app_s'] * 1000:.0f} ms, "
            f"ratio {result['ratio']:.2f} (target <= {TARGET_RATIO})"
        )
        print(f"pandas imported before the first frame: {'yes' if pandas else 'no'}")
        print(
            f"worst latency at {args.size} projects: "
            + ", ".join(f"{k} {v:.0f} ms" for k, v in latency.items())
            + f" (target < {TARGET_MS:.0f} ms)"
        )
        print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
