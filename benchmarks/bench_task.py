"""Benchmark of `set`, `show` and `rank` against taskwarrior holding as many tasks, measured in the same run.

    nice python benchmarks/bench_task.py                      # 1,000 and 10,000; updates its part of docs/performance.md
    python benchmarks/bench_task.py --sizes 1000 --repeats 1 --no-write

The portfolio is the file `benchmarks/generate.py` makes for the size (as `bench_scale.py` makes it); the
taskwarrior data holds as many tasks as the portfolio has projects, made once per size by `task import` of a
JSON array (each task with a description, a project, tags, a priority, a due date and one or two
annotations), in a temp folder with its own `TASKRC` and `TASKDATA`: `confirmation=off`, `hooks=off`, no
sync, `gc=off` (ids stay as imported, and the read commands never rewrite the data files; with no completed
or deleted tasks gc would have nothing to move anyway), `defaultwidth=120` as `COLUMNS=120` for ours,
`recurrence=off` (no task recurs) and no news nag.

Each round runs, back to back, `task ID modify priority:P` and `fsdl-tui set PATH ID
cost.accuracy_requirement=V` (P and V change every round, so each round writes its file), `task list` and
`fsdl-tui show PATH`, `task next` and `fsdl-tui rank PATH`; each is a fresh process timed by its CPU time
(user + system, as `bench_scale.py` times it). Ours run warm: the cache folder filled by a run before. `set`
takes the one-project path (`storage/one_project.py`) by the index of the file's bytes, which a load writes
(an untimed `validate` before each round's `set`) and each one-project save writes for the bytes it saved:
`set` right after a `set` (nothing run between them) is reported too. The in-process cost of one such save
(read, hash, index, the segment parsed and rendered, the write, the next index) is measured against
`tomllib.loads` of the same text (target 0.3x). Target (issue 13): `set` at 10,000 projects at most 3x `task modify`; the others are reported.
Without taskwarrior (`task` on PATH) the script says so and measures nothing. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_core import _machine
from benchmarks.bench_scale import _fsdl, _ratio, cpu, write_section
from benchmarks.generate import make_portfolio_text
from fsdl_tui.storage import load

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench_task: begin -->", "<!-- bench_task: end -->"
TARGET = 3.0  # `set` at 10,000 projects, warm, at most this many times `task modify`
IN_PROCESS_TARGET = 0.3  # a one-field save at 10,000 projects, at most this many times `tomllib.loads`
PAIRS = (("set", "modify"), ("show", "list"), ("rank", "next"))
TASKRC = """\
data.location={data}
confirmation=off
hooks=off
gc=off
color=off
defaultwidth=120
recurrence=off
news.version=99.0.0
"""


def task_json(n: int, seed: int) -> list[dict[str, object]]:
    """`n` tasks for `task import`, not trivially small: a description, project, tags, priority, due date,
    one or two annotations."""
    rnd = random.Random(seed)
    words = [
        "data",
        "label",
        "model",
        "eval",
        "deploy",
        "drift",
        "review",
        "retrain",
        "audit",
        "pipeline",
        "latency",
        "budget",
    ]
    out: list[dict[str, object]] = []
    for i in range(n):
        entry = f"2026{1 + i % 12:02d}{1 + i % 28:02d}T090000Z"
        task: dict[str, object] = {
            "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "status": "pending",
            "entry": entry,
            "description": f"{' '.join(rnd.sample(words, 5)).capitalize()} for candidate {i}",
            "project": f"team{i % 7}.{rnd.choice(words)}",
            "tags": rnd.sample(words, 2),
            "priority": rnd.choice("HML"),
            "due": f"2027{1 + i % 12:02d}{1 + i % 28:02d}T170000Z",
            "annotations": [
                {"entry": entry, "description": f"{rnd.choice(words)}: {' '.join(rnd.sample(words, 6))}"}
                for _ in range(1 + i % 2)
            ],
        }
        out.append(task)
    return out


def task_env(folder: Path, n: int) -> dict[str, str]:
    """The environment of a taskwarrior of `n` imported tasks in `folder` (made here, once)."""
    data = folder / "taskdata"
    data.mkdir(parents=True)
    rc = folder / "taskrc"
    rc.write_text(TASKRC.format(data=data), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TASK", "XDG_", "FSDL_TUI_"))}
    env |= {"TASKRC": str(rc), "TASKDATA": str(data), "HOME": str(folder)}
    tasks = folder / "tasks.json"
    tasks.write_text(json.dumps(task_json(n, seed=n)), encoding="utf-8")
    subprocess.run(["task", "import", str(tasks)], env=env, check=True, capture_output=True)
    got = subprocess.run(["task", "count", "status:pending"], env=env, check=True, capture_output=True, text=True)
    if int(got.stdout.strip() or 0) != n:
        raise RuntimeError(f"taskwarrior holds {got.stdout.strip()} tasks, not {n}")
    return env


def measure(n: int, repeats: int, folder: Path) -> dict[str, object]:
    work = folder / str(n)
    work.mkdir()
    path = work / "team.toml"
    path.write_text(make_portfolio_text(n, seed=n), encoding="utf-8")
    pid = load(path).portfolio.projects[n // 2].id
    tid = n // 2 + 1
    tenv = task_env(work / "task", n)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FSDL_TUI_"))}
    env |= {
        "COLUMNS": "120",
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_STATE_HOME": str(work / "state"),
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    ours = {"show": _fsdl("show", path), "rank": _fsdl("rank", path)}
    theirs = {"list": ["task", "list"], "next": ["task", "next"]}
    for cmd in (*ours.values(), _fsdl("validate", path)):
        cpu(cmd, env)  # fills the cache, writes the bytecode
    for cmd in theirs.values():
        cpu(cmd, tenv)
    rounds: dict[str, list[tuple[float, float]]] = {k: [] for k in ("set", "set_after_set", "show", "rank")}
    for r in range(repeats):
        cpu(_fsdl("validate", path), env)  # a load of the file as it is now (its index, if it had none)
        modify = cpu(["task", str(tid), "modify", f"priority:{'HML'[r % 3]}"], tenv)
        rounds["set"].append((cpu(_fsdl("set", path, pid, f"cost.accuracy_requirement={1 + r % 4}"), env), modify))
        again = cpu(_fsdl("set", path, pid, f"cost.accuracy_requirement={5 - r % 4}"), env)  # not in the cache
        rounds["set_after_set"].append((again, modify))
        cpu(_fsdl("validate", path), env)  # the parse cache for the bytes the sets wrote: show and rank are warm
        for ours_name, their_name in PAIRS[1:]:
            theirs_cpu = cpu(theirs[their_name], tenv)
            rounds[ours_name].append((cpu(ours[ours_name], env), theirs_cpu))
    row: dict[str, object] = {"n": n, "mib": path.stat().st_size / 2**20, "repeats": repeats}
    row |= {k: _ratio(v) for k, v in rounds.items()}
    row["in_process"] = one_field_save(path, pid, repeats, env)
    row["task_mib"] = sum(f.stat().st_size for f in (work / "task" / "taskdata").iterdir()) / 2**20
    return row


def one_field_save(path: Path, pid: str, repeats: int, env: dict[str, str]) -> tuple[float, float, float]:
    """In this process: the CPU time of one `set` of one field through `storage.one_project` (read, hash,
    index, the one segment parsed, rendered and spliced in, the atomic write, the next index), against
    `tomllib.loads` of the same text; (median save, median tomllib, median of the ratios)."""
    import tomllib

    from fsdl_tui.domain.fields import set_field
    from fsdl_tui.storage.one_project import ProjectEdit, edit_project

    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "FSDL_TUI_NO_CACHE")}
    os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]  # the run's cache, which holds the file's index
    os.environ.pop("FSDL_TUI_NO_CACHE", None)
    rounds = []
    try:
        for r in range(repeats):
            start = time.process_time()
            with edit_project(path, pid) as edit:
                if not isinstance(edit, ProjectEdit):
                    raise RuntimeError("no index for the file: the one-project path was not taken")
                assert edit.project is not None
                edit.save(set_field(edit.project, "cost.accuracy_requirement", 1 + (r + 2) % 5))
            took = time.process_time() - start
            text = path.read_text(encoding="utf-8")
            start = time.process_time()
            tomllib.loads(text)
            rounds.append((took, time.process_time() - start))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return _ratio(rounds)


def table(rows: list[dict[str, object]]) -> str:
    out = [
        "| projects / tasks | ours | CPU (s) | taskwarrior | CPU (s) | ours / taskwarrior |",
        "|---:|---|---:|---|---:|---:|",
    ]
    names = {"set": "`set` (warm)", "set_after_set": "`set` after a `set`", "show": "`show`", "rank": "`rank`"}
    theirs = {"set": "`task modify`", "set_after_set": "`task modify`", "show": "`task list`", "rank": "`task next`"}
    for r in rows:
        for key in ("set", "set_after_set", "show", "rank"):
            got = r[key]
            assert isinstance(got, tuple)
            out.append(
                f"| {int(r['n']):,} | {names[key]} | {got[0]:.2f} | {theirs[key]} | {got[1]:.2f} | **{got[2]:.2f}x** |"  # type: ignore[call-overload]
            )
    return "\n".join(out)


def verdicts(rows: list[dict[str, object]]) -> list[str]:
    out = []
    for r in rows:
        if r["n"] == 10000:
            ratio = r["set"][2]  # type: ignore[index]
            ok = "met" if ratio <= TARGET else "MISSED"
            out.append(f"{ok}: `set` at 10,000 (warm) = {ratio:.2f}x `task modify` (target <= {TARGET}x)")
            if "in_process" in r:
                got = r["in_process"]
                assert isinstance(got, tuple)
                save, parse, part = got
                ok = "met" if part <= IN_PROCESS_TARGET else "MISSED"
                out.append(
                    f"{ok}: a one-field save at 10,000 in process = {save:.3f} s, {part:.2f}x `tomllib.loads` of "
                    f"the file ({parse:.2f} s) (target <= {IN_PROCESS_TARGET}x)"
                )
    return out


def section(rows: list[dict[str, object]], argv: list[str]) -> str:
    version = subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
    sizes = ", ".join(f"{int(r['n']):,} ({r['mib']:.1f} MiB; taskwarrior's data {r['task_mib']:.1f} MiB)" for r in rows)  # type: ignore[call-overload]
    cmd = " ".join(["python benchmarks/bench_task.py", *argv])
    found = verdicts(rows)
    return f"""{BEGIN}
## Against taskwarrior

Measured by `benchmarks/bench_task.py` on: {_machine()}, taskwarrior {version}. Sizes: {sizes}.

The portfolio is `generate.py`'s file; taskwarrior holds as many tasks, imported once per size (a
description, a project, two tags, a priority, a due date, one or two annotations each), with its own
`TASKRC` and `TASKDATA`: `confirmation=off`, `hooks=off`, `gc=off` (ids stay as imported and the read
commands never rewrite the data; with no completed or deleted tasks gc has nothing to move), no sync,
`defaultwidth=120` (ours: `COLUMNS=120`), `recurrence=off` (no task recurs) and no news nag. The rounds alternate the pairs; every command is a fresh
process timed by its CPU time; the times are medians of the rounds, the ratio the median of the rounds'
ratios. Ours are warm (the cache folder filled by a run before): `set` takes the one-project path, by
the index of the file's bytes that a load (here an untimed `validate` before each round's `set`) or the
save before wrote; "`set` after a `set`" is the second edit in a row, which finds the index its
predecessor wrote for the bytes it saved (neither reads the parse cache); `show` and `rank` read the parse
cache, filled for the bytes the sets wrote by another untimed `validate`. `task next` shows one page of the most urgent tasks, `rank` every project.

{table(rows)}

Target (issue 13): `set` at 10,000 projects, warm, at most {TARGET}x `task modify`, and a one-field save in
process at most {IN_PROCESS_TARGET}x `tomllib.loads` of the file; the others are reported.

{chr(10).join("- " + v for v in found) or "- no row at 10,000: no verdict"}

Reproduce: `nice {cmd}` (`--sizes`, `--repeats`, `--no-write`; without `task` on PATH it measures nothing).
{END}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="project counts")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not rewrite docs/performance.md")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md", help="markdown file to update")
    args = parser.parse_args(argv)
    if shutil.which("task") is None:
        print("taskwarrior (`task`) not found: nothing measured (apt-get install taskwarrior)", file=sys.stderr)
        return 0
    raw_argv = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--no-write"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="fsdl-bench-task-") as tmp:
        for n in sorted(args.sizes):
            rows.append(measure(n, args.repeats, Path(tmp)))
            print(f"{n} projects measured", file=sys.stderr, flush=True)
    print(table(rows))
    found = verdicts(rows)
    print("\n".join(["", *found]))
    if not args.no_write:
        write_section(args.output, section(rows, raw_argv), BEGIN, END)
        print(f"\nupdated {args.output}")
    return 1 if any(v.startswith("MISSED") for v in found) else 0


if __name__ == "__main__":
    sys.exit(main())
