"""Benchmark of the commands at scale, each as a ratio to a floor measured in the same run.

    python benchmarks/bench_scale.py                          # 1,000 and 10,000 projects; rewrites its part of docs/performance.md
    python benchmarks/bench_scale.py --sizes 1000 --repeats 1 --no-write
    python benchmarks/bench_scale.py --sizes 1000 10000 100000 --log-size 1000

Every command runs as its own process (`python -m fsdl_tui ...`, as a user or git runs it) and is timed by
the CPU time (user + system) the process used, which a busy machine disturbs less than the wall clock. Each
round runs the floor and the command back to back; a ratio is the median of the rounds' ratios.

- `rank`, `show`, `export --format csv`, `validate`, `diff OLD NEW` (three projects edited), `set`: against a
  process that only does `tomllib.load` of the file; cold (`FSDL_TUI_NO_CACHE=1`) and warm (the parse cache
  filled by a run before); GNU `diff` of the two files is shown beside `diff`;
- the merge driver (`merge BASE OURS THEIRS`, a few edits on each side): against `git merge-file`;
- `log` over 50 commits of one file (at `--log-size` projects): against `git log -p` of the file.

The files come from `benchmarks/generate.py` (about 3.6 KB a project, every table filled). Targets
(issue: 10,000 projects feel instant) at 10,000 projects: rank, show, export, diff, validate at most 1.5x
the tomllib process cold and 0.5x warm; the merge driver at most 5x `git merge-file`; log over 50
commits at most 5x `git log -p`. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_core import _machine
from benchmarks.generate import make_portfolio_text
from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import load, save

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench_scale: begin -->", "<!-- bench_scale: end -->"
PY = sys.executable
TOMLLIB = [PY, "-c", "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))"]
TARGETS = {"cold": 1.5, "warm": 0.5, "merge": 5.0, "log": 5.0}
READ_COMMANDS = ("rank", "show", "export", "validate", "diff")


def cpu(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """CPU seconds (user + system) of one run of `cmd`, its output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode not in (0, 1):  # 1: GNU diff found differences; a failure is not a measurement
        raise RuntimeError(f"{' '.join(cmd)} failed ({run.returncode}): {run.stderr.decode(errors='replace')}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _edited(src: Path, dst: Path, indexes: list[int], value: int) -> None:
    """`src` with `cost.accuracy_requirement` of the projects at `indexes` set, saved to `dst`."""
    doc = load(src)
    pf = doc.portfolio
    for i in indexes:
        p = pf.projects[i]
        v = value if p.cost.accuracy_requirement != value else value % 5 + 1
        pf = pf.with_project(set_field(p, "cost.accuracy_requirement", v))
    save(doc, pf, dst)


def _fsdl(*args: object) -> list[str]:
    return [PY, "-m", "fsdl_tui", *(str(a) for a in args)]


def _ratio(rounds: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(median command CPU, median floor CPU, median of the ratios)."""
    return (
        statistics.median(c for c, _ in rounds),
        statistics.median(f for _, f in rounds),
        statistics.median(c / f for c, f in rounds if f > 0),
    )


def measure(n: int, repeats: int, folder: Path) -> dict[str, object]:
    work = folder / str(n)
    work.mkdir()
    path = work / "team.toml"
    path.write_text(make_portfolio_text(n, seed=n), encoding="utf-8")
    new = work / "team-new.toml"
    _edited(path, new, [n // 5, n // 2, n - 1], 2)
    ours, theirs = work / "ours.toml", work / "theirs.toml"
    _edited(path, ours, [n // 4, n // 3], 3)
    _edited(path, theirs, [n // 2, (2 * n) // 3, n - 2], 4)
    pid = load(path).portfolio.projects[n // 2].id

    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FSDL_TUI_"))}
    base_env |= {"COLUMNS": "120", "XDG_CONFIG_HOME": str(folder / "config"), "XDG_STATE_HOME": str(folder / "state")}
    envs = {
        "cold": base_env | {"FSDL_TUI_NO_CACHE": "1"},
        "warm": base_env | {"XDG_CACHE_HOME": str(folder / "cache")},
    }
    commands = {
        "rank": _fsdl("rank", path),
        "show": _fsdl("show", path),
        "export": _fsdl("export", path, "--format", "csv", "-o", work / "out.csv", "--force"),
        "validate": _fsdl("validate", path),
        "diff": _fsdl("diff", path, new),
    }
    row: dict[str, object] = {"n": n, "mib": path.stat().st_size / 2**20}
    for name, cmd in commands.items():
        floor = [*TOMLLIB, str(path)]
        for mode, env in envs.items():
            if mode == "warm":
                cpu(cmd, env)  # fills the cache
            rounds = [(cpu(cmd, env), cpu(floor, env)) for _ in range(repeats)]
            row[f"{name}_{mode}"] = _ratio(rounds)
    for mode, env in envs.items():  # set: a one-field save (the file changes, so a warm cache holds it no more)
        target = work / "set.toml"
        shutil.copyfile(path, target)
        if mode == "warm":
            cpu(_fsdl("validate", target), env)
        rounds = []
        for r in range(repeats):
            cmd = _fsdl("set", target, pid, f"cost.accuracy_requirement={1 + r % 5}")
            rounds.append((cpu(cmd, env), cpu([*TOMLLIB, str(target)], env)))
        row[f"set_{mode}"] = _ratio(rounds)
    row["gnu_diff"] = statistics.median(cpu(["diff", str(path), str(new)], base_env) for _ in range(repeats))
    rounds = []
    for _ in range(repeats):  # the merge driver, as git runs it: OURS is overwritten with the result
        result = work / "merged.toml"
        shutil.copyfile(ours, result)
        driver = cpu(_fsdl("merge", path, result, theirs), envs["cold"])
        shutil.copyfile(ours, result)
        rounds.append((driver, cpu(["git", "merge-file", "-p", str(result), str(path), str(theirs)], envs["cold"])))
    row["merge_cold"] = _ratio(rounds)
    return row


def measure_log(n: int, commits: int, repeats: int, folder: Path) -> dict[str, object]:
    repo = folder / f"log-{n}"
    repo.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FSDL_TUI_", "GIT_"))}
    env |= {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(folder),
        "FSDL_TUI_NO_CACHE": "1",
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_STATE_HOME": str(folder / "state"),
    }

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    path = repo / "team.toml"
    path.write_text(make_portfolio_text(n, seed=n), encoding="utf-8")
    git("add", "team.toml")
    git("commit", "-q", "-m", "portfolio")
    for c in range(1, commits):
        _edited(path, path, [(c * 7919) % n], 1 + c % 5)
        git("commit", "-q", "-am", f"edit {c}")
    rounds = [
        (cpu(_fsdl("log", "team.toml"), env, repo), cpu(["git", "log", "-p", "--", "team.toml"], env, repo))
        for _ in range(repeats)
    ]
    return {"n": n, "commits": commits, "log_cold": _ratio(rounds)}


def _cell(row: dict[str, object], key: str) -> str:
    got = row.get(key)
    if not isinstance(got, tuple):
        return "-"
    return f"{got[0]:.2f} s ({got[2]:.2f}x)"


def table(rows: list[dict[str, object]], log: dict[str, object] | None) -> str:
    cols = [f"{c}" for c in (*READ_COMMANDS, "set")]
    out = [
        "| projects | file (MiB) | mode | " + " | ".join(cols) + " | merge driver |",
        "|---:|---:|---|" + "---:|" * (len(cols) + 1),
    ]
    for r in rows:
        for mode in ("cold", "warm"):
            cells = [_cell(r, f"{c}_{mode}") for c in cols]
            merge = _cell(r, "merge_cold") if mode == "cold" else ""
            out.append(f"| {int(r['n']):,} | {r['mib']:.1f} | {mode} | " + " | ".join(cells) + f" | {merge} |")
    out.append("")
    out.append(
        "Each cell: CPU seconds of the command (the ratio to its floor in the same rounds). Floors: a process "
        "doing `tomllib.load` of the file (rank, show, export, validate, diff, set), `git merge-file` (merge "
        "driver)."
    )
    for r in rows:
        floors = {k: r[f"{k}_cold"] for k in ("rank", "diff", "merge")}
        parts = [f"tomllib.load {floors['rank'][1]:.2f} s", f"GNU diff {r['gnu_diff']:.2f} s"]  # type: ignore[index]
        parts.append(f"git merge-file {floors['merge'][1]:.2f} s")  # type: ignore[index]
        out.append(f"- floors at {int(r['n']):,}: " + ", ".join(parts))
    if log is not None:
        got = log["log_cold"]
        assert isinstance(got, tuple)
        out.append(
            f"- `log` over {log['commits']} commits of a {int(log['n']):,}-project file: {got[0]:.2f} s, "
            f"`git log -p` {got[1]:.2f} s: **{got[2]:.2f}x**"
        )
    return "\n".join(out)


def verdicts(rows: list[dict[str, object]], log: dict[str, object] | None) -> list[str]:
    out = []

    def verdict(label: str, ratio: float, target: float) -> None:
        out.append(f"{'met' if ratio <= target else 'MISSED'}: {label} = {ratio:.2f}x (target <= {target}x)")

    for r in rows:
        if r["n"] != 10000:
            continue
        for c in READ_COMMANDS:
            for mode in ("cold", "warm"):
                got = r[f"{c}_{mode}"]
                assert isinstance(got, tuple)
                verdict(f"{c} at 10,000, {mode}", got[2], TARGETS[mode])
        got = r["merge_cold"]
        assert isinstance(got, tuple)
        verdict("merge driver at 10,000", got[2], TARGETS["merge"])
    if log is not None:
        got = log["log_cold"]
        assert isinstance(got, tuple)
        verdict(f"log over {log['commits']} commits at {int(log['n']):,}", got[2], TARGETS["log"])
    return out


def section(rows: list[dict[str, object]], log: dict[str, object] | None, argv: list[str]) -> str:
    cmd = "python benchmarks/bench_scale.py" + ("" if not argv else " " + " ".join(argv))
    return f"""{BEGIN}
## The commands at scale

Measured by `benchmarks/bench_scale.py` on: {_machine()}. Each command runs as a process, as a user or git
runs it, timed by its CPU time; each ratio is to a floor measured in the same rounds (median of the rounds).
Cold: `FSDL_TUI_NO_CACHE=1`; warm: the cache of parsed files (`fsdl_tui/storage/cache.py`) filled by a run
before. `set` changes the file: its first round after the filling run is a hit, later rounds are not.
100,000 projects (about 350 MB) are beyond the 64 MiB a portfolio file may have (`storage/atomic.py`).

{table(rows, log)}

Targets at 10,000 projects: rank, show, export, diff, validate at most {TARGETS["cold"]}x the `tomllib.load`
process cold and {TARGETS["warm"]}x warm; the merge driver with
a few edits at most {TARGETS["merge"]}x `git merge-file`; `log` over 50 commits at most {TARGETS["log"]}x
`git log -p`.

{chr(10).join("- " + v for v in verdicts(rows, log)) or "- (no 10,000-project run in this measurement)"}

Reproduce: `{cmd}` (`--sizes`, `--repeats`, `--log-size`, `--no-write`).
{END}
"""


def write_section(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + text.rstrip("\n") + old[old.index(END) + len(END) :]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="project counts")
    ap.add_argument("--repeats", type=int, default=3, help="rounds per measure; medians are reported")
    ap.add_argument("--log-size", type=int, default=1000, help="projects in the file `log` walks (0: skip log)")
    ap.add_argument("--commits", type=int, default=50, help="commits `log` walks")
    ap.add_argument("--no-write", action="store_true", help="print only; do not rewrite docs/performance.md")
    ap.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md", help="markdown file to update")
    args = ap.parse_args(argv)
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    rows = []
    log = None
    with tempfile.TemporaryDirectory(prefix="fsdl-bench-scale-") as tmp:
        for n in sorted(args.sizes):
            rows.append(measure(n, args.repeats, Path(tmp)))
            print(f"{n} projects measured", file=sys.stderr, flush=True)
        if args.log_size:
            log = measure_log(args.log_size, args.commits, args.repeats, Path(tmp))
            print("log measured", file=sys.stderr, flush=True)
    print(table(rows, log))
    print()
    print("\n".join(verdicts(rows, log)))
    if not args.no_write:
        write_section(args.output, section(rows, log, [a for a in raw_argv if a != "--no-write"]))
        print(f"\nupdated {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
