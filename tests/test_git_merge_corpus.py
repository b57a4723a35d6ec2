"""A merge corpus: every file of the storage corpus (inline tables, dotted keys, multi-line strings, odd
spacing, unknown keys in odd places, no newline at the end) and the commented fixture, each merged with
comments and unknown keys added on every side, at every level, next to field edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_git import base_text, edit, files_checked, setting

from fsdl_tui.gitops.merge import merge_texts
from fsdl_tui.storage import PortfolioLoadError, loads

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.toml"))
FILES = {p.name: p.read_text(encoding="utf-8") for p in CORPUS} | {"fixture": base_text()}


@pytest.fixture(autouse=True)
def _the_merge_from_the_files_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every merge of these tests is also made from files (`gitops/filemerge.py`): the same bytes whenever
    that merge answers."""
    monkeypatch.setitem(globals(), "merge_texts", files_checked(merge_texts))


def _insert_after(text: str, starts: str, line: str, nth: int = 0) -> str | None:
    lines = text.split("\n")
    found = [i for i, x in enumerate(lines) if x.startswith(starts)]
    if len(found) <= nth:
        return None
    lines.insert(found[nth] + 1, line)
    return "\n".join(lines)


def _valid(text: str | None) -> bool:
    if text is None:
        return False
    try:
        loads(text)
    except PortfolioLoadError:
        return False
    return True


def side(text: str, tag: str, project: int) -> tuple[str, list[str]]:
    """`text` with a comment at the top, an unknown top-level key, and, in project `project`, an unknown
    key after its id and a comment above its first sub-table; only the edits the layout allows."""
    kept: list[str] = []
    for starts, line, nth in (
        ("schema_version", f"# {tag}: top comment", 0),
        ("schema_version", f"{tag}_top_key = 1", 0),
        ("id = ", f'{tag}_key = "x"  # {tag} inline', project),
        ("[projects.", f"{tag}_sub_key = 2", project),
    ):
        candidate = _insert_after(text, starts, line, nth)
        if _valid(candidate):
            assert candidate is not None
            text = candidate
            kept.append(line)
    return text, kept


@pytest.mark.parametrize("swapped", [False, True])
@pytest.mark.parametrize("name", sorted(FILES))
def test_comments_and_unknown_keys_on_every_side_survive_with_field_edits(name: str, swapped: bool) -> None:
    base = FILES[name]
    ids = [p.id for p in loads(base).portfolio.projects]
    ours, keep_o = side(base, "ours", 0)
    theirs, keep_t = side(base, "theirs", len(ids) - 1 if ids else 0)
    if ids:
        ours = edit(ours, setting(ids[0], "owner", "ours-owner"))
        theirs = edit(theirs, setting(ids[-1], "summary", "theirs summary"))
    if swapped:  # the same merge seen from the other branch
        ours, theirs, keep_o, keep_t = theirs, ours, keep_t, keep_o
    result = merge_texts(base, ours, theirs)
    assert result.clean, result.conflicts
    merged = loads(result.text).portfolio
    if ids:
        assert merged.get(ids[0]).owner == "ours-owner"
        assert merged.get(ids[-1]).summary == "theirs summary"
    missing = [line for line in keep_o + keep_t if line not in result.text]
    if len(ids) > 1 or not ids:  # different projects: every line of both sides must be there
        assert missing == [], result.text
    else:  # one project edited on both sides: both sides' lines where they fit
        assert [x for x in keep_o if x not in result.text] == []
