"""Documents that keep their text out of memory (`storage/document.py` `KeptBytes`): the app's load of a large
file (`stream.py`) and a save of one. Saves from them are the same bytes as from a document holding its text,
a file changed on disk is still never overwritten, and the text as read survives the change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import move, new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.storage import FileChangedError, PortfolioDocument, PortfolioError, cache, load, render_text, save
from fsdl_tui.storage import document as document_module
from fsdl_tui.storage.atomic import digest
from fsdl_tui.storage.stream import StreamLoad
from fsdl_tui.workspace import Session, merge_documents
from tests.helpers_storage import CORPUS_FILES, corpus_text, kept_document, make_portfolio_text

SMALL = 4096
DAY = "2026-01-05"


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """No parse cache; and every text counts as large, kept out of memory (but where a test says otherwise)."""
    monkeypatch.setenv(cache.ENV_OFF, "1")
    monkeypatch.setattr(document_module, "KEEP_IN_MEMORY_CHARS", 0)


def streamed(path: Path) -> PortfolioDocument:
    stream = StreamLoad(path, piece_bytes=SMALL, first_piece_bytes=SMALL)
    for _ in stream:
        pass
    assert stream.document is not None
    return stream.document


def edits(pf: Portfolio) -> list[Portfolio]:
    out = [pf.with_project(new_project("zz-new", "New")), pf.replace(description="Changed.")]
    if pf.projects:
        p, last = pf.projects[0], pf.projects[-1]
        out += [
            pf.with_project(set_field(p, "cost.problem_difficulty", 1 + (p.cost.problem_difficulty or 0) % 5)),
            pf.with_project(set_field(p, "impact.rationale", 'why:\n"because" \\ ok')),
            pf.with_project(
                move(p, "production" if p.stage != "production" else "data", note="n", date=DAY, force=True)
            ),
            pf.with_project(set_field(last, "plugins.tracker.key", "T-1")),
            pf.without_project(last.id),
        ]
    return out


@pytest.mark.parametrize("name", [p.name for p in CORPUS_FILES])
@pytest.mark.parametrize("nl", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_save_from_kept_bytes_is_the_same_minimal_diff(name: str, nl: str, tmp_path: Path) -> None:
    """Byte for byte what the document holding its text writes, for every edit of every corpus file."""
    path = tmp_path / name
    path.write_bytes(corpus_text(name, nl).encode("utf-8"))
    held = load(path)
    for new in edits(held.portfolio):
        kept = kept_document(path)
        assert not kept.text_in_memory and kept.text == held.text and kept.newline == held.newline
        try:
            expected = render_text(held, new)
        except PortfolioError as exc:  # a refusal is the same refusal
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                save(kept, new)
            assert path.read_bytes() == held.text.encode("utf-8")
            continue
        assert render_text(kept, new) == expected
        saved = save(kept, new)
        assert path.read_bytes() == expected.encode("utf-8") and saved.digest == digest(path.read_bytes())
        path.write_bytes(held.text.encode("utf-8"))  # back to the file as it was for the next edit


def test_a_large_file_streamed_keeps_no_text_and_saves_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(12, seed=21), encoding="utf-8")
    held = load(path)
    doc = streamed(path)
    assert not doc.text_in_memory and doc.digest == held.digest and doc.portfolio == held.portfolio
    p = doc.portfolio.projects[5]
    new = doc.portfolio.with_project(
        set_field(p, "cost.accuracy_requirement", 1 + (p.cost.accuracy_requirement or 0) % 5)
    )
    expected = render_text(held, new)
    first = save(doc, new)
    assert path.read_bytes() == expected.encode("utf-8")
    assert not first.text_in_memory  # a save of a large file keeps its bytes out of memory too
    again = first.portfolio.with_project(set_field(first.portfolio.projects[0], "impact.overall", 1))
    save(first, again)  # the next save diffs against what the first one wrote
    assert path.read_bytes() == render_text(load(path), load(path).portfolio).encode("utf-8")
    assert load(path).portfolio == again


def test_a_save_after_the_file_changed_on_disk_is_refused_without_the_text(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(12, seed=22), encoding="utf-8")
    doc = streamed(path)
    assert not doc.text_in_memory
    theirs = path.read_text(encoding="utf-8") + "# someone else's edit\n"
    path.write_text(theirs, encoding="utf-8")
    new = doc.portfolio.replace(description="Mine.")
    with pytest.raises(FileChangedError):
        save(doc, new)
    session = Session(doc)
    assert session.apply(new, "edit")
    with pytest.raises(FileChangedError):
        session.save()
    assert path.read_text(encoding="utf-8") == theirs
    # The text as read is still at hand: merged onto theirs, field by field.
    merged, conflicts = merge_documents(doc, new, load(path))
    assert conflicts == [] and merged is not None and merged.description == "Mine."


def test_kept_bytes_that_no_longer_match_are_never_written_from(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(3, seed=23), encoding="utf-8")
    before = path.read_bytes()
    doc = kept_document(path)
    assert doc._kept is not None
    doc._kept._file.seek(0)
    doc._kept._file.write(b"X")  # the copy altered (it never is: it is unnamed and the document's own)
    with pytest.raises(OSError, match="no longer matches"):
        save(doc, doc.portfolio.replace(description="x"))
    assert path.read_bytes() == before


def test_a_small_file_keeps_its_text_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_module, "KEEP_IN_MEMORY_CHARS", 1 << 20)
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(3, seed=24), encoding="utf-8")
    doc = streamed(path)  # (read in pieces after the first one, as a large file is)
    assert doc.text_in_memory and doc.text == path.read_text(encoding="utf-8")
    saved = save(doc, doc.portfolio.replace(description="x"))
    assert saved.text_in_memory


def test_the_text_is_read_back_once_while_held(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(3, seed=25), encoding="utf-8")
    doc = kept_document(path)
    assert doc._kept is not None
    reads = 0
    read = doc._kept.read

    def counted() -> bytes:
        nonlocal reads
        reads += 1
        return read()

    doc._kept.read = counted  # type: ignore[method-assign]
    new = doc.portfolio.replace(description="x")
    with doc.holding_text():
        text, rendered = doc.text, render_text(doc, new)
    assert reads == 1 and not doc.text_in_memory and doc._text is None
    assert (text, rendered) == (path.read_text(encoding="utf-8"), render_text(load(path), new))
