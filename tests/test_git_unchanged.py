"""The merge driver's fast path (`merge_texts(..., portfolio=False)`, `gitops/unchanged.py`): the projects
the three versions share byte for byte are set aside unread, and the result is byte for byte the full
merge's, over the merge corpus and over generated edits, valid or not. The driver's merge from the files
(`gitops/filemerge.py`), whenever it answers, is that result byte for byte too."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_git import PROJECT_COMMENT, base_text, edit, file_merge, files_merge_alike, setting
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.gitops.merge import MergeResult, _merge_unchanged_aside, merge_texts
from fsdl_tui.gitops.unchanged import SharedProjects
from fsdl_tui.storage import PortfolioLoadError, loads, new_document, segment_memo
from fsdl_tui.testing import make_portfolio, sample_projects

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.toml"))


def _big_base() -> str:
    """The commented fixture's projects and twenty more, some depending on others, with comments."""
    extra = [
        new_project(f"p-{i:02d}", f"Project {i}", depends_on=(f"p-{i - 1:02d}",) if i % 3 == 2 else ())
        for i in range(20)
    ]
    text = new_document(make_portfolio([*sample_projects(), *extra], name="Vision team")).text
    text = text.replace('[[projects]]\nid = "grasp-pose"', f'{PROJECT_COMMENT}\n[[projects]]\nid = "grasp-pose"', 1)
    loads(text)
    return text


BIG = _big_base()
IDS = [p.id for p in loads(BIG).portfolio.projects]


def both(base: str, ours: str, theirs: str) -> tuple[MergeResult, MergeResult | None]:
    """(the full merge, the fast path's result or None when it left the merge to the full one); the
    driver's result (`portfolio=False`) is checked to be the full merge's, byte for byte."""
    full = merge_texts(base, ours, theirs)
    driver = merge_texts(base, ours, theirs, portfolio=False)
    assert (driver.text, driver.conflicts, driver.clean) == (full.text, full.conflicts, full.clean)
    with segment_memo():
        quick = _merge_unchanged_aside(base, ours, theirs, 7, "portfolio", ("ours", "theirs"))
    if quick is not None:
        assert (quick.text, quick.conflicts, quick.clean) == (full.text, full.conflicts, full.clean)
    assert files_merge_alike(base, ours, theirs) == (quick is not None)
    return full, quick


def test_edits_to_different_projects_take_the_fast_path_and_give_the_full_merge() -> None:
    ours = edit(BIG, setting("p-03", "owner", "ana"))
    theirs = edit(BIG, setting("p-15", "summary", "theirs"))
    full, quick = both(BIG, ours, theirs)
    assert full.clean and quick is not None and quick.clean
    merged = loads(quick.text).portfolio
    assert merged.get("p-03").owner == "ana" and merged.get("p-15").summary == "theirs"
    assert PROJECT_COMMENT in quick.text


def test_the_same_field_set_two_ways_conflicts_as_in_the_full_merge() -> None:
    ours = edit(BIG, setting("p-07", "owner", "ana"))
    theirs = edit(BIG, setting("p-07", "owner", "bo"))
    full, quick = both(BIG, ours, theirs)
    assert not full.clean and quick is not None
    assert "<<<<<<< ours" in quick.text and any("p-07" in c for c in quick.conflicts)


def test_a_copied_project_with_a_shared_id_is_found_though_the_original_is_not_read_otherwise() -> None:
    """Ours pastes a copy of an untouched project (same id, new title): ours is invalid, as the full merge
    says; the fast path must see the id in the shared segment and leave the merge to it."""
    doc = loads(BIG)
    seg = next(s for s in doc.layout.segments if s.kind == "project" and s.project_index == 10)
    copy = doc.layout.segment_text(seg).replace('title = "Project', 'title = "Copy of', 1)
    ours = BIG.rstrip("\n") + "\n\n" + copy
    theirs = edit(BIG, setting("p-15", "summary", "theirs"))
    full, quick = both(BIG, ours, theirs)
    assert not full.clean and quick is None
    assert any("duplicate project id" in c for c in full.conflicts)


def test_removing_a_project_a_shared_one_depends_on_is_reported_as_the_full_merge_does() -> None:
    """Theirs removes p-01, on which the untouched p-02 depends; ours edits elsewhere."""
    ours = edit(BIG, setting("p-10", "owner", "ana"))
    theirs = edit(BIG, lambda pf: pf.without_project("p-01"))
    full, _ = both(BIG, ours, theirs)
    assert not full.clean


def test_a_shared_project_with_an_escape_is_read() -> None:
    text = BIG.replace('title = "Project 12"', 'title = "Project \\u0031\\u0032"', 1)
    shared = SharedProjects([text, text, text])
    (held,) = [t for t in shared.shared if "\\u0031" in t]
    assert held in shared.read and len(shared.read) == 1


def test_a_shared_project_naming_a_read_id_is_read_and_the_texts_come_back() -> None:
    ours = edit(BIG, setting("p-01", "owner", "ana"))  # p-02 depends on p-01: it is read too
    shared = SharedProjects([BIG, ours, BIG])
    assert shared.close()
    assert any('id = "p-02"' in t for t in shared.read)
    reduced = shared.reduced()
    assert all(len(r) < len(t) / 2 for r, t in zip(reduced, (BIG, ours, BIG), strict=True))
    assert [shared.restore(r) for r in reduced] == [BIG, ours, BIG]


def test_restore_refuses_a_text_that_lost_or_repeated_a_stub() -> None:
    shared = SharedProjects([BIG, edit(BIG, setting("p-05", "owner", "x")), BIG])
    assert shared.close()
    reduced = shared.reduced()[1]
    stub_start = reduced.index("[[projects]]\nid = " + '"' + shared.token)
    stub_end = reduced.index("\n", reduced.index("title", stub_start))
    assert shared.restore(reduced[:stub_start] + reduced[stub_end:]) is None
    assert shared.restore(reduced + "\n" + reduced[stub_start:stub_end]) is None


def _side_edits(text: str, tag: str, project: int) -> str:
    """A comment and an unknown key in the project at `project`, where the layout allows them."""
    lines = text.split("\n")
    found = [i for i, x in enumerate(lines) if x.startswith("id = ")]
    if 0 <= project < len(found):
        lines.insert(found[project] + 1, f'{tag}_key = "x"  # {tag} inline')
    candidate = "\n".join(lines)
    try:
        loads(candidate)
    except PortfolioLoadError:  # a layout that does not take the line: keep the text as it was
        return text
    return candidate


@pytest.mark.parametrize("name", [p.name for p in CORPUS] + ["fixture"])
def test_the_corpus_merges_the_same_either_way(name: str) -> None:
    base = base_text() if name == "fixture" else (Path(__file__).parent / "corpus" / name).read_text("utf-8")
    ids = [p.id for p in loads(base).portfolio.projects]
    ours, theirs = _side_edits(base, "ours", 0), _side_edits(base, "theirs", len(ids) - 1)
    if ids:
        ours = edit(ours, setting(ids[0], "owner", "ours-owner"))
        theirs = edit(theirs, setting(ids[-1], "summary", "theirs summary"))
    full, _ = both(base, ours, theirs)
    assert full.clean, full.conflicts


# --- generated edits ----------------------------------------------------------------------------------

FIELDS = [
    ("owner", st.sampled_from(["ana", "bo", ""])),
    ("summary", st.text(max_size=8)),
    ("impact.overall", st.integers(1, 5)),
]


@st.composite
def sides(draw):
    """Per side: field edits, and perhaps an added project, a removed one, a pasted duplicate, a broken line
    or a new dependency; sides may touch the same project."""
    out = []
    for tag in ("ours", "theirs"):
        ops = []
        for _ in range(draw(st.integers(0, 3))):
            name, values = draw(st.sampled_from(FIELDS))
            ops.append(("set", draw(st.sampled_from(IDS)), name, draw(values)))
        extra = draw(st.sampled_from(["none", "none", "add", "remove", "duplicate", "broken", "depend", "reorder"]))
        ops.append((extra, draw(st.sampled_from(IDS)), tag, draw(st.sampled_from(IDS))))
        out.append(ops)
    return out


def _apply(text: str, ops: list[tuple]) -> str:
    for op, pid, a, b in ops:
        if op == "set":
            text = edit(text, setting(pid, a, b))
        elif op == "add":
            text = edit(text, lambda pf, t=a: pf.with_project(new_project(f"{t}-new", f"{t} new")))
        elif op == "remove":
            text = edit(text, lambda pf, p=pid: _without(pf, p))
        elif op == "depend" and pid != b:
            text = edit(text, lambda pf, p=pid, d=b: pf.with_project(set_field(pf.get(p), "depends_on", [d])))
        elif op in ("duplicate", "broken"):
            doc = loads(text)
            index = next(i for i, p in enumerate(doc.portfolio.projects) if p.id == pid)
            seg = next(s for s in doc.layout.segments if s.kind == "project" and s.project_index == index)
            piece = doc.layout.segment_text(seg)
            if op == "duplicate":
                text = text.rstrip("\n") + "\n\n" + piece.replace('title = "', 'title = "Copy ', 1)
            else:
                text = text[: seg.end_offset] + "broken = \n" + text[seg.end_offset :]
        elif op == "reorder":  # the project's segment moved to the end, as text
            doc = loads(text)
            index = next(i for i, p in enumerate(doc.portfolio.projects) if p.id == pid)
            seg = next(s for s in doc.layout.segments if s.kind == "project" and s.project_index == index)
            piece = doc.layout.segment_text(seg)
            text = text[: seg.offset] + text[seg.end_offset :].rstrip("\n") + "\n\n" + piece
    return text


def _without(pf: Portfolio, pid: str) -> Portfolio:
    kept = pf.without_project(pid)
    return kept.replace(
        projects=tuple(p.replace(depends_on=tuple(d for d in p.depends_on if d != pid)) for p in kept.projects)
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sides(), st.booleans())
def test_generated_edits_merge_the_same_either_way(ops, crlf: bool) -> None:
    ours, theirs = _apply(BIG, ops[0]), _apply(BIG, ops[1])
    base = BIG
    if crlf:  # every version with Windows line endings
        base, ours, theirs = (t.replace("\n", "\r\n") for t in (BIG, ours, theirs))
    full, quick = both(base, ours, theirs)
    plain = all(op in ("set", "none", "add") for side in ops for op, *_ in side)
    if plain and full.clean:
        assert quick is not None  # valid edits merged by segment: the fast path stands for the full merge


# --- the merge from the files ----------------------------------------------------------------------------


def test_crlf_reorders_and_additions_merge_the_same_from_the_files() -> None:
    crlf = BIG.replace("\n", "\r\n")
    ours = edit(crlf, setting("p-03", "owner", "ana"))
    theirs = edit(crlf, lambda pf: pf.with_project(new_project("p-new", "New")))
    theirs = theirs.replace("\r\n", "\n", 3)  # a few lines not like the others
    _, quick = both(crlf, ours, theirs)
    assert quick is not None and "\r\n" in quick.text


def test_text_that_is_not_utf8_or_not_ascii_merges_the_same_from_the_files() -> None:
    """A shared project with bytes that are not UTF-8 (kept as they are) and one with accents: their
    characters are not their bytes, so the spans are counted in bytes."""
    text = BIG.replace('title = "Project 12"', 'title = "Projet \u00e9t\u00e9 \udce9"', 1)
    text = text.replace('title = "Project 13"', 'title = "Caf\u00e9 \u2603"', 1)
    ours = edit(BIG, setting("p-03", "owner", "ana")).replace(
        'title = "Project 12"', 'title = "Projet \u00e9t\u00e9 \udce9"', 1
    )
    ours = ours.replace('title = "Project 13"', 'title = "Caf\u00e9 \u2603"', 1)
    theirs = edit(BIG, setting("p-15", "owner", "bo")).replace(
        'title = "Project 12"', 'title = "Projet \u00e9t\u00e9 \udce9"', 1
    )
    theirs = theirs.replace('title = "Project 13"', 'title = "Caf\u00e9 \u2603"', 1)
    assert files_merge_alike(text, ours, theirs)
    got = file_merge(text, ours, theirs)
    assert got is not None and "\udce9".encode("utf-8", "surrogateescape") in got[0] and got[2]


def test_the_stubs_mark_in_a_file_or_a_label_is_avoided_as_in_the_texts() -> None:
    marked = BIG.replace(PROJECT_COMMENT, "# fsdl-tui-unchanged and fsdl-tui-unchanged1-0, fsdl-tui-unchanged2", 1)
    ours = edit(marked, setting("p-03", "owner", "ana"))
    theirs = edit(marked, setting("p-15", "owner", "bo"))
    assert SharedProjects([marked, ours, theirs]).token == "fsdl-tui-unchanged3"
    assert files_merge_alike(marked, ours, theirs)
    assert files_merge_alike(marked, ours, theirs, labels=("fsdl-tui-unchanged3", "theirs"))


def test_the_files_are_merged_as_texts_when_the_file_merge_cannot_tell(tmp_path: Path) -> None:
    from fsdl_tui.gitops.filemerge import merge_files

    ours = edit(BIG, setting("p-03", "owner", "ana"))
    assert file_merge("", ours, BIG) is None  # no common ancestor
    assert file_merge(BIG, ours.replace("[projects.cost]", '["projects".cost]', 1), BIG) is None  # unusual
    assert file_merge(BIG, BIG.replace("\n", "\n\n"), BIG) is None  # nothing shared
    names = []
    for name, text in (("base", BIG), ("ours", ours)):
        names.append(tmp_path / name)
        names[-1].write_text(text, encoding="utf-8")
    assert merge_files(names[0], names[1], tmp_path / "missing") is None
    assert merge_files(names[0], names[1], tmp_path) is None  # a folder


def test_a_large_generated_portfolio_merges_the_same_from_the_files_in_pieces() -> None:
    from helpers_storage import make_portfolio_text

    base = make_portfolio_text(600, seed=7)
    ids = [p.id for p in loads(base).portfolio.projects]
    ours = edit(base, lambda pf: setting(ids[10], "owner", "ours-owner")(setting(ids[300], "summary", "ours")(pf)))
    theirs = edit(base, lambda pf: setting(ids[590], "owner", "bo")(pf.without_project(ids[200])))
    want = merge_texts(base, ours, theirs, portfolio=False)
    assert want.clean
    for piece in (None, 64 << 10, 1):  # (each piece cut at a project: the layouts must join up exactly)
        got = file_merge(base, ours, theirs, piece_bytes=piece, block_bytes=piece and 4096)
        assert got == (want.text.encode("utf-8"), [], True)
    conflicting = edit(base, setting(ids[10], "owner", "theirs-owner"))
    want = merge_texts(base, ours, conflicting, portfolio=False)
    assert not want.clean and file_merge(base, ours, conflicting, piece_bytes=64 << 10) == (
        want.text.encode("utf-8"),
        want.conflicts,
        False,
    )


def test_the_driver_writes_and_reports_the_same_from_the_files_and_from_the_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fsdl_tui.cli.main import main
    from fsdl_tui.gitops import filemerge

    theirs = edit(BIG, setting("p-07", "owner", "bo"))
    for ours in (edit(BIG, setting("p-03", "owner", "ana")), edit(BIG, setting("p-07", "owner", "ana"))):
        outcomes = []
        for streamed in (True, False):
            if not streamed:
                monkeypatch.setattr(filemerge, "merge_files", lambda *a, **k: None)
            for name, text in (("base", BIG), ("ours", ours), ("theirs", theirs)):
                (tmp_path / name).write_text(text, encoding="utf-8")
            code = main(["merge", str(tmp_path / "base"), str(tmp_path / "ours"), str(tmp_path / "theirs")])
            outcomes.append((code, (tmp_path / "ours").read_bytes(), capsys.readouterr()))
        monkeypatch.undo()
        assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1 and b"<<<<<<< ours" in outcomes[0][1] and "1 conflict(s)" in outcomes[0][2].err


# --- diff and log: a version from the cache lends its projects to the next --------------------------


def test_a_version_read_from_the_cache_lends_its_unchanged_projects_to_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fsdl_tui.gitops.diff import diff_portfolios, format_text
    from fsdl_tui.storage import cache, load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    monkeypatch.setattr(cache, "MIN_FILE_BYTES", 0)
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(BIG, encoding="utf-8")
    new.write_text(edit(BIG, setting("p-04", "owner", "ana")), encoding="utf-8")
    cold = [load(old).portfolio, load(new).portfolio]  # fills the cache for both
    assert len(list(cache.folder().glob("*.json"))) == 2
    with segment_memo():
        warm = [load(old).portfolio, load(new).portfolio]
    assert warm == cold
    assert all(p is warm[0].get(p.id) for p in warm[1].projects if p.id != "p-04")
    assert warm[1].get("p-04") is not warm[0].get("p-04")
    assert format_text(diff_portfolios(*warm)) == format_text(diff_portfolios(*cold))
