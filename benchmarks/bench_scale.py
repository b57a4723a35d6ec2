"""Benchmark of the commands at scale, each as a ratio to a floor measured in the same run.

    python benchmarks/bench_scale.py                          # 1,000 and 10,000 projects; rewrites its part of docs/performance.md
    python benchmarks/bench_scale.py --sizes 1000 --repeats 1 --no-write
    nice python benchmarks/bench_scale.py --sizes 1000 10000 100000 --repeats 1 --one-floor 100000 --log-size 1000 10000

Every command runs as its own process (`python -m fsdl_tui ...`, as a user or git runs it) and is timed by
the CPU time (user + system) the process used, which a busy machine disturbs less than the wall clock; its
peak memory is the process's maximum resident set size as GNU time (`/usr/bin/time -f %M`) gives it (none
without GNU time). Each round runs the floor and the command back to back; a ratio is the median of the
rounds' ratios.

- `rank`, `show`, `export --format csv`, `validate`, `diff OLD NEW` (three projects edited), `set`: against a
  process that only does `tomllib.load` of the file; cold (`FSDL_TUI_NO_CACHE=1`) and warm (the parse cache
  filled by a run before); GNU `diff` of the two files is shown beside `diff`;
- the merge driver (`merge BASE OURS THEIRS`, a few edits on each side): against `git merge-file`;
- `log` over 50 commits of one file (at `--log-size` projects): against `git log -p` of the file;
- peak memory (maximum RSS) of each command, of the merge driver and of the floor, cold; of `set` with the
  file's index (the cold rounds have none); and of the app (`--app`) as `fsdl-tui PATH` runs it (the file
  read after the first frame, the screens built ahead), headless, until its table holds every project and
  the build-ahead is done, and of the app doing that, then one edit and a save.

A file over the cache's size limit (`storage/cache.py`, 64 MiB) is never cached, so it has no warm row.
`--no-git` leaves out the merge driver and `log`; the page then keeps the git rows it had.

The files come from `benchmarks/generate.py` (about 3.8 KB a project, every table filled). Targets
(issue: 10,000 projects feel instant) at 10,000 projects: rank, show, export, diff, validate at most 1.5x
the tomllib process cold and 0.5x warm; the merge driver at most 5x `git merge-file`; log over 50
commits at most 5x `git log -p`; at 100,000 projects, the peak memory of each command and of the app at most
1 GiB. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_core import _machine
from benchmarks.generate import make_portfolio_text
from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import PortfolioDocument, cache, load, save

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench_scale: begin -->", "<!-- bench_scale: end -->"
GIT_BEGIN, GIT_END = "<!-- bench_scale git: begin -->", "<!-- bench_scale git: end -->"
PY = sys.executable
TOMLLIB = [PY, "-c", "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))"]
TARGETS = {"cold": 1.5, "warm": 0.5, "merge": 5.0, "log": 5.0}
MEMORY_TARGET = 2**30  # bytes: peak memory of each command (cold) and of the app at 100,000 projects
READ_COMMANDS = ("rank", "show", "export", "validate", "diff")
COMMANDS = (*READ_COMMANDS, "set")
_PEAKS: dict[str, int] = {}  # the largest peak memory seen per command label, in bytes (filled by `run`)
_APP = """
import asyncio, sys
from fsdl_tui.tui import open_session, progressive_target
from fsdl_tui.tui.app import FsdlApp
from fsdl_tui.tui.widgets.table import PortfolioTable

async def main():
    # As `fsdl-tui PATH` starts the app (`tui.launch`): the file read after the first frame, on a thread, and
    # the screens built ahead once it is read and ranked.
    load_path = progressive_target(sys.argv[1])
    session, problems = open_session(sys.argv[1]) if load_path is None else (None, None)
    app = FsdlApp(session, problems=problems, load_path=load_path)
    app.build_ahead = True
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(24000):
            await pilot.pause(0.05)
            s = app.workspace.session
            if s is None or not s.complete or not app.built_ahead or not app.screen.query(PortfolioTable):
                continue
            if len(app.screen.query_one(PortfolioTable)._shown) >= len(s.portfolio.projects):
                break
        else:
            raise SystemExit("the table never held every project, or the screens were never built ahead")

asyncio.run(main())
"""
# The app's save: loaded as above, one project's owner changed as the edit form changes it (the recovery
# journal written), then saved.
_APP_SAVE = (
    _APP.replace("async def main():", "async def main(then=None):")
    .replace(
        '            raise SystemExit("the table never held every project, or the screens were never built ahead")',
        '            raise SystemExit("the table never held every project, or the screens were never built ahead")\n'
        "        if then is not None:\n"
        "            await then(app, pilot)",
    )
    .replace(
        "asyncio.run(main())",
        """async def edit_and_save(app, pilot):
    s = app.workspace.session
    p = s.portfolio.projects[len(s.portfolio.projects) // 2]
    app.replace_project(p.replace(owner=p.owner + "-x"), "owner")
    await pilot.pause(0.1)
    if not app.save() or s.dirty:
        raise SystemExit("not saved")
    await pilot.pause(0.1)

asyncio.run(main(edit_and_save))""",
    )
)


GNU_TIME = "/usr/bin/time"


def _gnu_time() -> bool:
    """Whether GNU time is at `GNU_TIME` (its `%M` is the maximum resident set size of the command alone)."""
    try:
        out = subprocess.run([GNU_TIME, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return "GNU" in out.stdout + out.stderr


HAVE_GNU_TIME = _gnu_time()


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None, label: str = "") -> tuple[float, int | None]:
    """(CPU seconds (user + system), peak memory in bytes or None) of one run of `cmd`, its output thrown away.

    The peak is GNU time's `%M` for the command: `wait4`'s own figure would be this benchmark's, since a
    child shares its parent's pages (and counts them) until it execs. Without GNU time there is no peak."""
    with tempfile.NamedTemporaryFile(prefix="fsdl-bench-rss-", suffix=".txt") as rss:
        full = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd] if HAVE_GNU_TIME else cmd
        proc = subprocess.Popen(full, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own usage (with GNU time's, a millisecond)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stderr.close()
        if proc.returncode not in (0, 1):  # 1: GNU diff found differences; a failure is not a measurement
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode(errors='replace')}")
        lines = Path(rss.name).read_text(encoding="utf-8").split() if HAVE_GNU_TIME else []
    peak = int(lines[-1]) * 1024 if lines and lines[-1].isdigit() else None  # (KiB; after any exit note)
    if label and peak is not None:
        _PEAKS[label] = max(_PEAKS.get(label, 0), peak)
    return usage.ru_utime + usage.ru_stime, peak


def cpu(cmd: list[str], env: dict[str, str], cwd: Path | None = None, label: str = "") -> float:
    """CPU seconds of one run of `cmd` (its peak memory noted under `label`)."""
    return run(cmd, env, cwd, label)[0]


def _edited(doc: PortfolioDocument, dst: Path, indexes: list[int], value: int) -> PortfolioDocument:
    """The document with `cost.accuracy_requirement` of the projects at `indexes` set, saved to `dst`."""
    pf = doc.portfolio
    for i in indexes:
        p = pf.projects[i]
        v = value if p.cost.accuracy_requirement != value else value % 5 + 1
        pf = pf.with_project(set_field(p, "cost.accuracy_requirement", v))
    return save(doc, pf, dst)


def _fsdl(*args: object) -> list[str]:
    return [PY, "-m", "fsdl_tui", *(str(a) for a in args)]


def _ratio(rounds: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(median command CPU, median floor CPU, median of the ratios)."""
    return (
        statistics.median(c for c, _ in rounds),
        statistics.median(f for _, f in rounds),
        statistics.median(c / f for c, f in rounds if f > 0),
    )


def measure(
    n: int,
    repeats: int,
    folder: Path,
    *,
    git: bool = True,
    app: bool = False,
    one_floor: bool = False,
    source: Path | None = None,
) -> dict[str, object]:
    """One size's row. `one_floor`: the floor runs once per round for all the commands (beside the first),
    rather than beside each; `source`: a file `generate.py` wrote for this size and seed, copied, not made."""
    work = folder / str(n)
    work.mkdir()
    path = work / "team.toml"
    if source is not None:
        shutil.copyfile(source, path)
    else:
        path.write_text(make_portfolio_text(n, seed=n), encoding="utf-8")
    new = work / "team-new.toml"
    ours, theirs = work / "ours.toml", work / "theirs.toml"
    doc = load(path)
    pid = doc.portfolio.projects[n // 2].id
    _edited(doc, new, [n // 5, n // 2, n - 1], 2)
    if git:
        _edited(doc, ours, [n // 4, n // 3], 3)
        _edited(doc, theirs, [n // 2, (2 * n) // 3, n - 2], 4)
    del doc
    cached = path.stat().st_size <= cache.MAX_FILE_BYTES
    _PEAKS.clear()

    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FSDL_TUI_"))}
    base_env |= {"COLUMNS": "120", "XDG_CONFIG_HOME": str(folder / "config"), "XDG_STATE_HOME": str(folder / "state")}
    envs = {
        "cold": base_env | {"FSDL_TUI_NO_CACHE": "1"},
        "warm": base_env | {"XDG_CACHE_HOME": str(folder / "cache")},
    }
    if not cached:  # a file this large is never cached: warm would be cold again
        del envs["warm"]
    commands = {
        "rank": _fsdl("rank", path),
        "show": _fsdl("show", path),
        "export": _fsdl("export", path, "--format", "csv", "-o", work / "out.csv", "--force"),
        "validate": _fsdl("validate", path),
        "diff": _fsdl("diff", path, new),
    }
    row: dict[str, object] = {"n": n, "mib": path.stat().st_size / 2**20, "cached": cached, "one_floor": one_floor}
    floors: dict[tuple[str, int], float] = {}

    def floor(mode: str, r: int) -> float:
        if not one_floor or (mode, r) not in floors:
            floors[mode, r] = cpu([*TOMLLIB, str(path)], envs[mode], label="tomllib.load")
        return floors[mode, r]

    for name, cmd in commands.items():
        for mode, env in envs.items():
            if mode == "warm":
                cpu(cmd, env)  # fills the cache
            label = "" if mode == "warm" else name
            rounds = [(cpu(cmd, env, label=label), floor(mode, r)) for r in range(repeats)]
            row[f"{name}_{mode}"] = _ratio(rounds)
    for mode, env in envs.items():  # set: a one-field save (the file changes, so a warm cache holds it no more)
        target = work / "set.toml"
        shutil.copyfile(path, target)
        if mode == "warm":
            cpu(_fsdl("validate", target), env)
        rounds = []
        for r in range(repeats):
            cmd = _fsdl("set", target, pid, f"cost.accuracy_requirement={1 + r % 5}")
            before = floor(mode, r) if one_floor else cpu([*TOMLLIB, str(target)], env)
            rounds.append((cpu(cmd, env, label="" if mode == "warm" else "set"), before))
        row[f"set_{mode}"] = _ratio(rounds)
    # set's peak memory with the file's index (`storage/one_project.py`): a first set (which, without an
    # index, works one out by a read-only scan and stores it) and a second one, measured, that uses it.
    # The cold rounds above had no index.
    target, indexed = work / "set-index.toml", base_env | {"XDG_CACHE_HOME": str(folder / "cache-index")}
    shutil.copyfile(path, target)
    cpu(_fsdl("set", target, pid, "cost.accuracy_requirement=1"), indexed)
    cpu(_fsdl("set", target, pid, "cost.accuracy_requirement=2"), indexed, label="set-index")
    row["gnu_diff"] = statistics.median(cpu(["diff", str(path), str(new)], base_env) for _ in range(repeats))
    if app:
        row["app_peak"] = run([PY, "-c", _APP, str(path)], envs["cold"], cwd=work)[1]
        target = work / "app-save.toml"
        shutil.copyfile(path, target)
        row["app_save_peak"] = run([PY, "-c", _APP_SAVE, str(target)], envs["cold"], cwd=work)[1]
    row["peaks"] = dict(_PEAKS)
    if not git:
        return row
    rounds = []
    for _ in range(repeats):  # the merge driver, as git runs it: OURS is overwritten with the result
        result = work / "merged.toml"
        shutil.copyfile(ours, result)
        driver = cpu(_fsdl("merge", path, result, theirs), envs["cold"], label="merge")
        shutil.copyfile(ours, result)
        rounds.append((driver, cpu(["git", "merge-file", "-p", str(result), str(path), str(theirs)], envs["cold"])))
    row["merge_cold"] = _ratio(rounds)
    row["peaks"] = dict(_PEAKS)
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
    doc = load(path)
    for c in range(1, commits):
        doc = _edited(doc, path, [(c * 7919) % n], 1 + c % 5)
        git("commit", "-q", "-am", f"edit {c}")
    del doc
    rounds = [
        (cpu(_fsdl("log", "team.toml"), env, repo), cpu(["git", "log", "-p", "--", "team.toml"], env, repo))
        for _ in range(repeats)
    ]
    return {"n": n, "commits": commits, "log_cold": _ratio(rounds)}


def _from_json(row: dict[str, object]) -> dict[str, object]:
    """A row read back from a --dump file: JSON made the measured triples lists."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}


def _cell(row: dict[str, object], key: str) -> str:
    got = row.get(key)
    if not isinstance(got, tuple):
        return "-"
    return f"{got[0]:.2f} s ({got[2]:.2f}x)"


def _mib(n: object) -> str:
    return f"{int(n) / 2**20:,.0f} MiB" if isinstance(n, int) else "-"


_SIZE_RE = re.compile(r"^(?:\| |- floors at |- (?:met|MISSED): \S+ at )([\d,]+)[ :|,]")


def _size_of(line: str) -> int:
    m = _SIZE_RE.match(line)
    return int(m.group(1).replace(",", "")) if m else -1


@dataclass
class Kept:
    """The page's lines for the sizes this run did not measure (`--keep-other-sizes`), kept as they were."""

    rows: list[str] = field(default_factory=list)
    floors: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)


def kept_lines(path: Path, measured: set[int]) -> Kept:
    """The CLI table's rows, floors and verdicts of the page at `path` for the sizes not in `measured`; a
    merge driver column of an older page is left out (it is in the git block)."""
    kept = Kept()
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN not in old:
        return kept
    body = old[old.index(BEGIN) : old.index(END)]
    if GIT_BEGIN in body:
        body = body[: body.index(GIT_BEGIN)] + body[body.index(GIT_END) :]
    in_cli_table = False
    merge_column = False
    for line in body.splitlines():
        if line.startswith("| projects | file (MiB) | mode |"):
            in_cli_table, merge_column = True, line.rstrip().endswith("merge driver |")
            continue
        if in_cli_table and not line.startswith("|"):
            in_cli_table = False
        n = _size_of(line)
        if n < 0 or n in measured:
            continue
        if in_cli_table:
            kept.rows.append(line.rsplit(" | ", 1)[0] + " |" if merge_column else line)
        elif line.startswith("- floors at "):
            kept.floors.append(line.split(", git merge-file")[0])
        elif line.startswith(("- met:", "- MISSED:")) and "merge driver" not in line and " log " not in line:
            kept.verdicts.append(line[2:])
    return kept


def table(rows: list[dict[str, object]], kept: Kept | None = None) -> str:
    """The CLI commands' times (cold and warm) at each size, and the floors."""
    kept = kept or Kept()
    cols = list(COMMANDS)
    out = [
        "| projects | file (MiB) | mode | " + " | ".join(cols) + " |",
        "|---:|---:|---|" + "---:|" * len(cols),
    ]
    lines = list(kept.rows)
    for r in rows:
        for mode in ("cold", "warm"):
            if mode == "warm" and not r.get("cached", True):
                cells = ["not cached (over 64 MiB)"] + [""] * (len(cols) - 1)
            else:
                cells = [_cell(r, f"{c}_{mode}") for c in cols]
            lines.append(f"| {int(r['n']):,} | {r['mib']:.1f} | {mode} | " + " | ".join(cells) + " |")  # type: ignore[call-overload]
    out += sorted(lines, key=lambda line: (_size_of(line), "| warm |" in line))
    out.append("")
    out.append(
        "Each cell: CPU seconds of the command (the ratio to its floor in the same rounds). The floor: a "
        "process doing `tomllib.load` of the file."
    )
    floors = list(kept.floors)
    for r in rows:
        floor = r["rank_cold"]
        assert isinstance(floor, tuple)
        once = " (one tomllib.load per round, for every command)" if r.get("one_floor") else ""
        floors.append(
            f"- floors at {int(r['n']):,}: tomllib.load {floor[1]:.2f} s{once}, GNU diff {r['gnu_diff']:.2f} s"  # type: ignore[call-overload]
        )
    out += sorted(floors, key=_size_of)
    return "\n".join(out)


_MEMORY_HEADS = {"set": "set, no index", "set-index": "set, index"}
_MEMORY_NAMES = {
    "merge": "the merge driver",
    "set": "set without an index",
    "set-index": "set with the index",
    "app save": "the app: load, one edit, save",
}


def memory_table(rows: list[dict[str, object]]) -> str:
    """Peak memory (maximum RSS) of each command, cold, beside the `tomllib.load` process, at each size."""
    cols = ["tomllib.load", *COMMANDS, "set-index"]
    has_merge = any(isinstance(r.get("peaks"), dict) and "merge" in r["peaks"] for r in rows)  # type: ignore[operator]
    has_app = any("app_peak" in r for r in rows)
    has_save = any("app_save_peak" in r for r in rows)
    heads = [_MEMORY_HEADS.get(c, c) for c in cols]
    heads += ["merge driver"] * has_merge + ["app"] * has_app + ["app: edit, save"] * has_save
    out = ["| projects | file (MiB) | " + " | ".join(heads) + " |", "|---:|---:|" + "---:|" * len(heads)]
    for r in rows:
        peaks = r["peaks"]
        assert isinstance(peaks, dict)
        cells = [_mib(peaks.get(c)) for c in cols] + [_mib(peaks.get("merge"))] * has_merge
        cells += [_mib(r.get("app_peak"))] * has_app + [_mib(r.get("app_save_peak"))] * has_save
        out.append(f"| {int(r['n']):,} | {r['mib']:.1f} | " + " | ".join(cells) + " |")  # type: ignore[call-overload]
    if not HAVE_GNU_TIME:
        out += ["", f"Not measured: no GNU time at `{GNU_TIME}` on this machine (`apt-get install time`)."]
    return "\n".join(out)


def git_table(rows: list[dict[str, object]], logs: list[dict[str, object]]) -> str:
    """The merge driver at each size and `log` over the commits (at each of its sizes)."""
    out = ["| projects | merge driver (cold) | git merge-file |", "|---:|---:|---:|"]
    for r in rows:
        got = r.get("merge_cold")
        if isinstance(got, tuple):
            out.append(f"| {int(r['n']):,} | {_cell(r, 'merge_cold')} | {got[1]:.2f} s |")  # type: ignore[call-overload]
    if logs:
        out.append("")
    for log in logs:
        got = log["log_cold"]
        assert isinstance(got, tuple)
        out.append(
            f"- `log` over {log['commits']} commits of a {int(log['n']):,}-project file: {got[0]:.2f} s, "  # type: ignore[call-overload]
            f"`git log -p` {got[1]:.2f} s: **{got[2]:.2f}x**"
        )
    return "\n".join(out)


def _verdict(out: list[str], label: str, ratio: float, target: float) -> None:
    out.append(f"{'met' if ratio <= target else 'MISSED'}: {label} = {ratio:.2f}x (target <= {target}x)")


def verdicts(rows: list[dict[str, object]], kept: Kept | None = None) -> list[str]:
    """The CLI commands' targets at 10,000 projects and the memory target at 100,000."""
    out: list[str] = list(kept.verdicts) if kept else []
    for r in rows:
        if r["n"] == 100000:
            peaks: dict[str, int] = dict(r["peaks"])  # type: ignore[call-overload]
            if r.get("app_peak"):
                peaks["app"] = r["app_peak"]  # type: ignore[assignment]
            if r.get("app_save_peak"):
                peaks["app save"] = r["app_save_peak"]  # type: ignore[assignment]
            for label in (*COMMANDS, "set-index", "merge", "app", "app save"):
                if peaks.get(label):
                    ok = "met" if peaks[label] <= MEMORY_TARGET else "MISSED"
                    name = _MEMORY_NAMES.get(label, label)
                    out.append(
                        f"{ok}: peak memory of {name} at 100,000 = {_mib(peaks[label])} (target <= {_mib(MEMORY_TARGET)})"
                    )
        if r["n"] != 10000:
            continue
        for c in READ_COMMANDS:
            for mode in ("cold", "warm"):
                got = r[f"{c}_{mode}"]
                assert isinstance(got, tuple)
                _verdict(out, f"{c} at 10,000, {mode}", got[2], TARGETS[mode])
    return out


def git_verdicts(rows: list[dict[str, object]], logs: list[dict[str, object]]) -> list[str]:
    out: list[str] = []
    for r in rows:
        got = r.get("merge_cold")
        if r["n"] in (10000, 100000) and isinstance(got, tuple):
            _verdict(out, f"merge driver at {int(r['n']):,}", got[2], TARGETS["merge"])
    for log in logs:
        got = log["log_cold"]
        assert isinstance(got, tuple)
        _verdict(out, f"log over {log['commits']} commits at {int(log['n']):,}", got[2], TARGETS["log"])  # type: ignore[call-overload]
    return out


def git_section(rows: list[dict[str, object]], logs: list[dict[str, object]]) -> str:
    return f"""{GIT_BEGIN}
### Git: the merge driver and `log`

{git_table(rows, logs)}

Targets: the merge driver with a few edits at 10,000 (and 100,000) projects at most {TARGETS["merge"]}x
`git merge-file` on the same three files; `log` over 50 commits at most {TARGETS["log"]}x `git log -p`.

{chr(10).join("- " + v for v in git_verdicts(rows, logs))}
{GIT_END}"""


def _kept_note(kept: Kept | None) -> str:
    sizes = sorted({_size_of(line) for line in kept.rows}) if kept else []
    if not sizes:
        return ""
    return (
        f"\nThe rows at {', '.join(f'{n:,}' for n in sizes)} projects are from an earlier run, kept as they were "
        "(`--keep-other-sizes`); each row's ratios are to the floor of its own run.\n"
    )


def _command(argv: list[str]) -> str:
    return "python benchmarks/bench_scale.py" + ("" if not argv else " " + " ".join(argv))


def _runs(rows: list[dict[str, object]], logs: list[dict[str, object]], cmd: str) -> tuple[str, str]:
    """(A note naming the run each row comes from, when they come from several runs; what reproduces them.)"""
    by_run: dict[str, list[str]] = {}
    for r in rows:
        by_run.setdefault(str(r.get("run") or cmd), []).append(f"{int(r['n']):,}")  # type: ignore[call-overload]
    for r in logs:
        by_run.setdefault(str(r.get("run") or cmd), []).append(f"`log` at {int(r['n']):,}")  # type: ignore[call-overload]
    if len(by_run) <= 1:
        return "", f"`{next(iter(by_run), cmd)}`"
    lines = "\n".join(f"- {', '.join(what)}: `{run}`" for run, what in by_run.items())
    return (
        f"\nThe rows come from {len(by_run)} runs (each ratio is to the floor of its own run):\n\n{lines}\n",
        "the runs above",
    )


def section(
    rows: list[dict[str, object]],
    git: str,
    argv: list[str],
    kept: Kept | None = None,
    logs: list[dict[str, object]] | None = None,
) -> str:
    note, cmd = _runs(rows, logs or [], _command(argv))
    return f"""{BEGIN}
## The commands at scale

Measured by `benchmarks/bench_scale.py` on: {_machine()}. Each command runs as a process, as a user or git
runs it, timed by its CPU time; each ratio is to a floor measured in the same rounds (median of the rounds).
Cold: `FSDL_TUI_NO_CACHE=1`; warm: the cache of parsed files (`fsdl_tui/storage/cache.py`) filled by a run
before. `set` changes the file: its first round after the filling run is a hit, later rounds are not. Files
over 64 MiB (here 100,000 projects) are never cached: an entry is read whole, which would take more memory
than a cold load, which builds one project at a time. Cold, `rank`, `show`, `export` and `validate` load
read-only (below); warm, they take the cache's entry as `load` does.

{table(rows, kept)}
{_kept_note(kept)}{note}
### Peak memory

The maximum resident set size of each process, cold, as GNU time gives it (`/usr/bin/time -f %M`: the
command's own; `wait4` would give this benchmark's, whose pages a child shares until it execs), beside a
process doing only `tomllib.load` of the same file, in the same rounds; the column is empty without GNU
time at `/usr/bin/time`. `rank`, `show`, `export` and `validate` (and `stats`), which never save, load
read-only (`storage.loading.load_read_only`): the file is read 4 MiB at a time, hashed as it comes, cut
at `[[projects]]` lines, and each project built as its segment is parsed, so neither the text nor the
parsed data of every project is held at once (anything not plain is read whole by `load`, which words
every problem). `diff` holds the text: it works on lines; the merge driver scans the three files a few
MiB at a time and holds only the segments that differ (`gitops/filemerge.py`). `set` edits one project
alone (`storage/one_project.py`) and holds the file's bytes, not its text: by the file's index where there
is one ("set, index": a `set` before stored it), else by the index a read-only scan as above works out
("set, no index": the cold rounds, the cache off). The app keeps a large file's bytes in a temporary file
of its own; its save ("app: edit, save": loaded as for "app", one project's owner changed, the recovery
journal written, saved) writes the untouched projects from that copy as it goes and renders only what
changed, and the journal is written a block at a time. Repeated words (item ids, stages, owners, tags, dates, checks without
a note, short notes) are kept once. What is left is the model, about 3.6 KiB a project (tracemalloc at
10,000 projects: 35 MiB, 9 MiB of it the strings of titles, prose and notes; 42 MiB with 15 MiB of
strings before short notes were kept once), and the interpreter with its modules.

{memory_table(rows)}

Targets: at 10,000 projects rank, show, export, diff, validate at most {TARGETS["cold"]}x the `tomllib.load`
process cold and {TARGETS["warm"]}x warm; at 100,000 projects the peak memory of each command (cold) and of the app
at most 1 GiB.

{chr(10).join("- " + v for v in verdicts(rows, kept)) or "- (no 10,000-project run in this measurement)"}

{git}

Reproduce: {cmd} (`--sizes`, `--repeats`, `--log-size`, `--no-git`, `--app`, `--no-write`).
{END}
"""


def old_git_section(path: Path) -> str | None:
    """The git block the page has now (kept as it is when this run leaves git out)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if GIT_BEGIN in old and GIT_END in old:
        return old[old.index(GIT_BEGIN) : old.index(GIT_END) + len(GIT_END)]
    return None


def write_section(path: Path, text: str, begin: str = BEGIN, end: str = END) -> None:
    """Put `text` (a section from `begin` to `end`) in the page in place of its old copy, or at the end."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if begin in old and end in old:
        new = old[: old.index(begin)] + text.rstrip("\n") + old[old.index(end) + len(end) :]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def _reproduce_argv(argv: list[str], rows: list[dict[str, object]]) -> list[str]:
    """The options that measure these rows again: without the page's and the dump files' own (paths)."""
    out: list[str] = []
    skip = False
    dumps = False  # (--from-dump takes one file or more)
    for a in argv:
        if skip or (dumps and not a.startswith("-")):
            skip = False
        elif a in ("--output", "--dump", "--from-dump", "--file"):
            skip, dumps = True, a == "--from-dump"
        elif a not in ("--no-write", "--keep-other-sizes") and not a.startswith(
            ("--output=", "--dump=", "--from-dump=", "--file=")
        ):
            out.append(a)
            dumps = False
    if "--sizes" not in out:
        out = ["--sizes", *(str(r["n"]) for r in rows), *out]
    return out


def _dump(path: Path, rows: list[dict[str, object]], logs: list[dict[str, object]]) -> None:
    path.write_text(json.dumps({"rows": rows, "logs": logs}, indent=1), encoding="utf-8")


def _undump(paths: list[Path]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rows and logs of the dump files; for a size in several, the last file's."""
    rows: dict[int, dict[str, object]] = {}
    logs: dict[int, dict[str, object]] = {}
    for path in paths:
        got = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(got, list):  # an older dump: the rows only
            got = {"rows": got, "logs": []}
        rows |= {int(r["n"]): _from_json(r) for r in got["rows"]}
        logs |= {int(r["n"]): _from_json(r) for r in got["logs"]}
    return [rows[n] for n in sorted(rows)], [logs[n] for n in sorted(logs)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="project counts")
    ap.add_argument("--repeats", type=int, default=3, help="rounds per measure; medians are reported")
    ap.add_argument(
        "--log-size", type=int, nargs="+", default=[1000], help="projects in the file `log` walks (0: skip log)"
    )
    ap.add_argument("--commits", type=int, default=50, help="commits `log` walks")
    ap.add_argument("--no-git", action="store_true", help="leave out the merge driver and log (the page keeps its)")
    ap.add_argument("--app", action="store_true", help="also the app's peak memory, headless, fully loaded")
    ap.add_argument("--no-write", action="store_true", help="print only; do not rewrite docs/performance.md")
    ap.add_argument("--dump", type=Path, help="also write the measured rows to this JSON file (after each size)")
    ap.add_argument(
        "--one-floor",
        type=int,
        nargs="?",
        const=0,
        metavar="N",
        help="one floor per round and size, for all commands (at sizes of at least N, if given)",
    )
    ap.add_argument(
        "--file",
        type=Path,
        help="with one size N: a file `generate.py N --seed N` wrote, used instead of generating it again",
    )
    ap.add_argument(
        "--from-dump", type=Path, nargs="+", help="measure nothing: take the rows from --dump files (the last wins)"
    )
    ap.add_argument(
        "--keep-other-sizes", action="store_true", help="keep the page's rows for the sizes not measured now"
    )
    ap.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md", help="markdown file to update")
    args = ap.parse_args(argv)
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    rows: list[dict[str, object]] = []
    logs: list[dict[str, object]] = []
    if not HAVE_GNU_TIME:
        print(f"fsdl-bench: no GNU time at {GNU_TIME}: peak memory is not measured", file=sys.stderr)
    run = _command(_reproduce_argv(raw_argv, [{"n": n} for n in args.sizes]))
    if args.from_dump:
        rows, logs = _undump(args.from_dump)
    else:
        with tempfile.TemporaryDirectory(prefix="fsdl-bench-scale-") as tmp:
            for n in sorted(args.sizes):
                source = args.file if args.file and len(args.sizes) == 1 else None
                row = measure(
                    n,
                    args.repeats,
                    Path(tmp),
                    git=not args.no_git,
                    app=args.app,
                    one_floor=args.one_floor is not None and n >= args.one_floor,
                    source=source,
                )
                rows.append(row | {"run": run})
                print(f"{n} projects measured", file=sys.stderr, flush=True)
                if args.dump:
                    _dump(args.dump, rows, logs)
            for n in sorted(args.log_size) if not args.no_git else ():
                if n:
                    logs.append(measure_log(n, args.commits, args.repeats, Path(tmp)) | {"run": run})
                    print(f"log at {n} measured", file=sys.stderr, flush=True)
                    if args.dump:
                        _dump(args.dump, rows, logs)
    kept = kept_lines(args.output, {int(r["n"]) for r in rows}) if args.keep_other_sizes else None  # type: ignore[call-overload]
    print(table(rows, kept))
    print()
    print(memory_table(rows))
    print()
    print("\n".join(verdicts(rows, kept)))
    git = git_section(rows, logs) if not args.no_git else old_git_section(args.output)
    if git is not None:
        print()
        print(git)
    if not args.no_write:
        write_section(args.output, section(rows, git or "", _reproduce_argv(raw_argv, rows), kept, logs))
        print(f"\nupdated {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
