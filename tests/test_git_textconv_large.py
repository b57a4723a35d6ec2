"""`diff --textconv FILE` of a large file (`cli/gitcmds.py` `READ_ONLY_DIFF_BYTES`): read read-only, the file's
comments and unknown keys read from it a piece at a time (`gitops.filemerge.file_source`) and the view
written as it is made; the output byte for byte what the whole-text view gives, for the corpus, generated
portfolios, Windows line endings, unusual layouts and invalid files."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_git import base_text

from fsdl_tui.cli import gitcmds
from fsdl_tui.gitops import filemerge
from fsdl_tui.storage import cache
from tests.helpers_storage import CORPUS_FILES, corpus_text, make_portfolio_text, run_cli


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")


def both_ways(monkeypatch: pytest.MonkeyPatch, path: Path) -> bool:
    """The textconv view read whole and read in pieces (large pieces and pieces of one project): the same
    exit code, output and errors. Whether the pieces were taken."""
    argv = ["diff", "--textconv", str(path)]
    monkeypatch.setattr(gitcmds, "READ_ONLY_DIFF_BYTES", 1 << 62)
    whole = run_cli(argv)
    monkeypatch.setattr(gitcmds, "READ_ONLY_DIFF_BYTES", -1)
    taken = []
    real = gitcmds._textconv_in_pieces
    monkeypatch.setattr(gitcmds, "_textconv_in_pieces", lambda *a: taken.append(real(*a)) or taken[-1])
    assert run_cli(argv) == whole
    monkeypatch.setattr(filemerge, "PIECE_BYTES", 1)
    monkeypatch.setattr(filemerge, "BLOCK_BYTES", 4096)
    assert run_cli(argv) == whole
    assert taken[0] == taken[1]
    return taken[0]


@pytest.mark.parametrize("name", [p.name for p in CORPUS_FILES])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_the_corpus_shows_the_same_in_pieces(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, newline: str
) -> None:
    path = tmp_path / name
    path.write_bytes(corpus_text(name, newline).encode("utf-8"))
    both_ways(monkeypatch, path)


def test_a_generated_portfolio_with_comments_is_shown_in_pieces_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "team.toml"
    text = make_portfolio_text(120, seed=5)
    text = text.replace("[settings]", "vendor = { quote = 3 }  # not an fsdl-tui field\n\n[settings]", 1)
    path.write_text(text, encoding="utf-8")
    assert both_ways(monkeypatch, path)
    path.write_text(text + "\n[extra_table]  # after the projects\nkey = 1\n", encoding="utf-8")
    both_ways(monkeypatch, path)  # (read whole by `load`: a table after the projects)
    path.write_text(base_text(), encoding="utf-8")
    assert both_ways(monkeypatch, path)


def test_unusual_layouts_and_invalid_files_are_shown_from_the_whole_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = make_portfolio_text(20, seed=2)
    path = tmp_path / "team.toml"
    unusual = text.replace("[projects.cost]", '["projects".cost]', 1)
    for version in (unusual, text.replace("[[projects]]", "[[projects]\n", 1), "", "\n\n"):
        path.write_text(version, encoding="utf-8")
        assert not both_ways(monkeypatch, path)
