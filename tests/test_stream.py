"""Progressive loading (`storage/stream.py`, `workspace.LoadJob`): the pieces give exactly what `load` gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsdl_tui.scoring.base import FsdlScorer
from fsdl_tui.storage import PortfolioLoadError, SaveError, cache, load
from fsdl_tui.storage.stream import StreamLoad
from fsdl_tui.workspace import LoadJob, Session, rank_projects
from tests.helpers_storage import CORPUS_FILES, make_portfolio_text

SMALL = 4096  # bytes a piece: a generated project is about 3.6 KB, so about one project a piece


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    return tmp_path / "cache"


def write(tmp_path: Path, text: str, name: str = "team.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def chunks(path: Path, **kwargs: object) -> tuple[StreamLoad, list[object]]:
    stream = StreamLoad(path, piece_bytes=SMALL, first_piece_bytes=SMALL, **kwargs)  # type: ignore[arg-type]
    return stream, list(stream)


def test_the_pieces_give_the_document_load_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    path = write(tmp_path, make_portfolio_text(15, seed=4))
    stream, got = chunks(path)
    doc = load(path)
    assert stream.document is not None and not stream.from_cache
    assert stream.document.portfolio == doc.portfolio
    assert (stream.document.text, stream.document.digest, stream.document.path) == (doc.text, doc.digest, doc.path)
    with_projects = [c for c in got if c.projects]  # type: ignore[attr-defined]
    assert len(with_projects) > 3  # in pieces, not at once
    streamed = [p for c in with_projects for p in c.projects]  # type: ignore[attr-defined]
    assert streamed == list(doc.portfolio.projects)
    assert [c.done for c in with_projects] == sorted(c.done for c in with_projects)  # type: ignore[attr-defined]
    assert with_projects[0].header.settings == doc.portfolio.settings  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_file_loads_as_load_loads_it(path: Path, tmp_path: Path) -> None:
    """Hand-formatted files (comments, odd layouts, tables after the projects): the same document, or the
    same problems, as `load`."""
    copy = write(tmp_path, path.read_text(encoding="utf-8"), path.name)
    try:
        expected = load(copy)
    except PortfolioLoadError as exc:
        with pytest.raises(PortfolioLoadError) as got:
            chunks(copy)
        assert [str(p) for p in got.value.problems] == [str(p) for p in exc.problems]
        return
    stream, _ = chunks(copy)
    assert stream.document is not None
    assert stream.document.portfolio == expected.portfolio
    assert stream.document.text == expected.text


def test_a_late_syntax_error_is_the_problem_load_reports(tmp_path: Path) -> None:
    text = make_portfolio_text(8, seed=2) + '\n[[projects]]\nid = "broken"\ntitle = "no closing quote\n'
    path = write(tmp_path, text)
    with pytest.raises(PortfolioLoadError) as expected:
        load(path)
    seen: list[int] = []
    stream = StreamLoad(path, piece_bytes=SMALL, first_piece_bytes=SMALL)
    with pytest.raises(PortfolioLoadError) as got:
        for chunk in stream:
            seen.append(len(chunk.projects))
    assert sum(seen) >= 7  # the projects before it came first
    assert [str(p) for p in got.value.problems] == [str(p) for p in expected.value.problems]
    assert f"{path}:" in str(got.value.problems[0])


def test_a_duplicate_id_found_at_the_end_is_the_problem_load_reports(tmp_path: Path) -> None:
    text = make_portfolio_text(6, seed=5)
    first_id = load(write(tmp_path, text, "ok.toml")).portfolio.projects[0].id
    path = write(tmp_path, text + f'\n[[projects]]\nid = "{first_id}"\ntitle = "again"\n')
    with pytest.raises(PortfolioLoadError) as expected:
        load(path)
    with pytest.raises(PortfolioLoadError) as got:
        chunks(path)
    assert [str(p) for p in got.value.problems] == [str(p) for p in expected.value.problems]


def test_a_cut_inside_a_multiline_string_falls_back_to_the_whole_file(tmp_path: Path) -> None:
    """A `[[projects]]` line inside a multi-line string is text, not a header: the pieces cannot tell at a
    cut, so the whole file is read again, and the last chunk holds every project (`restart`)."""
    text = make_portfolio_text(6, seed=6)
    tricky = '\n[[projects]]\nid = "tricky"\ntitle = "Tricky"\nsummary = """\n' + "x\n" * 3000
    tricky += '[[projects]]\nstill the summary\n"""\n'
    path = write(tmp_path, text + tricky)
    expected = load(path)
    stream, got = chunks(path)
    assert stream.document is not None and stream.document.portfolio == expected.portfolio
    last = [c for c in got if c.restart]  # type: ignore[attr-defined]
    assert len(last) == 1 and last[0].projects == expected.portfolio.projects  # type: ignore[attr-defined]


def test_a_warm_cache_gives_every_project_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MIN_FILE_BYTES", 0)
    path = write(tmp_path, make_portfolio_text(10, seed=8))
    cold, _ = chunks(path)  # fills the cache, as `load` does
    assert cache.get_parsed(load(path).digest or "") is not None
    warm, got = chunks(path)
    assert warm.from_cache
    assert len(got) == 2 and not got[0].restart and got[1].restart  # the first piece, then all from the cache
    assert got[1].projects == cold.document.portfolio.projects if cold.document else False  # type: ignore[attr-defined]
    assert warm.document is not None and cold.document is not None
    assert warm.document.portfolio == cold.document.portfolio


def test_the_gate_holds_each_piece_and_cancel_stops(tmp_path: Path) -> None:
    path = write(tmp_path, make_portfolio_text(6, seed=9))
    asked: list[int] = []
    stop = False

    def gate(n: int) -> None:
        nonlocal stop
        asked.append(n)
        stop = n >= 2

    stream = StreamLoad(path, piece_bytes=SMALL, first_piece_bytes=SMALL, gate=gate, cancelled=lambda: stop)
    got = list(stream)
    assert asked == [0, 1, 2]
    assert len(got) == 2 and stream.document is None


def test_the_load_job_ranks_as_rank_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fsdl_tui.storage import stream

    monkeypatch.setattr(stream, "PIECE_BYTES", SMALL)
    monkeypatch.setattr(stream, "FIRST_PIECE_BYTES", SMALL)
    path = write(tmp_path, make_portfolio_text(20, seed=10))
    steps = list(LoadJob(path, FsdlScorer()).steps())
    shown = [s for s in steps if s.ranked is not None]
    assert len(shown) >= 3  # rows at 1, 2, 4, ... projects, then all
    assert all(s.portfolio is not None and len(s.ranked or ()) == len(s.portfolio.projects) for s in shown)
    last = steps[-1]
    doc = load(path)
    assert last.document is not None and last.portfolio == doc.portfolio
    assert last.ranked == rank_projects(doc.portfolio, FsdlScorer())


def test_a_loading_session_refuses_changes_and_saves(tmp_path: Path) -> None:
    path = write(tmp_path, make_portfolio_text(3, seed=11))
    before = path.read_bytes()
    session = Session.loading(path)
    with pytest.raises(SaveError, match="still loading"):
        session.save()
    with pytest.raises(ValueError, match="still loading"):
        session.apply(load(path).portfolio, "edit")
    assert not session.disk_changed()
    assert path.read_bytes() == before


def test_the_first_piece_is_read_from_the_first_bytes_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file shows its first rows before it is read whole: the whole file is read after that piece."""
    monkeypatch.setenv(cache.ENV_OFF, "1")
    path = write(tmp_path, make_portfolio_text(15, seed=12))
    whole_reads: list[Path] = []
    read_whole = StreamLoad._read_whole

    def counted(self: StreamLoad, shown: bytes) -> object:
        whole_reads.append(self.path)
        return read_whole(self, shown)

    monkeypatch.setattr(StreamLoad, "_read_whole", counted)
    stream = StreamLoad(path, piece_bytes=SMALL, first_piece_bytes=SMALL)
    it = iter(stream)
    first = next(it)
    assert first.projects and not whole_reads  # the first rows: the file not yet read whole
    rest = list(it)
    assert whole_reads == [path]
    doc = load(path)
    assert stream.document is not None and stream.document.portfolio == doc.portfolio
    assert [p for c in (first, *rest) for p in c.projects] == list(doc.portfolio.projects)


def test_a_file_changed_after_its_first_piece_is_read_again(tmp_path: Path) -> None:
    """The whole file must start with the first piece shown; a file changed meanwhile is read again whole,
    and its projects replace those shown (`restart`)."""
    path = write(tmp_path, make_portfolio_text(15, seed=13))
    stream = StreamLoad(path, piece_bytes=SMALL, first_piece_bytes=SMALL)
    it = iter(stream)
    first = next(it)
    assert first.projects and not first.restart
    old_title = first.projects[0].title
    assert f'title = "{old_title}"' in path.read_text(encoding="utf-8")
    path.write_text(
        path.read_text(encoding="utf-8").replace(f'title = "{old_title}"', 'title = "Renamed meanwhile"', 1),
        encoding="utf-8",
    )
    rest = list(it)
    doc = load(path)
    assert stream.document is not None and stream.document.portfolio == doc.portfolio
    assert doc.portfolio.projects[0].title == "Renamed meanwhile"
    restarts = [c for c in rest if c.restart]
    assert len(restarts) == 1 and restarts[0].projects == doc.portfolio.projects


def test_the_first_bytes_cut_where_the_whole_text_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces are cut by characters; with text of several bytes a character (and a BOM-free, marker-free
    file), the first piece read from the first bytes is the one the whole text gives."""
    from fsdl_tui.storage import stream as stream_module

    monkeypatch.setenv(cache.ENV_OFF, "1")
    text = make_portfolio_text(15, seed=14).replace('title = "', 'title = "Ünïcødé ✓ 日本 ', 20)
    path = write(tmp_path, text)
    _, by_head = chunks(path)
    monkeypatch.setattr(stream_module, "HEAD_BYTES", 0)  # no first bytes: the whole file first
    _, by_whole = chunks(path)
    assert [c.projects for c in by_head] == [c.projects for c in by_whole]  # type: ignore[attr-defined]
    assert len(by_head) > 3


def test_a_file_that_escapes_a_nul_after_its_first_piece_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MIN_FILE_BYTES", 1)
    text = make_portfolio_text(15, seed=15)
    last = text.rindex("[[projects]]")
    text = text[:last] + text[last:].replace("\ntitle = ", '\n"a\\u0000b" = 1\ntitle = ', 1)
    path = write(tmp_path, text)
    stream, _ = chunks(path)
    assert stream.document is not None and stream.document.portfolio == load(path).portfolio
    assert not (cache.folder().exists() and list(cache.folder().glob("*.json")))
    clean = write(tmp_path, make_portfolio_text(15, seed=15), "clean.toml")
    chunks(clean)
    assert list(cache.folder().glob("*.json"))  # (a file without one is)
