"""`diff OLD NEW` of large files (`cli/gitcmds.py` `READ_ONLY_DIFF_BYTES`): read read-only, the projects whose
segment is the same in both built once (`storage.parsing.shared_projects`), and the output byte for byte
what the whole-text reading gives, in every format, for the corpus and generated edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsdl_tui.cli import gitcmds
from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import move, new_project
from fsdl_tui.storage import PortfolioError, cache, load, loads, render_text
from fsdl_tui.storage.loading import load_read_only
from fsdl_tui.storage.parsing import shared_projects
from tests.helpers_storage import CORPUS_FILES, corpus_text, make_portfolio_text, run_cli

pytestmark = pytest.mark.usefixtures("no_fsync")  # what is written, not its flush to disk (conftest)

FORMATS = ("text", "json", "markdown")


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")


def both_ways(monkeypatch: pytest.MonkeyPatch, old: Path, new: Path) -> None:
    """Every format of `diff OLD NEW`, read whole and read read-only: the same exit code, output and errors."""
    for fmt in FORMATS:
        argv = ["diff", str(old), str(new), "--format", fmt, "--exit-code"]
        monkeypatch.setattr(gitcmds, "READ_ONLY_DIFF_BYTES", 1 << 62)
        whole = run_cli(argv)
        monkeypatch.setattr(gitcmds, "READ_ONLY_DIFF_BYTES", -1)
        assert run_cli(argv) == whole


def edited_versions(text: str) -> list[str]:
    """The text after each of a few edits (those the writer refuses on an odd layout left out)."""
    doc = loads(text)
    pf = doc.portfolio
    edits = [pf.with_project(new_project("zz-new", "New")), pf.replace(name="Other")]
    if pf.projects:
        p, last = pf.projects[0], pf.projects[-1]
        stage = "production" if p.stage != "production" else "data"
        edits += [
            pf.with_project(set_field(p, "cost.problem_difficulty", 1 + (p.cost.problem_difficulty or 0) % 5)),
            pf.with_project(move(p, stage, note="n", date="2026-01-05", force=True)),
            pf.without_project(last.id),
            pf.with_project(set_field(last, "impact.overall", 1 + (last.impact.overall or 0) % 5)),
        ]
    out = []
    for edited in edits:
        try:
            out.append(render_text(doc, edited))
        except PortfolioError:
            continue
    return out


@pytest.mark.parametrize("name", [p.name for p in CORPUS_FILES])
def test_the_corpus_diffs_alike_both_ways(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = corpus_text(name)
    old = tmp_path / "old.toml"
    old.write_text(text, encoding="utf-8")
    for i, edited in enumerate([text, *edited_versions(text)]):
        new = tmp_path / f"new{i}.toml"
        new.write_text(edited, encoding="utf-8")
        both_ways(monkeypatch, old, new)
        both_ways(monkeypatch, new, old)


def test_generated_edits_diff_alike_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = make_portfolio_text(40, seed=31)
    old = tmp_path / "old.toml"
    old.write_text(text, encoding="utf-8")
    doc = load(old)
    pf = doc.portfolio
    for k in (3, 17, 39):
        p = pf.projects[k]
        pf = pf.with_project(set_field(p, "cost.accuracy_requirement", 1 + (p.cost.accuracy_requirement or 0) % 5))
    pf = pf.without_project(pf.projects[5].id).with_project(new_project("zz-new", "New"))
    new = tmp_path / "new.toml"
    new.write_text(render_text(doc, pf), encoding="utf-8")
    both_ways(monkeypatch, old, new)
    both_ways(monkeypatch, new, old)
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("schema_version = 1", "schema_version = 'x'", 1), encoding="utf-8")
    both_ways(monkeypatch, old, broken)  # the same FILE:LINE:COL problems
    empty = tmp_path / "empty.toml"
    empty.write_text("\n", encoding="utf-8")
    both_ways(monkeypatch, empty, old)  # an empty file: every project added


def test_the_versions_share_the_projects_alike_in_both(tmp_path: Path) -> None:
    text = make_portfolio_text(12, seed=32)
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(text, encoding="utf-8")
    doc = load(old)
    p = doc.portfolio.projects[4]
    new.write_text(
        render_text(doc, doc.portfolio.with_project(set_field(p, "impact.overall", 1 + (p.impact.overall or 0) % 5))),
        encoding="utf-8",
    )
    with shared_projects():
        a, b = load_read_only(old, piece_bytes=4096).portfolio, load_read_only(new, piece_bytes=4096).portfolio
    assert (a, b) == (load(old).portfolio, load(new).portfolio)
    same = [x is y for x, y in zip(a.projects, b.projects, strict=True)]
    assert same == [i != 4 for i in range(12)]
