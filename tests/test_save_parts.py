"""Saves and journals of a document whose bytes are kept out of memory, from parts (`minimal_diff.render_parts`):
the untouched segments read from the kept copy as they are written, only what changed rendered. The bytes are
those of the text path (`render_text` of a document holding its text), for every edit of every corpus file, LF
and CRLF, and of generated files read a few bytes at a time; the journal is the one `Journal.to_json` writes;
and a kept copy that no longer matches its digest is never written from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.storage import PortfolioError, cache, load, minimal_diff, render_text, save
from fsdl_tui.storage import document as document_module
from fsdl_tui.storage.atomic import digest
from fsdl_tui.storage.document import KeptBytes
from fsdl_tui.storage.journal import Journal, journal_path, write_document_journal, write_journal
from fsdl_tui.storage.minimal_diff import part_bytes, render_parts
from fsdl_tui.storage.piece_layout import PieceLayout
from fsdl_tui.storage.scan import layout
from tests.helpers_storage import CORPUS_FILES, corpus_text, kept_document, make_portfolio_text


@pytest.fixture(autouse=True)
def kept_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    monkeypatch.setattr(document_module, "KEEP_IN_MEMORY_CHARS", 0)


def edits(pf: Portfolio) -> list[Portfolio]:
    out = [pf.with_project(new_project("zz-new", "New — naïve")), pf.replace(description="Changed.")]
    if pf.projects:
        p, last = pf.projects[0], pf.projects[-1]
        mid = pf.projects[len(pf.projects) // 2]
        out += [
            pf.with_project(set_field(mid, "owner", "zed 日本")),
            pf.with_project(set_field(p, "impact.rationale", 'why:\n"because" \\ ok')),
            pf.with_project(set_field(last, "summary", "last one")),
            pf.without_project(last.id),
            pf.without_project(mid.id).with_project(new_project("zz-other", "Other")),
            pf.replace(projects=pf.projects[::-1]),  # reordered: no parts, the text path
        ]
    return out


GENERATED = {
    "generated": make_portfolio_text(9, seed=31),
    "generated-crlf": make_portfolio_text(9, seed=32).replace("\n", "\r\n"),
    "generated-unicode": make_portfolio_text(7, seed=33).replace('owner = "', 'owner = "Zoë 日本 ', 3),
    "no-final-newline": make_portfolio_text(5, seed=34).rstrip("\n"),
    "comment-above-each": make_portfolio_text(6, seed=35).replace("[[projects]]", "# the next one\n[[projects]]"),
}
TEXTS = {
    **{f"{p.stem}-{nl!r}": corpus_text(p.name, nl) for p in CORPUS_FILES for nl in ("\n", "\r\n")},
    **GENERATED,
}


@pytest.mark.parametrize("block", [61, 4 << 20])
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_parts_are_the_bytes_of_the_text_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, block: int
) -> None:
    monkeypatch.setattr(minimal_diff, "BLOCK_BYTES", block)
    path = tmp_path / "team.toml"
    path.write_bytes(TEXTS[name].encode("utf-8"))
    held = load(path)
    used = 0
    for new in edits(held.portfolio):
        kept = kept_document(path)
        try:
            expected = render_text(held, new).encode("utf-8")
        except PortfolioError as exc:  # a refusal is the same refusal
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                render_parts(kept, new)
            continue
        parts = render_parts(kept, new)
        if parts is not None:
            used += 1
            assert b"".join(part_bytes(kept, parts)) == expected
        saved = save(kept, new)
        assert path.read_bytes() == expected and saved.digest == digest(expected)
        assert not saved.text_in_memory and saved.text == expected.decode("utf-8")
        path.write_bytes(held.text.encode("utf-8"))
    if name in GENERATED:  # every edit but the reorder is saved from parts
        assert used == len(edits(held.portfolio)) - 1


def test_a_large_edit_writes_long_runs_of_the_kept_copy(tmp_path: Path) -> None:
    """One project changed in the middle: the parts are the bytes before it, its new text and the bytes after."""
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(40, seed=36), encoding="utf-8")
    kept = kept_document(path)
    p = kept.portfolio.projects[20]
    parts = render_parts(kept, kept.portfolio.with_project(set_field(p, "owner", "zed")))
    assert parts is not None
    kinds = [type(x).__name__ for x in parts]
    assert kinds[-3:] == ["Span", "str", "Span"] and kinds.count("Span") == 2
    assert 'owner = "zed"' in str(parts[-2])


@pytest.mark.parametrize("piece", [7, 200, 1 << 20])
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_text_laid_out_in_pieces_is_laid_out_as_a_whole(name: str, piece: int) -> None:
    text = TEXTS[name]
    whole = layout(text)
    lay = PieceLayout()
    for i in range(0, len(text), piece):
        lay.add(text[i : i + piece])
    lay.finish()
    data = text.encode("utf-8")
    assert lay.size == len(data)
    expected = [
        (s.kind, s.key, len(text[: s.offset].encode()), len(text[: s.end_offset].encode())) for s in whole.segments
    ]
    got = [(s.kind, s.key, s.start, s.end) for s in lay.segments]
    assert lay.standard == whole.standard
    if whole.standard:  # (where it is not, the caller takes the text path)
        assert got == expected


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_journal_is_the_one_the_texts_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(minimal_diff, "BLOCK_BYTES", 5)
    path = tmp_path / "team.toml"
    path.write_bytes(TEXTS[name].encode("utf-8"))
    held = load(path)
    for n, new in enumerate(edits(held.portfolio)):
        try:
            edited = render_text(held, new)
        except PortfolioError:
            continue
        states = tmp_path / f"state-{n}"
        write_journal(states / "a", Journal(str(path), held.digest, held.text, edited))
        write_document_journal(states / "b", str(path), kept_document(path), new)
        expected = journal_path(states / "a", path).read_bytes()
        assert journal_path(states / "b", path).read_bytes() == expected


def test_a_kept_copy_that_no_longer_matches_is_never_written_from(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(6, seed=37), encoding="utf-8")
    before = path.read_bytes()
    p = load(path).portfolio.projects[2]
    for at in (0, before.index(b"[[projects]]") + 3, len(before) - 2):  # the header, the first and last project
        doc = kept_document(path)
        new = doc.portfolio.with_project(set_field(p, "owner", "zed"))
        render_parts(doc, new)  # (the layout worked out while the copy was sound)
        kept = doc.kept
        assert kept is not None
        kept._file.seek(at)
        kept._file.write(b"X")  # altered (it never is: it is unnamed and the document's own)
        with pytest.raises(PortfolioError, match="no longer matches"):
            save(doc, new)
        assert path.read_bytes() == before
        state = tmp_path / "state"
        write_journal(state, Journal(str(path), None, "old", "kept"))
        with pytest.raises(PortfolioError, match="no longer matches"):
            write_document_journal(state, str(path), doc, new)
        assert Journal.from_json(journal_path(state, path).read_text(encoding="utf-8")).text == "kept"
        assert [x.name for x in (state / "journals").iterdir()] == [journal_path(state, path).name]


def test_a_large_generated_file_over_several_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some 5 MiB, read 4 MiB at a time as the app's save reads it, with the document's own threshold."""
    monkeypatch.setattr(document_module, "KEEP_IN_MEMORY_CHARS", 1 << 20)
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(1400, seed=38), encoding="utf-8")
    assert path.stat().st_size > minimal_diff.BLOCK_BYTES
    held = load(path)
    pf = held.portfolio
    mid, last = pf.projects[1000], pf.projects[-1]
    for new in (
        pf.with_project(set_field(mid, "owner", "zed")),
        pf.without_project(mid.id).with_project(set_field(last, "summary", "changed")),
        pf.with_project(new_project("zz-new", "New")).replace(description="Changed."),
    ):
        kept = kept_document(path)
        expected = render_text(held, new).encode("utf-8")
        parts = render_parts(kept, new)
        assert parts is not None and b"".join(part_bytes(kept, parts)) == expected
        saved = save(kept, new)
        assert path.read_bytes() == expected and not saved.text_in_memory
        path.write_bytes(held.text.encode("utf-8"))


def test_a_copy_that_cannot_be_kept_does_not_stop_the_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The saved document's own copy cannot be written (its folder full, say): the file is saved all the
    same, and the saved document holds the text it wrote."""
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(6, seed=39), encoding="utf-8")
    held = load(path)
    kept = kept_document(path)
    new = kept.portfolio.with_project(set_field(kept.portfolio.projects[3], "owner", "zed"))

    def full(self: KeptBytes, block: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(KeptBytes, "write", full)
    saved = save(kept, new)
    expected = render_text(held, new)
    assert path.read_text(encoding="utf-8") == expected
    assert saved.text_in_memory and saved.text == expected and saved.digest == digest(expected.encode("utf-8"))
