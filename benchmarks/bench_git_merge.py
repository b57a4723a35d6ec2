"""How often git merges two branches' portfolio edits cleanly and correctly, with and without the driver.

Random two-branch scenarios on a generated, commented portfolio: each branch makes one to three edits,
picked from what teams do (`fsdl-tui add` a project, `fsdl-tui set` a field of a project, a comment or a
key fsdl-tui does not know added by hand), never the same project as the other branch (so every scenario
has one right answer: both sides' edits). Each is merged twice:

- **no driver** (a hosted server's merge button): git's line merge, `git merge-file`;
- **driver**: `fsdl_tui.gitops.merge_texts(..., portfolio=False)`, what `fsdl-tui merge` does for git.

A merge is **correct** when it is clean, reads as a valid portfolio with the data of applying both
branches' edits in turn, and keeps every comment and unknown key either side added.

    python benchmarks/bench_git_merge.py                 # 200 scenarios on 20 projects
    python benchmarks/bench_git_merge.py --scenarios 50 --projects 8
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import make_portfolio_text
from fsdl_tui.domain.codec import portfolio_to_data
from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.gitops.merge import merge_texts
from fsdl_tui.gitops.placement import insert_by_id
from fsdl_tui.gitops.textmerge import merge_file
from fsdl_tui.storage import PortfolioLoadError, loads, render_text

Edit = Callable[[str], str]
FIELDS = ("owner", "impact.overall", "cost.data_availability", "cost.problem_difficulty", "metrics.target", "title")


def _model_edit(change: Callable[..., object]) -> Edit:
    def edit(text: str) -> str:
        doc = loads(text)
        return render_text(doc, change(doc.portfolio))  # type: ignore[arg-type]

    return edit


def _insert_after(text: str, pid: str, marker: str, line: str) -> str:
    start = text.index(f'id = "{pid}"')
    at = text.index(marker, start)
    at = text.index("\n", at) + 1
    return text[:at] + line + "\n" + text[at:]


def random_edits(
    rng: random.Random, ids: list[str], tag: str, fields: tuple[str, ...], at_end: bool = False
) -> tuple[list[Edit], list[str]]:
    """Edits of the projects `ids` (fields only from `fields`; new projects by id, or at the end of the
    file with `at_end`), and the lines the result must keep."""
    edits: list[Edit] = []
    keep: list[str] = []
    for n in range(rng.randint(1, 3)):
        kind = rng.choice(("add", "set", "comment", "unknown"))
        pid = rng.choice(ids)
        if kind == "add":
            new_id = f"{tag}-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
            if at_end:
                edits.append(_model_edit(lambda pf, i=new_id: pf.with_project(new_project(i, f"New {i}"))))
            else:
                edits.append(_model_edit(lambda pf, i=new_id: insert_by_id(pf, new_project(i, f"New {i}"))))
        elif kind == "set":
            path, value = rng.choice(fields), rng.randint(1, 5)
            v: object = {"owner": f"{tag}-owner", "title": f"{tag} title", "metrics.target": value / 10}.get(
                path, value
            )
            edits.append(_model_edit(lambda pf, p=pid, f=path, x=v: pf.with_project(set_field(pf.get(p), f, x))))
        elif kind == "comment":
            line = f"# {tag} note {n}"
            edits.append(lambda t, p=pid, x=line: _insert_after(t, p, "[projects.cost]", x))
            keep.append(line)
        else:
            line = f"{tag}_ticket_{n} = {rng.randint(1, 999)}"
            edits.append(lambda t, p=pid, x=line: _insert_after(t, p, "[projects.metrics]", x))
            keep.append(line)
    return edits, keep


def apply(text: str, edits: list[Edit]) -> str:
    for e in edits:
        text = e(text)
    return text


def correct(text: str, clean: bool, expected: dict, keep: list[str]) -> bool:
    if not clean:
        return False
    try:
        data = portfolio_to_data(loads(text).portfolio)
    except PortfolioLoadError:
        return False
    by_id = {p["id"]: p for p in data.pop("projects")}
    want = dict(expected)
    want_by_id = {p["id"]: p for p in want.pop("projects")}
    return data == want and by_id == want_by_id and all(line in text for line in keep)


def run(scenarios: int, projects: int, seed: int, at_end: bool = False) -> dict[str, int]:
    """Counts of clean and of correct merges. Half the scenarios have both branches edit one shared
    project too (different fields: ours the impact and data availability, theirs the others)."""
    rng = random.Random(seed)
    base = make_portfolio_text(projects, seed=seed)
    ids = [p.id for p in loads(base).portfolio.projects]
    counts = {"scenarios": 0, "plain_clean": 0, "plain_correct": 0, "driver_clean": 0, "driver_correct": 0}
    for _ in range(scenarios):
        rng.shuffle(ids)
        half = len(ids) // 2
        shared = [ids[0]] if rng.random() < 0.5 else []
        ours_edits, keep_o = random_edits(rng, ids[:half], "ours", FIELDS[:3], at_end)
        theirs_edits, keep_t = random_edits(rng, ids[half:] + shared, "theirs", FIELDS[3:], at_end)
        ours, theirs = apply(base, ours_edits), apply(base, theirs_edits)
        expected = portfolio_to_data(loads(apply(ours, theirs_edits)).portfolio)
        keep = keep_o + keep_t
        counts["scenarios"] += 1
        plain = merge_file(base, ours, theirs)
        assert plain is not None, "git is needed"
        counts["plain_clean"] += plain[1] == 0
        counts["plain_correct"] += correct(plain[0], plain[1] == 0, expected, keep)
        driver = merge_texts(base, ours, theirs, portfolio=False)  # as `fsdl-tui merge` runs it
        counts["driver_clean"] += driver.clean
        counts["driver_correct"] += correct(driver.text, driver.clean, expected, keep)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", type=int, default=200)
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--append-at-end", action="store_true", help="new projects at the end (the old `add`)")
    args = ap.parse_args(argv)
    c = run(args.scenarios, args.projects, args.seed, args.append_at_end)
    n = c["scenarios"]
    where = "at the end of the file" if args.append_at_end else "by id"
    print(f"{n} random two-branch scenarios on {args.projects} projects (seed {args.seed}), new projects {where}")
    for name in ("plain", "driver"):
        label = "no driver (git merge-file)" if name == "plain" else "fsdl-tui merge driver    "
        print(
            f"  {label}: clean {c[name + '_clean']}/{n} ({100 * c[name + '_clean'] / n:.0f}%), "
            f"clean and correct {c[name + '_correct']}/{n} ({100 * c[name + '_correct'] / n:.0f}%)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
