"""Benchmark: the app at scale, against peers measured in the same run.

    python benchmarks/bench_startup.py                         # 10,000 projects, 3 rounds; rewrites its part of docs/performance.md
    python benchmarks/bench_startup.py --sizes 1000 10000 --repeats 5
    python benchmarks/bench_startup.py --sizes 1000 --repeats 1 --no-write
    python benchmarks/bench_startup.py --first-only --portfolio big.toml --repeats 3   # a generated file, first frame only

Each program starts in a fresh Python process (imports included, as a person launching it pays them, from
the bytecode an installed package has: `PYTHONDONTWRITEBYTECODE` is dropped, so a first run compiles and the
rounds after it do not); the rounds alternate the programs so that machine load hits them alike, and each
ratio is the median of the rounds' ratios. `--first-only` measures the first frame alone (the app exits
there), for sizes whose complete load takes minutes; `--portfolio FILE` reads a file made by `generate.py`
instead of generating one.

- **first frame with rows**: `fsdl-tui PATH` as `launch()` starts it (the file read progressively, headless at
  120x40), the clock stopped at the first paint of a table line while the table has rows; against VisiData
  (`vd`, `pip install visidata`) opening the portfolio's CSV export in a pseudo-terminal of the same size, the
  clock stopped when the first project's id appears on its screen;
- **complete ranking**: the same app process until the whole file is read and ranked, cold
  (`FSDL_TUI_NO_CACHE=1`) and warm (the cache of parsed files filled by a `validate` before); against
  `tomllib.loads` of the same text, timed inside its own process;
- **interactions** (in one process, a real app at that size): open the edit form, switch to the board and
  to the 2x2, each on another project than the last, from the key to the app's first frame of the new
  screen; medians over the rounds. The app
  builds these screens ahead, hidden, in small steps after its first frame, and reuses them; the first open
  of each, once they are built, is also reported on its own (the median is over the later opens), with the
  time the building took.

Targets (issue 13) at 10,000 projects: first frame with rows at most 2x VisiData (3x at 100,000); complete
ranking at most 1.0x `tomllib.loads` cold and 0.25x warm; edit form, board and 2x2 under 150 ms. pandas is
never imported before the first frame. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench_startup: begin -->", "<!-- bench_startup: end -->"
TARGETS = {"first": 2.0, "first_100k": 3.0, "cold": 1.0, "warm": 0.25, "ms": 150.0}
FIRST_ONLY_FROM = 100_000  # at this size and above only the first frame is measured (its target is the only one)
SIZE = (120, 40)

# The app as `launch()` starts it, headless: print when the table first paints a row and when the ranking is
# complete (then quit); with a second argument "first", quit at the first frame.
_APP = """
import os, sys, time
from fsdl_tui.tui.widgets.table import PortfolioTable
from fsdl_tui.tui.app import FsdlApp
_render_line = PortfolioTable.render_line
def render_line(self, y):
    if y > 0 and self._shown and not getattr(sys, "_first_frame", False):
        sys._first_frame = True
        print("FIRST_FRAME", time.time(), "pandas" in sys.modules, flush=True)
        if sys.argv[2:] == ["first"]:
            os._exit(0)
    return _render_line(self, y)
PortfolioTable.render_line = render_line
_loaded = FsdlApp.loaded
def loaded(self):
    print("LOADED", time.time(), len(self.workspace.ranked), flush=True)
    _loaded(self)
    self.call_after_refresh(self.exit)  # after the painting of what came last
FsdlApp.loaded = loaded
from fsdl_tui.tui import progressive_target
FsdlApp(None, load_path=progressive_target(sys.argv[1])).run(headless=True, size=(120, 40))
"""

_TOMLLIB = "import sys, time, tomllib; t = open(sys.argv[1]).read(); s = time.perf_counter(); tomllib.loads(t); print(time.perf_counter() - s)"
_ANSI = re.compile(rb"\x1b(?:\[[0-9;?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78DEHM])")


def app_run(path: Path, env: dict[str, str], first_only: bool = False) -> tuple[float, float, bool]:
    """(seconds to the first frame with rows, seconds to the complete ranking (0 with `first_only`), pandas
    imported by the first)."""
    start = time.time()
    argv = [sys.executable, "-c", _APP, str(path)] + ["first"] * first_only
    out = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=path.parent, timeout=1800)
    first = loaded = None
    pandas = False
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            first, pandas = float(line.split()[1]) - start, line.split()[2] == "True"
        elif line.startswith("LOADED"):
            loaded = float(line.split()[1]) - start
    if first_only and first is not None:
        loaded = 0.0
    if first is None or loaded is None:
        raise RuntimeError(f"the app did not report:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return first, loaded, pandas


def in_pty(cmd: list[str], marker: bytes, env: dict[str, str], timeout: float = 300) -> float:
    """Seconds from starting `cmd` in a pseudo-terminal of SIZE until `marker` shows on its screen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    start = time.time()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while time.time() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen = (seen + chunk)[-(1 << 20) :]
            if marker in _ANSI.sub(b"", seen):
                return time.time() - start
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    raise RuntimeError(f"{cmd[0]} never showed {marker!r}")


def tomllib_loads(path: Path, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", _TOMLLIB, str(path)], capture_output=True, text=True, env=env)
    return float(out.stdout.strip())


async def interactions(path: Path, repeats: int) -> dict[str, float]:
    """Milliseconds from the key to the first frame of the screen it opens (edit form, board, 2x2), each open on
    another project than the last (the selection moves down a row first, unmeasured): the median of the opens
    after the first (`repeats` of them), and `first KIND`: the first open, of the screen built ahead (`ahead`:
    the seconds the app took to build the three, hidden, after its first frame).

    The frame is the app's first write of that screen to its (headless) terminal; the key is posted to the app
    as a terminal's key is, and the clock stops there, not when a Pilot finds the app idle (its idle check
    sleeps 20 ms at a time). The form's frame must show the project the selection moved to."""
    from textual import events

    from fsdl_tui.tui import open_session
    from fsdl_tui.tui.app import FsdlApp
    from fsdl_tui.tui.screens.board import BoardScreen
    from fsdl_tui.tui.screens.edit import EditScreen, widget_id
    from fsdl_tui.tui.screens.matrix import MatrixScreen

    session, _ = open_session(str(path))
    painted: list[tuple[object, float]] = []

    app = FsdlApp(session, load_plugins=False, watch_interval=None)
    display = app._display  # Textual writes each frame of a screen through it

    def timed_display(screen: Any, renderable: Any) -> None:
        painted.append((screen, time.perf_counter()))
        display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    app.build_ahead = True  # as `launch` runs it
    results: dict[str, list[float]] = {"edit": [], "board": [], "2x2": []}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t0 = time.perf_counter()
        while not app.built_ahead:  # a person looks at the table first: the screens are built meanwhile
            await pilot.pause(0.05)
        ahead = time.perf_counter() - t0

        async def timed(kind: str, key: str, screen: type[Any]) -> None:
            await pilot.press("down")  # another project
            await pilot.pause()
            painted.clear()
            t0 = time.perf_counter()
            app.post_message(events.Key(key, key))
            while not any(isinstance(s, screen) for s, _ in painted):
                await asyncio.sleep(0.001)
            shown, t1 = next((s, t) for s, t in painted if isinstance(s, screen))
            if isinstance(shown, EditScreen):
                title = shown.query_one(f"#{widget_id('title')}").value  # type: ignore[attr-defined]
                assert title == app.workspace.selected().title, "the form's first frame is of another project"
            results[kind].append((t1 - t0) * 1000)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()

        for _ in range(repeats + 1):
            await timed("edit", "e", EditScreen)
            await timed("board", "b", BoardScreen)
            await timed("2x2", "m", MatrixScreen)
    out = {kind: statistics.median(values[1:]) for kind, values in results.items()}
    return out | {f"first {kind}": values[0] for kind, values in results.items()} | {"ahead": ahead}


def portfolio_file(n: int, work: Path, source: Path | None) -> Path:
    """The portfolio of `n` generated projects in `work` (linked or copied from `source` when given)."""
    from benchmarks.generate import make_portfolio_text

    path = work / "portfolio.toml"
    if source is None:
        path.write_text(make_portfolio_text(n, seed=1), encoding="utf-8")
        return path
    try:
        os.link(source, path)
    except OSError:
        shutil.copyfile(source, path)
    return path


def measure(n: int, repeats: int, folder: Path, source: Path | None = None, first_only: bool = False) -> dict[str, Any]:
    work = folder / str(n)
    work.mkdir()
    path = portfolio_file(n, work, source)
    # Everything of the environment but ours, and no PYTHONDONTWRITEBYTECODE: a person runs an installed
    # package from its bytecode (the warm-up run below writes it for the checkout's own modules).
    base = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FSDL_TUI_", "PYTHONDONTWRITEBYTECODE"))}
    base |= {
        "PYTHONPATH": str(ROOT),
        "FSDL_TUI_LOAD_PLUGINS": "",
        "HOME": str(work),
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_STATE_HOME": str(work / "state"),
        "TERM": "xterm-256color",
    }
    cold = base | {"FSDL_TUI_NO_CACHE": "1"}
    warm = base | {"XDG_CACHE_HOME": str(work / "cache")}
    csv = work / "portfolio.csv"
    subprocess.run(
        [sys.executable, "-m", "fsdl_tui", "export", str(path), "--format", "csv", "-o", str(csv), "--force"],
        env=cold,
        check=True,
        capture_output=True,
    )
    with csv.open(encoding="utf-8") as f:
        first_id = f.readlines(1 << 16)[1].split(",")[1]
    vd = shutil.which("vd") or shutil.which("visidata")
    if first_only:
        return first_frames(n, path, csv, first_id, vd, base | {"FSDL_TUI_NO_CACHE": "1"}, repeats)
    subprocess.run([sys.executable, "-m", "fsdl_tui", "validate", str(path)], env=warm, check=True, capture_output=True)
    app_run(path, cold)  # warm the file cache and the bytecode
    rounds: list[dict[str, Any]] = []
    for _ in range(repeats):
        r: dict[str, Any] = {}
        if vd:
            r["vd"] = in_pty([vd, str(csv)], first_id[:12].encode(), base)
        r["first"], r["cold"], r["pandas"] = app_run(path, cold)
        r["warm_first"], r["warm"], _ = app_run(path, warm)
        r["tomllib"] = tomllib_loads(path, base)
        rounds.append(r)

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in rounds))

    def ratio(key: str, floor: str) -> float:
        return float(statistics.median(r[key] / r[floor] for r in rounds))

    row: dict[str, Any] = {"n": n, "mib": path.stat().st_size / 2**20, "repeats": repeats}
    row |= {k: med(k) for k in ("first", "cold", "warm", "warm_first", "tomllib")}
    row["pandas"] = any(r["pandas"] for r in rounds)
    row["vd"] = med("vd") if vd else None
    row["first_ratio"] = ratio("first", "vd") if vd else None
    row["cold_ratio"], row["warm_ratio"] = ratio("cold", "tomllib"), ratio("warm", "tomllib")
    row["ms"] = asyncio.run(interactions(path, repeats))
    return row


def first_frames(
    n: int, path: Path, csv: Path, first_id: str, vd: str | None, env: dict[str, str], repeats: int
) -> dict[str, Any]:
    """Only the first frame with rows (cold), against VisiData, in alternating rounds (`--first-only`)."""
    app_run(path, env, first_only=True)  # warm the file cache and the bytecode
    rounds = []
    for _ in range(repeats):
        r = {"vd": in_pty([vd, str(csv)], first_id[:12].encode(), env)} if vd else {}
        r["first"], _, r["pandas"] = app_run(path, env, first_only=True)
        rounds.append(r)
    row: dict[str, Any] = {"n": n, "mib": path.stat().st_size / 2**20, "repeats": repeats, "first_only": True}
    row["first"] = statistics.median(r["first"] for r in rounds)
    row["vd"] = statistics.median(r["vd"] for r in rounds) if vd else None
    row["first_ratio"] = statistics.median(r["first"] / r["vd"] for r in rounds) if vd else None
    row["pandas"] = any(r["pandas"] for r in rounds)
    return row


def first_table(rows: list[dict[str, Any]]) -> str:
    out = ["| projects | file (MiB) | first frame with rows | VisiData (CSV) | ratio |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        vd = f"{r['vd']:.2f} s" if r["vd"] is not None else "-"
        fr = f"{r['first_ratio']:.2f}x" if r["first_ratio"] is not None else "-"
        out.append(f"| {r['n']:,} | {r['mib']:.1f} | {r['first']:.2f} s | {vd} | {fr} |")
    return "\n".join(out)


def table(rows: list[dict[str, Any]]) -> str:
    out = [
        (
            "| projects | file (MiB) | first frame with rows | VisiData (CSV) | ratio | complete, cold | complete, warm "
            "| tomllib.loads | cold / tomllib | warm / tomllib | edit form | board | 2x2 | first opens: form, board, 2x2 |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        vd = f"{r['vd']:.2f} s" if r["vd"] is not None else "-"
        fr = f"{r['first_ratio']:.2f}x" if r["first_ratio"] is not None else "-"
        if r.get("first_only"):
            out.append(f"| {r['n']:,} | {r['mib']:.1f} | {r['first']:.2f} s | {vd} | {fr} |" + " - |" * 9)
            continue
        ms = r["ms"]
        out.append(
            f"| {r['n']:,} | {r['mib']:.1f} | {r['first']:.2f} s | {vd} | {fr} | {r['cold']:.2f} s | {r['warm']:.2f} s "
            f"| {r['tomllib']:.2f} s | {r['cold_ratio']:.2f}x | {r['warm_ratio']:.2f}x | {ms['edit']:.0f} ms "
            f"| {ms['board']:.0f} ms | {ms['2x2']:.0f} ms "
            f"| {ms['first edit']:.0f} / {ms['first board']:.0f} / {ms['first 2x2']:.0f} ms (built in {ms['ahead']:.1f} s) |"
        )
    return "\n".join(out)


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    out = []

    def verdict(label: str, value: float, target: float, unit: str = "x") -> None:
        ok = value <= target if unit == "x" else value < target
        sign = "<=" if unit == "x" else "<"
        out.append(f"{'met' if ok else 'MISSED'}: {label} = {value:.2f}{unit} (target {sign} {target:g}{unit})")

    for r in rows:
        first_target = TARGETS["first"] if r["n"] == 10000 else TARGETS["first_100k"] if r["n"] >= 100000 else None
        if first_target is not None and r["first_ratio"] is not None:
            verdict(f"first frame with rows at {r['n']:,} / VisiData", r["first_ratio"], first_target)
        if r["n"] != 10000 or r.get("first_only"):
            continue
        verdict("complete ranking at 10,000, cold / tomllib.loads", r["cold_ratio"], TARGETS["cold"])
        verdict("complete ranking at 10,000, warm / tomllib.loads", r["warm_ratio"], TARGETS["warm"])
        for kind in ("edit", "board", "2x2"):
            label = {"edit": "edit form opens", "board": "board", "2x2": "2x2"}[kind]
            verdict(f"{label} at 10,000", r["ms"][kind], TARGETS["ms"], " ms")
    for r in rows:
        out.append(f"{'MISSED' if r['pandas'] else 'met'}: no pandas before the first frame at {r['n']:,}")
    return out


def section(rows: list[dict[str, Any]], argv: list[str]) -> str:
    from benchmarks.bench_core import _machine

    cmd = "python benchmarks/bench_startup.py" + ("" if not argv else " " + " ".join(argv))
    return f"""{BEGIN}
## The app at scale

Measured by `benchmarks/bench_startup.py` on: {_machine()}. Each program is a fresh process, run from
bytecode as an installed package is; rounds alternate them; each time is the median of {rows[0]["repeats"] if rows else 0} rounds and each
ratio the median of the rounds' ratios. First frame: `fsdl-tui PATH` (headless, 120x40) until its table
paints a row, against VisiData opening the CSV export in a pseudo-terminal until the first project shows. Complete: until the whole file is read and ranked,
cold (`FSDL_TUI_NO_CACHE=1`) and warm (the cache filled before), against `tomllib.loads` of the same text.
Edit form, board, 2x2: from the key to the app's first frame of that screen (its first write of it to the
terminal, headless), each open on another project than the last, in a real app. Once the portfolio
is read and ranked, the app builds these screens ahead, hidden, in small steps a timer tick apart (the keys
are answered in between): the 2x2, the board a column at a time, the form a field at a time, each then laid
out and painted off screen. It reuses them after: the form loads the selected project's values into its
widgets, the board and the 2x2 redraw only when the portfolio, the ranking or the selection changed, and
their key footers are rebuilt only when their keys change. The columns give the median of the later opens
and the last column the first opens, once built, with the time the building took (an open before then builds
that screen on the spot). At 100,000 projects only the first frame is measured.

How the app loads (`storage/stream.py`, `workspace.LoadJob`): the first piece of a file over 256 KiB (128 KiB,
some 35 projects) is read from its first bytes alone, parsed, ranked and painted before the rest is read, and
the reading goes on only once those rows are on screen (the parse and the painting would otherwise take turns
on one interpreter lock); then the file is read whole, hashed and parsed piece by piece, or, with the cache
warm, built from the cache entry at once. Meanwhile the progress reaches the title and the last line at most
every 0.3 s (each update repaints them: shown for every piece, they took a third of a cold load), what is alive
and the projects read so far are frozen out of the cyclic collector's passes (`gc.freeze`: its passes over
them took 0.8 s of a cold load and 0.3 s of a warm one), the table makes a row's text only when it paints the
row and the detail pane renders only the lines it paints. What a warm load spends after its first frame, by
profile at 10,000 projects: building the model from the entry's flat form (about a quarter), reading and
hashing the file and ranking (about a fifth each), decoding the entry's JSON (about a sixth), then the table,
the detail and the last line.

{table(rows)}

{chr(10).join("- " + v for v in verdicts(rows))}

Reproduce: `{cmd}` (`--sizes`, `--repeats`, `--no-write`).
{END}
"""


def write_section(path: Path, text: str) -> None:
    from bench_scale import write_section as write_page_section

    write_page_section(path, text, BEGIN, END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000], help="project counts (default 10000)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of each program (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not rewrite docs/performance.md")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md", help="markdown file to update")
    parser.add_argument(
        "--first-only", action="store_true", help="only the first frame with rows (cold); prints, never writes"
    )
    parser.add_argument("--portfolio", type=Path, help="a file made by generate.py to read (its projects are counted)")
    args = parser.parse_args(argv)
    if args.portfolio is not None:
        with args.portfolio.open(encoding="utf-8") as f:
            args.sizes = [sum(line.startswith("[[projects]]") for line in f)]
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    if not (shutil.which("vd") or shutil.which("visidata")):
        print("VisiData not found (pip install visidata): its column stays empty", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="fsdl-bench-startup-") as tmp:
        for n in sorted(args.sizes):
            first_only = args.first_only or n >= FIRST_ONLY_FROM
            rows.append(measure(n, args.repeats, Path(tmp), args.portfolio, first_only))
            print(f"{n} projects measured", file=sys.stderr, flush=True)
    print(first_table(rows) if args.first_only else table(rows))
    print()
    found = verdicts(rows)
    print("\n".join(found))
    if not (args.no_write or args.first_only):
        write_section(args.output, section(rows, [a for a in raw_argv if a != "--no-write"]))
        print(f"\nupdated {args.output}")
    return 1 if any(v.startswith("MISSED") for v in found) else 0


if __name__ == "__main__":
    sys.exit(main())
