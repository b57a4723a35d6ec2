"""Hostile files: each is a located message and exit 1, in bounded time and memory, and is never changed.

The corpus is generated (some cases are FIFOs, devices, sockets or 64 MiB files, which do not belong in git):
`helpers_storage.HOSTILE` names every case, so a new kind of hostile file is one more entry.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_storage import HOSTILE, changes, make_portfolio_text, run_cli
from helpers_storage import HOSTILE_BASE as BASE
from helpers_storage import HOSTILE_FIRST_ID as FIRST_ID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import PortfolioLoadError, lint, load, loads, save
from fsdl_tui.storage.errors import PortfolioError
from fsdl_tui.storage.limits import DEFAULT_MAX_FILE_MIB, ENV_MAX_FILE, max_file_bytes
from fsdl_tui.storage.loading import loads_bytes

_LOCATED = re.compile(r"^(?P<file>[^\n]+?)(?::\d+:\d+)?: \S")


def _bounded(fn: Callable[[], object], seconds: float = 120) -> object:
    """Run `fn` in a thread; fail (rather than hang the suite) if it does not finish in time."""
    result: list[object] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "did not finish: a hang"
    if error:
        raise error[0]
    return result[0]


def _snapshot(path: Path) -> tuple[int, int, bytes | None]:
    st = os.lstat(path)
    data = path.read_bytes() if path.is_file() and st.st_size < 2**20 else None
    return st.st_mode, st.st_size, data


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_a_located_message_and_stays_unchanged(case: str, tmp_path: Path) -> None:
    path = HOSTILE[case](tmp_path)
    before = _snapshot(path)
    with pytest.raises(PortfolioLoadError) as info:
        _bounded(lambda: load(path))
    assert info.value.problems
    assert all(p.file == str(path) and p.line >= 1 and p.col >= 1 for p in info.value.problems)
    for argv in (["validate", str(path)], ["show", str(path)], ["set", str(path), FIRST_ID, "owner=x"]):
        rc, _out, err = _bounded(lambda argv=argv: run_cli(argv))  # type: ignore[misc]
        assert rc == 1, (argv, err)
        assert err and "Traceback" not in err, (argv, err)
        for line in err.splitlines():
            m = _LOCATED.match(line)
            assert m and m.group("file") == str(path), (argv, line)
    assert _snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize(
    ("case", "where"),
    [
        ("500-deep arrays", "nested more than 32 levels"),
        ("integer of 5,000 digits", "integer beyond 64 bits"),
        ("nan in a plugin table", "'effort' = nan is not a number"),
        ("id with a newline", "project id 'x\\n' must be a slug"),
    ],
)
def test_the_message_points_at_the_offending_line(case: str, where: str, tmp_path: Path) -> None:
    path = HOSTILE[case](tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(PortfolioLoadError) as info:
        load(path)
    problem = next(p for p in info.value.problems if where in p.message)
    offending = lines[problem.line - 1]
    assert "[[[" in offending or "= 1111" in offending or "effort" in offending or 'id = "x' in offending, offending


def test_devices_and_folders_are_refused_without_reading(tmp_path: Path) -> None:
    for path in ("/dev/zero", "/dev/null"):
        if not os.path.exists(path):
            continue
        with pytest.raises(PortfolioLoadError, match="character device, not a regular file"):
            _bounded(lambda path=path: load(path))  # type: ignore[misc]
        rc, _out, err = _bounded(lambda path=path: run_cli(["set", path, "x", "owner=y"]))  # type: ignore[misc]
        assert rc == 1 and err.startswith(f"{path}:1:1: is a character device")
    rc, _out, err = run_cli(["show", str(tmp_path)])
    assert rc == 1 and "is a folder" in err


def test_an_id_with_a_newline_is_refused_by_add(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(BASE, encoding="utf-8")
    rc, _out, err = run_cli(["add", str(path), "x\n", "--title", "X"])
    assert rc == 1 and "must be a slug" in err
    assert path.read_text(encoding="utf-8") == BASE


def test_a_one_field_edit_keeps_each_lines_own_line_ending(tmp_path: Path) -> None:
    lines = BASE.splitlines(keepends=True)
    lines[2] = lines[2].replace("\n", "\r\n")  # one CRLF line in an LF file
    text = "".join(lines)
    path = tmp_path / "mixed.toml"
    path.write_bytes(text.encode())
    pid = loads(text).portfolio.projects[1].id
    rc, _out, err = run_cli(["set", str(path), pid, "title=A new title", "owner=someone"])
    assert rc == 0, err
    after = path.read_bytes().decode()
    assert len(changes(text, after)) == 4  # two lines out, two in
    assert after.count("\r\n") == 1
    crlf = "".join(line.replace("\n", "\r\n") for line in BASE.splitlines(keepends=True))
    crlf_lines = crlf.splitlines(keepends=True)
    crlf_lines[5] = crlf_lines[5].replace("\r\n", "\n")  # one LF line in a CRLF file
    text = "".join(crlf_lines)
    path.write_bytes(text.encode())
    rc, _out, err = run_cli(["set", str(path), pid, "owner=someone else"])
    assert rc == 0, err
    after = path.read_bytes().decode()
    assert len(changes(text, after)) == 2
    assert after.count("\r\n") == text.count("\r\n") and after.count("\n") == text.count("\n")


# --- fuzz -------------------------------------------------------------------------------------------------

# A fixed, fast sample by default (about 10 s); FSDL_PROPERTY_EXAMPLES=2000 explores further with fresh cases.
EXAMPLES = int(os.environ.get("FSDL_PROPERTY_EXAMPLES", "150"))
DERANDOMIZE = "FSDL_PROPERTY_EXAMPLES" not in os.environ

_SNIPPETS = [
    "[",
    "]",
    "{",
    "}",
    "=",
    '"',
    "'''",
    '"""',
    "\n",
    "\r\n",
    "\r",
    "#",
    "nan",
    "inf",
    "-inf",
    "9" * 30,
    "0x" + "f" * 20,
    "[[projects]]\n",
    "[projects.plugins.z]\nv = ",
    'id = "x\\n"\n',
    "[" * 60,
    "]" * 60,
    "\x00",
    "\ufeff",
    "<<<<<<< ours\n",
    "é",
]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow
@pytest.mark.usefixtures("no_fsync")  # what is written, not its flush to disk (conftest)
@given(edits=st.lists(st.tuples(st.integers(0, len(BASE)), st.sampled_from(_SNIPPETS)), min_size=1, max_size=4))
def test_fuzz_load_validate_and_a_one_field_save_never_crash(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, str]]
) -> None:
    text = BASE
    for pos, snippet in sorted(edits, reverse=True):
        text = text[:pos] + snippet + text[pos:]
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        doc = load(path)
    except PortfolioLoadError as exc:
        assert exc.problems and all(p.line >= 1 and p.col >= 1 and p.message for p in exc.problems)
        rc, _out, err = run_cli(["validate", str(path)])
        assert rc == 1 and "Traceback" not in err
        return
    assert all(w.line >= 1 and w.col >= 1 for w in lint(doc))  # what validate adds
    pf = doc.portfolio
    if not pf.projects:
        return
    p = pf.projects[0]
    try:
        save(doc, pf.with_project(set_field(p, "owner", "fuzzed owner")))
    except PortfolioError:
        assert path.read_bytes() == text.encode("utf-8", "surrogatepass")  # refused: nothing written
        return
    again = load(path)
    assert again.portfolio.get(p.id).owner == "fuzzed owner"  # type: ignore[union-attr]
    assert [q.id for q in again.portfolio.projects] == [q.id for q in pf.projects]
    assert len(changes(text, path.read_bytes().decode("utf-8"))) <= 2  # a one-line edit


@settings(
    max_examples=15, deadline=None, derandomize=DERANDOMIZE, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(n for n in HOSTILE if n not in ("a FIFO", "a socket", "a file over the size limit"))))
def test_fuzz_a_save_over_a_hostile_file_is_refused(tmp_path_factory: pytest.TempPathFactory, case: str) -> None:
    folder = tmp_path_factory.mktemp("save")
    good = folder / "good.toml"
    good.write_text(BASE, encoding="utf-8")
    doc = load(good)
    path = HOSTILE[case](folder)
    before = path.read_bytes()
    with pytest.raises(PortfolioError):  # the file on disk is not the one read: never overwritten
        save(doc, doc.portfolio.with_project(set_field(doc.portfolio.projects[0], "owner", "x")), path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "value",
    ["nan", "-inf", "1e999", "[" * 40 + "]" * 40, "[" * 600 + "]" * 600, str(2**64), "7" * 5000, "0x" + "f" * 300],
)
def test_set_never_writes_a_value_the_file_could_not_be_read_with(value: str, tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(BASE, encoding="utf-8")
    rc, out, err = run_cli(["set", str(path), FIRST_ID, f"plugins.hostile.v={value}"])
    assert (rc, out) == (1, ""), err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert path.read_text(encoding="utf-8") == BASE
    load(path)  # still loads


# --- the size limit ---------------------------------------------------------------------------------------


def test_the_default_size_limit_opens_100000_projects_with_room_to_spare() -> None:
    sample = make_portfolio_text(40)
    per_project = len(sample.encode()) / 40
    assert max_file_bytes({}) == DEFAULT_MAX_FILE_MIB * 2**20
    assert 100_000 * per_project * 1.25 < max_file_bytes({})  # 100,000 projects and a quarter more


def _at_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, int]:
    """A valid portfolio file, with the limit set to exactly its size."""
    path = tmp_path / "team.toml"
    path.write_text(BASE, encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setenv(ENV_MAX_FILE, repr(size / 2**20))
    assert max_file_bytes() == size
    return path, size


def test_a_file_of_exactly_the_limit_opens_and_one_byte_more_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, size = _at_limit(tmp_path, monkeypatch)
    assert len(load(path).portfolio.projects) == 2
    assert run_cli(["validate", str(path)])[0] == 0
    path.write_text(BASE + "\n", encoding="utf-8")  # one byte over
    with pytest.raises(PortfolioLoadError, match=f"portfolio files are limited to {size:,} bytes"):
        load(path)
    rc, _out, err = run_cli(["validate", str(path)])
    assert rc == 1
    assert err.startswith(f"{path}:1:1: is {size + 1:,} bytes; portfolio files are limited to")
    assert ENV_MAX_FILE in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == BASE + "\n"


def test_the_limit_also_holds_for_bytes_given_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    data = BASE.encode()
    monkeypatch.setenv(ENV_MAX_FILE, repr(len(data) / 2**20))
    assert len(loads_bytes(data, "team.toml").portfolio.projects) == 2
    with pytest.raises(PortfolioLoadError, match=r"larger than .* the limit for portfolio files"):
        loads_bytes(data + b"\n", "team.toml")


def test_the_override_raises_and_lowers_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.toml"
    with open(path, "wb") as f:  # sparse: over the default limit, no disk space used
        f.truncate(max_file_bytes() + 1)
    with pytest.raises(PortfolioLoadError, match=f"limited to {DEFAULT_MAX_FILE_MIB} MiB"):
        load(path)
    monkeypatch.setenv(ENV_MAX_FILE, str(DEFAULT_MAX_FILE_MIB * 2))
    assert max_file_bytes() == DEFAULT_MAX_FILE_MIB * 2 * 2**20  # (the file itself is not read here: 512 MiB)
    small = tmp_path / "team.toml"
    small.write_text(BASE, encoding="utf-8")
    monkeypatch.setenv(ENV_MAX_FILE, "0.001")  # about 1 KB
    rc, _out, err = run_cli(["show", str(small)])
    assert rc == 1 and "limited to 1,048 bytes" in err


@pytest.mark.parametrize("value", ["", "lots", "0", "-5", "nan", "inf", "1e999"])
def test_a_limit_that_is_not_a_positive_number_means_the_default(value: str) -> None:
    assert max_file_bytes({ENV_MAX_FILE: value}) == DEFAULT_MAX_FILE_MIB * 2**20
