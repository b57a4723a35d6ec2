"""`set`'s one-project path (storage/one_project.py) against the full path: the same bytes, messages, exit
codes and refusals, on copies of the same file, for many edits; and the index it relies on, when stale,
corrupt, for other bytes, or outrun by a hand edit, only ever sends the edit to the full path.

Each case runs `fsdl-tui set` three times in this process, from three folders holding the same `team.toml`
(so the messages name the same file): once with the file's index in place (the fast path; a spy on
`one_project._open` says how it was taken), once with `FSDL_TUI_NO_CACHE=1` (no cache, no index: the
index worked out by a read-only scan of the file in pieces, and nothing written to the cache folder), and
once on the full path, forced (the reference). Files here are small, so the size below which no index is
kept is lowered to nothing for these tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import random
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fsdl_tui.domain.fields import editable_fields
from fsdl_tui.storage import cache, load, loading, loads, one_project
from fsdl_tui.storage.scan import scan
from tests.helpers_storage import CORPUS_FILES, concurrent_cli, corpus_text, make_portfolio_text, run_cli

pytestmark = pytest.mark.usefixtures("no_fsync")  # what is written, not its flush to disk (conftest)


@pytest.fixture(autouse=True)
def _index_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    monkeypatch.setattr(cache, "MIN_FILE_BYTES", 0)


class Taken(list[str | None]):
    """How each `set` with the cache on took its edit since: "index" (the one-project path by the stored
    index), "scan" (by the index a scan of the file just worked out) or None (the full path); `off`, the same
    for the runs with the cache off (not the forced full runs)."""

    def __init__(self) -> None:
        super().__init__()
        self.off: list[str | None] = []


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Taken:
    taken = Taken()
    real = one_project._open

    def opened(path: Path, project_id: str) -> one_project.ProjectEdit | one_project.NoSuchProject | None:
        got = real(path, project_id)
        (taken if cache.enabled() else taken.off).append(got.how if got is not None else None)
        return got

    monkeypatch.setattr(one_project, "_open", opened)
    return taken


_counter = itertools.count()


def _folder(root: Path) -> Path:
    folder = root / f"case-{next(_counter)}"
    folder.mkdir()
    return folder


@pytest.fixture
def chdir_back() -> Iterator[None]:
    here = os.getcwd()
    yield
    os.chdir(here)


def _run_in(folder: Path, argv: list[str], *, full: bool = False, cache_off: bool = False) -> tuple[int, str, str]:
    """`run_cli(argv)` in `folder`: as it runs (the cache on), with the cache off, or on the full path."""
    os.chdir(folder)
    if full or cache_off:
        os.environ[cache.ENV_OFF] = "1"
    try:
        if full:
            with mock.patch.object(one_project, "_open", lambda path, project_id: None):
                return run_cli(argv)
        return run_cli(argv)
    finally:
        os.environ.pop(cache.ENV_OFF, None)


def _cache_files() -> list[Path]:
    root = Path(os.environ["XDG_CACHE_HOME"])
    return sorted(root.rglob("*")) if root.exists() else []


def both(root: Path, data: bytes, pid: str, assignments: list[str]) -> tuple[tuple[int, str, str, bytes], bool]:
    """`set team.toml PID ASSIGNMENTS...` on three copies of `data`: the fast one (its index made by a load
    first, if the file loads), one with the cache off (no index: the scan) and the full one. Asserts they
    agree, and that the run with the cache off wrote nothing to the cache folder; returns the result and
    whether the fast copy had a usable index (with or without the project asked for)."""
    fast, scanned, full = _folder(root), _folder(root), _folder(root)
    for folder in (fast, scanned, full):
        (folder / "team.toml").write_bytes(data)
    os.chdir(fast)
    with contextlib.suppress(Exception):  # a file that does not load: every path must refuse it alike
        load("team.toml")  # (writes the index)
    found = one_project._index(hashlib.sha256(data).hexdigest(), len(data))
    argv = ["set", "team.toml", pid, *assignments]
    got_fast = _run_in(fast, argv)
    in_cache = _cache_files()
    got_scanned = _run_in(scanned, argv, cache_off=True)
    assert _cache_files() == in_cache
    got_full = _run_in(full, argv, full=True)
    written = [(folder / "team.toml").read_bytes() for folder in (fast, scanned, full)]
    assert got_fast == got_full and got_scanned == got_full
    assert written[0] == written[2] and written[1] == written[2]
    return (*got_full, written[2]), found is not None


def _scannable(text: str) -> bool:
    """Whether `_scan` works out an index for a file with this text, read in one piece: it loads, its layout
    is the standard one, no table follows the projects and the piece is not cut in a string."""
    try:
        doc = loads(text)
    except Exception:
        return False
    lay = doc.layout
    kinds = [s.kind for s in lay.segments]
    if not lay.standard or ("project" in kinds and "table" in kinds[kinds.index("project") :]):
        return False
    # Read in one piece, the file is cut once, where its last line starting `[[projects]]` starts: that must
    # be a header, not a line of a multi-line string.
    last = text.rfind("\n[[projects]]") + 1
    return not last or last in {h.offset for h in scan(text).headers}


# --- files ------------------------------------------------------------------------------------------------

BASE = make_portfolio_text(6, seed=7)
IDS = [p.id for p in loads(BASE).portfolio.projects]
_SEGMENT_RE = re.compile(r"(?m)^\[\[projects\]\]\n")


def _projects_reversed(text: str) -> str:
    head, *segs = _SEGMENT_RE.split(text)
    segs = [s if s.endswith("\n\n") else s.rstrip("\n") + "\n\n" for s in segs]
    return head + "".join("[[projects]]\n" + s for s in reversed(segs))


def _comments_everywhere(text: str) -> str:
    out = []
    state: str | None = None
    from fsdl_tui.storage.scan import string_state_after

    for line in text.splitlines(keepends=True):
        was = state
        state = string_state_after(line, state)
        if was is None:
            out.append('# a comment line, [[projects]] id = "not-one"\n')
        if was is None and state is None and line.strip() and not line.lstrip().startswith("#"):
            line = line.rstrip("\n") + "   # trailing, with ''' and \"\"\" in it\n"
        out.append(line)
    return "".join(out)


_TRICKY = '''
[[projects]]
# the comment above this project
id = "tricky-one"
title = "Tricky — naïve café 日本語"
summary = """
[[projects]]
id = "pose-estimation-00000"
this line looks like a header but is inside a string
"""
notes = \'\'\'
[settings]
\'\'\'
  owner   =   "odd spacing"
tags = [
  "a",   # a comment inside an array
  "b",
]
team_key = { nested = "kept", list = [1, 2] }

  [projects.impact]
  overall = 4
  rationale = "id = \\"tricky-one\\""

[projects.cost]
data_availability = 2
'''

FILES = {
    "generated": BASE,
    "crlf": BASE.replace("\n", "\r\n"),
    "reversed": _projects_reversed(BASE),
    "comments": _comments_everywhere(BASE),
    "tricky": BASE.rstrip("\n") + "\n" + _TRICKY,
    "tricky-crlf": (BASE.rstrip("\n") + "\n" + _TRICKY).replace("\n", "\r\n"),
    "no-final-newline": BASE.rstrip("\n"),
    "table-after": BASE + '\n[plugins.team]\nkept = "yes"\n',
    **{f"corpus-{p.stem}": corpus_text(p.name) for p in CORPUS_FILES},
}


def _ids(text: str) -> list[str]:
    try:
        return [p.id for p in loads(text).portfolio.projects]
    except Exception:
        return []


# --- values -------------------------------------------------------------------------------------------

SPECS = [f for f in editable_fields() if not f.path.startswith("plugins.")]
_AWKWARD = [
    "",
    " ",
    "plain",
    'say "hi"',
    "it's",
    "back\\slash",
    "two\nlines",
    "crlf\r\nline",
    '[[projects]]\nid = "pose-estimation-00000"',
    '"""',
    "'''",
    'end with a quote"',
    "# not a comment",
    "tab\there",
    "naïve café 日本語 🙂",
    "\x00nul",
    "\x1bescape",
    "x" * 300,
]


def _value(kind: str, spec_choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    if kind == "score":
        return st.one_of(st.integers(-1, 7).map(str), st.sampled_from(["", "x", "3.5"]))
    if kind == "number":
        return st.one_of(
            st.integers(-5, 500).map(str), st.sampled_from(["", "2.5", "1e3", "nan", "inf", "-0.0", "1e400", "ten"])
        )
    if kind == "range":
        return st.sampled_from(["2-4", "1-5", "5-1", "3", "", "a-b", "0-9", "[2, 3]"])
    if kind == "bool":
        return st.sampled_from(["true", "no", "yes", "", "maybe", "done", "open"])
    if kind == "choice":
        return st.sampled_from([*spec_choices, "", "bogus"])
    if kind == "list":
        words = st.sampled_from([*IDS[:3], "tricky-one", "unknown-one", *spec_choices, "a b", "x"])
        return st.one_of(st.lists(words, max_size=3).map(", ".join), st.sampled_from(['["a", "b"]', "[1, 2]", "[", ""]))
    if kind == "data":
        return st.sampled_from(["", "{a = 1}", "[1, [2]]", "[{ name = 'acc', target = 0.9 }]", "nan", "{", "x"])
    return st.one_of(st.sampled_from(_AWKWARD), st.text(max_size=40))


@st.composite
def assignments(draw: st.DrawFn) -> list[str]:
    out = []
    for spec in draw(st.lists(st.sampled_from(SPECS), min_size=1, max_size=3)):
        out.append(f"{spec.path}={draw(_value(spec.kind, tuple(spec.choices)))}")
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(["lifecycle.status=killed", "lifecycle.status_reason=no budget"])))
    return out


# --- the same result --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(FILES)), which=st.integers(0, 50), edit=assignments())
def test_both_paths_write_the_same(
    tmp_path: Path, chdir_back: None, spy: Taken, name: str, which: int, edit: list[str]
) -> None:
    text = FILES[name]
    ids = _ids(text) or ["no-such"]
    pid = ids[which % len(ids)]
    spy.clear()
    spy.off.clear()
    (rc, _out, _err, _bytes), indexed = both(tmp_path, text.encode("utf-8"), pid, edit)
    assert spy[:1] == ["index" if indexed else None]  # the one-project path exactly when it had an index
    assert spy.off[:1] == ["scan" if indexed and _scannable(text) else None]  # and without one, by the scan
    assert rc in (0, 1)
    event(f"rc={rc} fast={spy[:1]}")


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_file_of_the_set_is_edited_alone_where_it_can_be(
    tmp_path: Path, chdir_back: None, spy: Taken, name: str
) -> None:
    """A plain edit of each project of each file: the fast path takes it wherever the file's layout is the
    one the minimal-diff writer edits by segment (all of these but the inline-and-dotted one), and writes
    the full path's bytes."""
    text = FILES[name]
    doc = loads(text)
    for pid in [p.id for p in doc.portfolio.projects]:
        spy.clear()
        spy.off.clear()
        (rc, out, _err, _bytes), _indexed = both(tmp_path, text.encode("utf-8"), pid, ["impact.overall=1", "owner=zed"])
        assert rc == 0 and "set impact.overall, owner" in out
        assert spy == ["index" if doc.layout.standard else None], (name, pid)
        assert spy.off == ["scan" if _scannable(text) else None], (name, pid)


def test_a_set_after_a_set_stays_on_the_fast_path_and_agrees(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    text = FILES["tricky-crlf"]
    fast, full = _folder(tmp_path), _folder(tmp_path)
    for folder in (fast, full):
        (folder / "team.toml").write_bytes(text.encode())
    os.chdir(fast)
    load("team.toml")
    rnd = random.Random(5)
    ids = _ids(text)
    for n in range(12):
        argv = [
            "set",
            "team.toml",
            rnd.choice(ids),
            f"cost.data_availability={1 + n % 5}",
            f"summary=round {n}\n[[projects]]",
        ]
        assert _run_in(fast, argv, full=False) == _run_in(full, argv, full=True)
        assert (fast / "team.toml").read_bytes() == (full / "team.toml").read_bytes()
        # The index the save wrote for its bytes is the one a load of them writes.
        sha = hashlib.sha256((fast / "team.toml").read_bytes()).hexdigest()
        written = one_project.index_entry_data(sha)
        (cache.index_folder() / f"{sha}.json").unlink()
        load(fast / "team.toml")
        assert written is not None and written == one_project.index_entry_data(sha)
    assert spy == ["index"] * 12  # each save indexed the bytes it wrote
    assert len(loads((fast / "team.toml").read_text()).portfolio.projects) == len(ids)


def test_a_dependency_on_no_project_or_on_itself_is_refused_alike(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    """The project alone would be valid, the file then not: both paths refuse, and the file stays loadable."""
    for dep, words in (("nowhere", "depends on unknown project 'nowhere'"), (IDS[0], "depends on itself")):
        (rc, _out, err, written), _ = both(tmp_path, BASE.encode(), IDS[0], [f"depends_on={IDS[1]}, {dep}"])
        assert rc == 1 and words in err and written == BASE.encode()
    (rc, _out, _err, written), _ = both(tmp_path, BASE.encode(), IDS[0], [f"depends_on={IDS[1]}, {IDS[2]}"])
    assert rc == 0 and loads(written.decode()).portfolio.get(IDS[0]).depends_on == (IDS[1], IDS[2])  # type: ignore[union-attr]
    assert spy == ["index"] * 3 and spy.off == ["scan"] * 3


# --- refusals ---------------------------------------------------------------------------------------------


def test_refusals_are_the_full_paths(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    overall = loads(BASE).portfolio.projects[0].impact.overall
    cases = [
        [IDS[0], "impact.overall=9"],
        [IDS[0], "nonsense"],
        [IDS[0], "no.such.field=1"],
        [IDS[0], "id=other"],
        [IDS[0], "lifecycle.stage=data"],
        [IDS[0], "lifecycle.status=killed", "lifecycle.status_reason="],
        [IDS[0], "metrics.satisficing=[1, 2]"],
        [IDS[0], "effort.weeks=nan"],
        [IDS[0], "effort.weeks=99999999999999999999"],  # beyond 64 bits: the limits a file is read with
        [IDS[0], f"impact.overall={overall}"],  # nothing changed: exit 0, nothing written
        ["no-such-project", "owner=x"],
        [IDS[0][:-1], "owner=x"],
    ]
    for argv in cases:
        (rc, _out, err, written), _ = both(tmp_path, BASE.encode(), argv[0], argv[1:])
        assert written == BASE.encode(), argv
        assert (rc == 0) == (argv[1] == f"impact.overall={overall}"), (argv, err)
    # Every refusal came from the one-project path itself (no such project: by the ids of its index).
    assert spy == ["index"] * 12 and spy.off == ["scan"] * 12


def test_a_file_that_does_not_load_is_refused_with_its_problems(tmp_path: Path, chdir_back: None) -> None:
    bad = BASE.replace("overall = ", "overall = 'x' #", 1)
    (rc, _out, err, written), indexed = both(tmp_path, bad.encode(), IDS[0], ["owner=x"])
    assert rc == 1 and re.search(r"team\.toml:\d+:\d+: ", err) and written == bad.encode() and not indexed


def test_read_only_and_hard_linked_files_are_refused_alike(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    fast, full = _folder(tmp_path), _folder(tmp_path)
    results = []
    for folder, is_full in ((fast, False), (full, True)):
        (folder / "team.toml").write_text(BASE)
        os.chdir(folder)
        load("team.toml")
        os.chmod(folder / "team.toml", 0o444)  # (no write bit: refused to root too)
        results.append(_run_in(folder, ["set", "team.toml", IDS[0], "owner=x"], full=is_full))
        os.chmod(folder / "team.toml", stat.S_IRUSR | stat.S_IWUSR)
        assert (folder / "team.toml").read_text() == BASE
        os.link(folder / "team.toml", folder / "other-name.toml")
        results.append(_run_in(folder, ["set", "team.toml", IDS[0], "owner=x"], full=is_full))
        assert (folder / "team.toml").read_text() == BASE
    assert results[:2] == results[2:]
    assert all(rc == 1 for rc, _, _ in results)
    assert "read-only" in results[0][2] and "link" in results[1][2]
    assert spy == ["index", "index"]


def test_a_file_changed_between_the_read_and_the_write_is_refused(
    tmp_path: Path, chdir_back: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that ignores the lock (an editor) changes the file after `set` read it: nothing is written."""
    folder = _folder(tmp_path)
    target = folder / "team.toml"
    target.write_text(BASE)
    os.chdir(folder)
    load("team.toml")
    real = one_project.ProjectEdit.read

    def read_then_edit(self: one_project.ProjectEdit, project_id: str) -> bool:
        ok = real(self, project_id)
        target.write_text(BASE + "\n# edited by hand\n")
        return ok

    monkeypatch.setattr(one_project.ProjectEdit, "read", read_then_edit)
    rc, _out, err = run_cli(["set", "team.toml", IDS[0], "owner=x"])
    assert rc == 1 and "changed" in err
    assert target.read_text() == BASE + "\n# edited by hand\n"


# --- the index ----------------------------------------------------------------------------------------------


def _indexed_copy(tmp_path: Path, text: str = BASE) -> tuple[Path, Path]:
    folder = _folder(tmp_path)
    (folder / "team.toml").write_text(text)
    os.chdir(folder)
    doc = load("team.toml")
    entry = cache.index_folder() / f"{doc.digest}.json"
    assert entry.exists()
    return folder, entry


def _agrees_with_full(tmp_path: Path, folder: Path, argv: list[str]) -> None:
    other = _folder(tmp_path)
    (other / "team.toml").write_bytes((folder / "team.toml").read_bytes())
    assert _run_in(folder, argv, full=False) == _run_in(other, argv, full=True)
    assert (folder / "team.toml").read_bytes() == (other / "team.toml").read_bytes()


def test_a_corrupt_index_is_removed_and_not_used(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    folder, entry = _indexed_copy(tmp_path)
    raw = entry.read_bytes()
    entry.write_bytes(raw.replace(b'"spans":[', b'"spans":[1,'))
    _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[2], "owner=x"])
    assert spy == ["scan"]  # (removed: as if there were none)
    assert one_project.index_entry_data(entry.stem) is not None  # made again by the scan


def test_an_index_with_wrong_spans_but_a_good_hash_is_not_trusted_blindly(
    tmp_path: Path, chdir_back: None, spy: Taken
) -> None:
    """An index with a good header for bad spans (written by a bug, or by hand) names a segment that does not
    read as that project alone: the full path."""
    _, entry = _indexed_copy(tmp_path)
    sha = entry.stem
    good = one_project.index_entry_data(sha)
    assert good is not None
    spans, ids = good["spans"], good["ids"]
    bad = [
        {"spans": [spans[0], spans[3], *spans[2:]]},  # the first span runs into the second project
        {"ids": [ids[1], ids[0], *ids[2:]]},  # ids and spans out of step
        {"spans": [spans[0], spans[1] - 1, *spans[2:]]},  # a span a byte short
        {"size": good["size"] + 1},
    ]
    for change in bad:
        folder, _ = _indexed_copy(tmp_path)
        cache.put_index(sha, one_project.stamp(), good | change)
        _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[0], "owner=x"])
    # Spans out of order, and an index for another size, are no index: the scan then.
    assert spy == ["scan", None, None, "scan"]


def test_a_stale_index_is_not_used(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    for key, value in (("format", 0), ("stamp", "other code"), ("python", "2.7"), ("sha256", "0" * 64)):
        folder, entry = _indexed_copy(tmp_path)
        head, body = entry.read_bytes().split(b"\n", 1)
        entry.write_bytes(json.dumps(json.loads(head) | {key: value}, sort_keys=True).encode() + b"\n" + body)
        _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[1], f"owner={key}"])
        assert one_project.index_entry_data(entry.stem) is not None  # replaced by the scan
    assert spy == ["scan"] * 4


def test_an_index_for_different_bytes_is_not_used(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    folder, _ = _indexed_copy(tmp_path)
    _, other_entry = _indexed_copy(tmp_path, FILES["tricky"])
    sha = load(folder / "team.toml").digest
    mine = cache.index_folder() / f"{sha}.json"
    mine.write_bytes(other_entry.read_bytes())  # another file's index under this file's name
    _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[0], "owner=x"])
    assert spy == ["scan"]


def test_a_hand_edit_between_two_sets_takes_the_full_path_once(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    folder, _ = _indexed_copy(tmp_path)
    _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[0], "owner=first"])
    target = folder / "team.toml"
    target.write_text(target.read_text().replace('owner = "first"', 'owner = "by hand"  # edited'))
    _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[0], "summary=second"])
    _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[1], "summary=third"])
    assert spy == ["index", "scan", "index"]  # the save after the scan indexed what it wrote
    assert 'owner = "by hand"  # edited' in target.read_text()


def test_plugin_fields_take_the_full_path(tmp_path: Path, chdir_back: None, spy: Taken) -> None:
    folder, _ = _indexed_copy(tmp_path)
    _agrees_with_full(tmp_path, folder, ["set", "team.toml", IDS[0], "plugins.team.note=hello"])
    assert spy == []  # not even looked up


def test_no_index_when_the_cache_is_off(tmp_path: Path, chdir_back: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    folder = _folder(tmp_path)
    (folder / "team.toml").write_text(BASE)
    load(folder / "team.toml")
    assert not cache.index_folder().exists()


def test_two_concurrent_sets_both_land(tmp_path: Path, chdir_back: None) -> None:
    folder, _ = _indexed_copy(tmp_path)
    target = str(folder / "team.toml")
    results = concurrent_cli([["set", target, IDS[0], "owner=one"], ["set", target, IDS[3], "owner=two"]], folder)
    assert [rc for rc, _ in results] == [0, 0], results
    doc = load(target)
    assert doc.portfolio.get(IDS[0]).owner == "one" and doc.portfolio.get(IDS[3]).owner == "two"  # type: ignore[union-attr]
    assert one_project.index_entry_data(doc.digest or "") is not None  # the last save indexed its bytes


# --- without an index: the scan ------------------------------------------------------------------------


@pytest.mark.parametrize("piece", [40, 300, 1000, 1 << 22])
@pytest.mark.parametrize("name", sorted(FILES))
def test_the_scan_works_out_the_index_a_load_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, piece: int
) -> None:
    """Read in pieces of any size (cut wherever a `[[projects]]` line starts), the file gives the very index
    `load` stores for it; or none, where the read in pieces gives up (the full path then)."""
    monkeypatch.setattr(loading, "PIECE_BYTES", piece)
    text = FILES[name]
    path = tmp_path / "team.toml"
    path.write_bytes(text.encode("utf-8"))
    got = one_project._scan(path)
    if piece == 1 << 22:
        assert (got is not None) == _scannable(text)
    if got is None:
        return
    doc = load(path)
    assert got[0] == doc.digest
    assert {"size": got[1], "ids": got[2], "spans": got[3]} == one_project.index_entry_data(got[0])


def test_a_file_changed_after_the_scan_takes_the_full_path(
    tmp_path: Path, chdir_back: None, spy: Taken, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that ignores the lock changes the file between the scan and the read of its bytes: the edit
    is not made by the scan's spans, but on the full path, of the file as it is now."""
    folder = _folder(tmp_path)
    target = folder / "team.toml"
    target.write_text(BASE)
    changed = BASE.replace(f'id = "{IDS[0]}"', f'id = "{IDS[0]}"  # by hand, longer than it was', 1)
    real = one_project._scan

    def scan_then_edit(path: Path) -> tuple[str, int, list[str], list[int]] | None:
        got = real(path)
        target.write_text(changed)
        return got

    monkeypatch.setattr(one_project, "_scan", scan_then_edit)
    argv = ["set", "team.toml", IDS[1], "owner=x"]
    rc, _out, _err = _run_in(folder, argv, cache_off=True)
    assert (rc, _err, spy.off) == (0, "", [None])
    monkeypatch.setattr(one_project, "_scan", real)
    other = _folder(tmp_path)
    (other / "team.toml").write_text(changed)
    assert _run_in(other, argv, full=True)[0] == 0
    assert target.read_bytes() == (other / "team.toml").read_bytes()
