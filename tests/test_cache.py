"""The cache of parsed portfolios: a hit gives exactly what a cold load gives; bad entries are rebuilt."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from fsdl_tui.storage import PortfolioLoadError, cache, lint, load, loads, parsing
from fsdl_tui.testing import portfolio_file, run_cli  # noqa: F401 - pytest fixtures
from tests.helpers_storage import CORPUS, CORPUS_FILES, HOSTILE, make_portfolio_text


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache in a folder of the test's own, for files of any size."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    monkeypatch.setattr(cache, "MIN_FILE_BYTES", 0)
    return tmp_path / "cache"


def entries() -> list[Path]:
    return sorted(cache.folder().glob("*.json")) if cache.folder().exists() else []


def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any full parse with tomllib fail, so a load that succeeds must have come from the cache."""

    def refuse(text: str) -> dict[str, object]:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(parsing.tomllib, "loads", refuse)
    monkeypatch.setattr(parsing, "parse_piece", refuse)


def write(tmp_path: Path, text: str, name: str = "team.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_hit_gives_the_same_document_as_a_cold_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, make_portfolio_text(12, seed=3))
    cold = load(path)
    assert len(entries()) == 1
    no_parse(monkeypatch)
    warm = load(path)
    assert warm.portfolio == cold.portfolio
    assert (warm.text, warm.digest, warm.path) == (cold.text, cold.digest, cold.path)


def test_no_cache_when_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    path = write(tmp_path, make_portfolio_text(3, seed=1))
    load(path)
    assert entries() == []


def test_small_files_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MIN_FILE_BYTES", 10**9)
    load(write(tmp_path, make_portfolio_text(3, seed=1)))
    assert entries() == []


def _corrupt_body(entry: Path) -> None:
    raw = entry.read_bytes()
    nl = raw.index(b"\n")
    entry.write_bytes(raw[: nl + 1] + raw[nl + 1 :].replace(b'"', b"'", 3))


def _plausible_lie(entry: Path) -> None:
    """Valid JSON with other data under an untouched first line: only the body's hash can tell."""
    raw = entry.read_bytes()
    nl = raw.index(b"\n")
    header, *rest = raw[nl + 1 :].split(b"\n")
    data = json.loads(header)
    data["name"] = "not what the file says"
    entry.write_bytes(raw[: nl + 1] + b"\n".join([json.dumps(data).encode(), *rest]))


def _stale_format(entry: Path) -> None:
    raw = entry.read_bytes()
    nl = raw.index(b"\n")
    header = json.loads(raw[:nl])
    header["format"] = cache.FORMAT - 1
    entry.write_bytes(json.dumps(header, sort_keys=True).encode() + raw[nl:])


def _truncated(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:-100])


def _first_line_changed(entry: Path, **changes: object) -> None:
    raw = entry.read_bytes()
    nl = raw.index(b"\n")
    header = json.loads(raw[:nl]) | changes
    entry.write_bytes(json.dumps(header, sort_keys=True).encode() + raw[nl:])


def _other_files_entry(entry: Path) -> None:
    """The entry of another file under this file's name (say, copied by hand)."""
    _first_line_changed(entry, sha256="0" * 64)


def _body_lines(entry: Path) -> tuple[bytes, list[bytes]]:
    raw = entry.read_bytes()
    nl = raw.index(b"\n")
    return raw[:nl], raw[nl + 1 :].split(b"\n")


def _rehash(entry: Path, lines: list[bytes]) -> None:
    """Write `lines` as the entry's body under a first line that vouches for them (as a forger would)."""
    import hashlib

    first, _ = _body_lines(entry)
    header = json.loads(first)
    body = b"\n".join(lines)
    header["body_sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(header, sort_keys=True).encode() + b"\n" + body)


def _old_format(entry: Path) -> None:
    """An entry as the first format wrote it: the parsed data of the whole file, one JSON object."""
    import hashlib
    import sys

    first, _ = _body_lines(entry)
    sha = json.loads(first)["sha256"]
    body = json.dumps({"schema_version": 1, "name": "old", "projects": []}).encode()
    header = {
        "format": 1,
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "sha256": sha,
        "body_sha256": hashlib.sha256(body).hexdigest(),
    }
    entry.write_bytes(json.dumps(header, sort_keys=True).encode() + b"\n" + body)


def _hand_edited_title(entry: Path) -> None:
    raw = entry.read_bytes()
    entry.write_bytes(raw.replace(b'"Predict ', b'"Edited ', 1))


def _forged_short_project(entry: Path) -> None:
    """A body vouched for by its first line, with a project list too short to be a project."""
    _, (head, flats, tables) = _body_lines(entry)
    pools, projects = json.loads(flats)
    projects[0] = projects[0][:5]
    _rehash(entry, [head, json.dumps([pools, projects]).encode(), tables])


def _forged_check_number(entry: Path) -> None:
    _, (head, flats, tables) = _body_lines(entry)
    pools, projects = json.loads(flats)
    projects[0][11] = {k: 10**6 for k in projects[0][11]}
    _rehash(entry, [head, json.dumps([pools, projects]).encode(), tables])


def _forged_table_number(entry: Path) -> None:
    _, (head, flats, tables) = _body_lines(entry)
    pools, projects = json.loads(flats)
    projects[0] = 7
    _rehash(entry, [head, json.dumps([pools, projects]).encode(), tables])


def _two_lines(entry: Path) -> None:
    _, (head, flats, _tables) = _body_lines(entry)
    _rehash(entry, [head, flats])


def _another_model(entry: Path) -> None:
    _first_line_changed(entry, model="0" * 16)


@pytest.mark.parametrize(
    "spoil",
    [
        _corrupt_body,
        _plausible_lie,
        _stale_format,
        _truncated,
        _other_files_entry,
        lambda e: e.write_bytes(b""),
        # the flat format: an entry of the first format, a hand edit, forged bodies that do not read
        _old_format,
        _hand_edited_title,
        _forged_short_project,
        _forged_check_number,
        _forged_table_number,
        _two_lines,
        _another_model,
    ],
)
def test_a_corrupt_or_stale_entry_is_detected_and_rebuilt(tmp_path: Path, spoil) -> None:
    path = write(tmp_path, make_portfolio_text(5, seed=2))
    cold = load(path)
    (entry,) = entries()
    good = entry.read_bytes()
    spoil(entry)
    assert cache.get_parsed(cold.digest or "") is None  # detected, and removed
    assert not entry.exists()
    again = load(path)  # parsed again and the entry written anew
    assert again.portfolio == cold.portfolio
    assert entry.read_bytes() == good


def test_the_file_is_always_read_never_trusted_to_the_cache(tmp_path: Path) -> None:
    path = write(tmp_path, make_portfolio_text(4, seed=5))
    load(path)
    text = path.read_text(encoding="utf-8").replace('name = "', 'name = "Renamed ', 1)
    path.write_text(text, encoding="utf-8")
    doc = load(path)
    assert doc.portfolio.name.startswith("Renamed ")
    assert len(entries()) == 2


def test_problems_and_warnings_are_the_same_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = make_portfolio_text(4, seed=7)
    bad = write(tmp_path, text.replace("data_availability = ", "data_availability = 9 #", 1), "bad.toml")
    typo = write(tmp_path, text.replace("[settings]\n", "[settings]\ndefualt_scorer = 'fsdl'\n", 1), "typo.toml")

    def outcome(path: Path) -> tuple[list[str], list[str]]:
        try:
            doc = load(path)
        except PortfolioLoadError as exc:
            return [str(p) for p in exc.problems], []
        return [], [str(w) for w in lint(doc)]

    cold = [outcome(bad), outcome(typo)]
    assert cold[0][0] and cold[1][1]  # a problem and a warning to compare
    assert len(entries()) == 2
    no_parse(monkeypatch)
    assert [outcome(bad), outcome(typo)] == cold


def test_dates_and_times_come_back_as_they_were() -> None:
    data = {
        "d": dt.date(2024, 2, 29),
        "local": dt.datetime(2024, 1, 2, 3, 4, 5, 678901),
        "utc": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "offset": dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
        "t": dt.time(23, 59, 59, 1),
        "nested": [{"when": dt.date(2020, 1, 1), "n": 1.5, "big": 2**63 - 1, "s": 'ä \u2603 "q"'}],
        "empty": {},
    }
    back = cache.decode(cache.encode(data))
    assert back == data
    assert [type(back[k]) for k in data] == [type(v) for v in data.values()]


def test_a_file_with_an_escaped_nul_is_never_cached(tmp_path: Path) -> None:
    text = make_portfolio_text(2, seed=1).replace("[settings]\n", '[settings]\n"a\\u0000b" = 1\n', 1)
    load(write(tmp_path, text))
    assert entries() == []


def test_an_unusable_cache_folder_only_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    path = write(tmp_path, make_portfolio_text(3, seed=4))
    assert load(path).portfolio == load(path).portfolio
    assert blocker.is_file()


def test_the_folder_is_kept_under_its_size_by_removing_the_least_recently_used(tmp_path: Path) -> None:
    for n in range(4):
        cache.put(f"{n:064x}", {"n": n, "pad": "x" * 1000})
        os.utime(cache.folder() / f"{n:064x}.json", ns=(n * 10**9, n * 10**9))
    assert cache.get(f"{0:064x}") == {"n": 0, "pad": "x" * 1000}  # used now: the newest
    size = (cache.folder() / f"{1:064x}.json").stat().st_size
    cache.evict(max_total=2 * size + size // 2)
    assert sorted(e.name[:64] for e in entries()) == [f"{0:064x}", f"{3:064x}"]


def test_no_temp_file_is_left_behind(tmp_path: Path) -> None:
    load(write(tmp_path, make_portfolio_text(3, seed=4)))
    assert [p.name for p in cache.folder().iterdir()] == [e.name for e in entries()]


@pytest.mark.parametrize("command", [["rank"], ["show"], ["validate"], ["stats"], ["export", "--format", "csv"]])
def test_the_cache_never_changes_what_a_command_reports(run_cli, portfolio_file: Path, command: list[str]) -> None:
    args = [*command[:1], portfolio_file, *command[1:]]
    cold = run_cli(*args)
    assert entries(), "the first run fills the cache"
    warm = run_cli(*args)
    assert warm == cold
    assert cold[0] == 0, cold[2]


SEGMENT_CASES = [
    make_portfolio_text(6, seed=9),
    make_portfolio_text(3, seed=1) + "\n[extra_after]\nk = 1\n\n[settings.more]\nx = 2\n",
    'name = "x"\nprojects = 1\n',  # a top-level key named like the array: the whole parse says what is wrong
    '[[projects]]\nid = "a"\nlist = [\n  [ "a" ],\n]\n\n[[projects]]\nid = "b"\n',  # a header-like array line
    '[[projects]]\nid = "a"\n\n[settings]\nx = 1\n\n[settings]\ny = 2\n',  # a table defined twice
    'x = """\n[[projects]]\nid = "in a string"\n"""\n',
    '[[projects]]\nid = "a"\nscore = nan\n',  # beyond the limits: the whole parse reports it
]


@pytest.mark.parametrize("text", SEGMENT_CASES + [p.read_text(encoding="utf-8") for p in CORPUS_FILES])
def test_parsing_by_segment_reads_exactly_as_a_whole_parse(text: str) -> None:
    import tomllib

    try:
        whole: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        whole = None
    got = parsing._parse_by_segment(text)
    if got is not None:
        assert whole is not None and got == whole
        assert json.dumps(got, default=str) == json.dumps(whole, default=str)  # the same order of keys too
    with parsing.segment_memo():
        if whole is None:
            with pytest.raises(tomllib.TOMLDecodeError):
                parsing.parse_text(text)
        else:
            assert repr(parsing.parse_text(text)[0]) == repr(whole)  # repr: nan is not equal to itself


def test_versions_in_a_segment_memo_parse_only_the_projects_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:

    text = make_portfolio_text(8, seed=4)
    edited = text.replace("data_availability = ", "data_availability = 1 #", 1)
    parsed: list[str] = []
    real = parsing.parse_piece
    monkeypatch.setattr(parsing, "parse_piece", lambda s: parsed.append(s) or real(s))
    with parsing.segment_memo():
        a, b = loads(text), loads(edited)
    projects_parsed = [s for s in parsed if "[[projects]]" in s]
    assert (a.portfolio, b.portfolio) == (loads(text).portfolio, loads(edited).portfolio)
    assert len(projects_parsed) == 8 + 1  # every project of the first version, then only the edited one


@pytest.mark.parametrize("text", SEGMENT_CASES + [p.read_text(encoding="utf-8") for p in CORPUS_FILES[:8]])
def test_a_load_in_a_segment_memo_reports_what_a_load_outside_does(text: str) -> None:
    def outcome() -> object:
        try:
            return loads(text, "f.toml").portfolio
        except PortfolioLoadError as exc:
            return [str(p) for p in exc.problems]

    outside = outcome()
    with parsing.segment_memo():
        loads(make_portfolio_text(3, seed=1))  # a memo with other segments in it
        assert outcome() == outside
        assert outcome() == outside  # and again, its segments now in the memo


def test_warnings_worked_out_at_load_time_are_lints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    text = make_portfolio_text(3, seed=7).replace("[settings]\n", "[settings]\ndefualt_scorer = 'fsdl'\n", 1)
    path = write(tmp_path, text)
    expected = lint(load(path))
    assert expected
    doc = load(path, warnings=True)
    no_parse(monkeypatch)
    assert lint(doc) == expected


FAST_CASES = [
    "x = 1979-05-27T07:32:00.123456789+05:30\ny = 07:32:00.9999999\nz = 1979-05-27 07:32:00Z\nw = 1979-05-27t07:32:00\n",
    "x = 1e400\ny = -0.0\nz = 0.1\nw = 1_000.5e-3\nv = +inf\nu = -nan\n",
    "x = 0xDEAD_beef\ny = 0o17\nz = 0b101\nw = +99\nv = 99999999999999999999999\n",
    '"a b" = 1\n\'c\' = 2\n"" = 3\nä = 4\na . b = 5\n',
    "[a]\nb.c = 1\n[a.b]\nd = 2\n",
    'x = """\nab\\\n   c"""\ny = \'\'\'\nraw\'\'\'\'\nz = """a"""""\n',
    'x = [1, "a", {b = 1}, [2]]\ny = [\n1,\n2,\n]\nt = "a\tb"\n# a\x7fb\n',
    "x = 2024-02-29\ny = 1979-05-27T23:59:60Z\n",
    # errors: each must be an error for both
    "x = {\n a = 1 }\n",
    "x = {a = 1,}\n",
    'x = "\\e"\n',
    'x = "\\x41"\n',
    "x = 1979-05-27T07:32\n",
    'x = "a\x7fb"\n',
    "a = 1\na = 2\n",
    'x = "\\uD800"\n',
    "x = 0x_1\n",
    "x = 012\n",
    "x = 07:32\n",
    "x = 2024-02-30\n",
    "a = [1]\n[[a]]\n",
    "a = {b = 1}\n[a.c]\n",
    "[a.b]\nc=1\n[a]\nb.d=2\n",
    'x = "a\nb"\n',
    "x = .5\n",
    "# a\x01b\nx = 1\n",
    "x = " + "[" * 1200 + "]" * 1200 + "\n",  # beyond the bracket bound: tomllib, which handles any depth
]


@pytest.mark.parametrize("text", FAST_CASES)
def test_the_fast_parser_reads_as_tomllib_or_leaves_it_the_error(text: str) -> None:
    import tomllib

    try:
        expected: object = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            parsing.parse_piece(text)
        return
    got = parsing.parse_piece(text)
    assert repr(got) == repr(expected)  # repr: the same types, time zones and order; nan is not equal to itself


def test_in_a_segment_memo_an_unchanged_project_is_built_once() -> None:
    text = make_portfolio_text(5, seed=6)
    edited = text.replace("data_availability = ", "data_availability = 1 #", 1)
    with parsing.segment_memo():
        a, b = loads(text).portfolio, loads(edited).portfolio
    assert (a, b) == (loads(text).portfolio, loads(edited).portfolio)
    shared = [x is y for x, y in zip(a.projects, b.projects, strict=True)]
    assert shared == [False, True, True, True, True]  # the first project's cost was edited


# --- the entry's format: plain projects in their flat form -------------------------------------------------


def test_the_flat_form_reads_the_model_the_cache_was_made_for() -> None:
    from fsdl_tui.domain import flat

    assert flat.USABLE, "the model's attributes changed: update domain/flat.py (Writer, Reader, _EXPECTED)"


def test_a_plain_file_is_cached_in_flat_form_and_built_back_equal(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, make_portfolio_text(9, seed=8))
    cold = load(path)
    (entry,) = entries()
    _, (_, flats, tables) = _body_lines(entry)
    assert json.loads(tables) == []  # no project kept as a table
    assert all(type(f) is list for f in json.loads(flats)[1])
    monkeypatch.setattr("fsdl_tui.domain.reader._read_project", lambda *a: pytest.fail("read a table"))
    no_parse(monkeypatch)
    assert load(path).portfolio == cold.portfolio


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_project_comes_back_equal_from_its_flat_form(path: Path) -> None:
    from fsdl_tui.domain import flat

    try:
        doc = loads(path.read_text(encoding="utf-8"))
    except PortfolioLoadError:
        return
    writer = flat.Writer()
    flats = [(p, writer.project(p)) for p in doc.portfolio.projects]
    read = flat.Reader(json.loads(json.dumps(writer.pools()))).project  # through JSON, as the cache keeps it
    for project, f in flats:
        if f is not None:
            back = read(json.loads(json.dumps(f)))
            assert back == project
            assert repr(back) == repr(project)  # the same types too (an int stays an int, a tuple a tuple)


def test_strings_that_spell_dates_stay_strings_and_dates_stay_dates(tmp_path: Path, monkeypatch) -> None:
    text = make_portfolio_text(3, seed=2).replace(
        'title = "', 'when = 2024-05-06\nsaid = "2024-05-06"\nodd = "\\u00e4 {x}"\ntitle = "', 2
    )
    path = write(tmp_path, text)
    cold = load(path)
    no_parse(monkeypatch)
    warm = load(path)
    assert warm.portfolio == cold.portfolio
    first, second = warm.portfolio.projects[:2]
    assert type(first.extra["when"]) is dt.date and first.extra["said"] == "2024-05-06"
    assert [type(v) for v in second.extra.values()] == [dt.date, str, str]


def test_a_string_of_the_tag_cannot_come_from_toml() -> None:
    import tomllib

    # A NUL can only be written as an escape (a raw one is an error), and a file with the escape is not cached.
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads('x = "\x00date"\n')
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads("x = '''\x00date'''\n")
    assert not cache.text_cacheable('x = "\\u0000date"\n')
    assert not cache.text_cacheable('x = "\\U00000000date"\n')


def test_a_user_table_shaped_like_a_tagged_value_is_read_as_written(tmp_path: Path, monkeypatch) -> None:
    text = make_portfolio_text(2, seed=3).replace('title = "', 'x = { "date" = ["date", "2024-01-01"] }\ntitle = "', 1)
    path = write(tmp_path, text)
    cold = load(path)
    no_parse(monkeypatch)
    assert load(path).portfolio.projects[0].extra == {"x": {"date": ["date", "2024-01-01"]}}
    assert load(path).portfolio == cold.portfolio


def test_a_project_with_a_warning_is_kept_as_its_table_and_warns_warm(tmp_path: Path, monkeypatch) -> None:
    text = make_portfolio_text(4, seed=5).replace("overall = ", "overal = 2\noverall = ", 2)
    path = write(tmp_path, text)
    cold = load(path, warnings=True)
    expected = lint(cold)
    assert len(expected) == 2
    (entry,) = entries()
    _, (_, flats, _tables) = _body_lines(entry)
    assert [type(f) for f in json.loads(flats)[1]] == [int, int, list, list]
    no_parse(monkeypatch)
    assert lint(load(path, warnings=True)) == expected
    assert lint(load(path)) == expected


def test_a_warm_first_version_in_a_segment_memo_reads_as_a_cold_one(tmp_path: Path) -> None:
    from fsdl_tui.storage import loads_bytes

    text = make_portfolio_text(6, seed=4)
    edited = text.replace("data_availability = ", "data_availability = 1 #", 1)
    load(write(tmp_path, text))  # the first version is in the cache now
    assert entries()
    with parsing.segment_memo():
        a, b = loads_bytes(text.encode()).portfolio, loads(edited).portfolio
    assert (a, b) == (loads(text).portfolio, loads(edited).portfolio)
    shared = [x is y for x, y in zip(a.projects, b.projects, strict=True)]
    assert shared == [False, True, True, True, True, True]  # the first project's cost was edited


def _outcome(path: Path) -> object:
    try:
        doc = load(path, warnings=True)
    except PortfolioLoadError as exc:
        return [str(p) for p in exc.problems]
    return repr(doc.portfolio), [str(w) for w in lint(doc)], [str(w) for w in lint(load(path))]


@pytest.mark.parametrize("case", [p.name for p in CORPUS_FILES] + sorted(HOSTILE))
def test_cold_and_warm_loads_agree_over_the_corpus_and_the_hostile_files(tmp_path: Path, monkeypatch, case) -> None:
    path = HOSTILE[case](tmp_path) if case in HOSTILE else write(tmp_path, (CORPUS / case).read_text("utf-8"))
    cold = _outcome(path)
    if entries():  # cached: the warm load must not parse, and must say the same
        no_parse(monkeypatch)
    assert _outcome(path) == cold


def test_equal_numbers_of_other_types_are_not_shared(tmp_path: Path, monkeypatch) -> None:
    from fsdl_tui.domain import flat
    from fsdl_tui.domain.model import Baseline, Effort, Metrics, Project, Threshold

    def project(pid: str, n: float) -> Project:
        metrics = Metrics(satisficing=(Threshold("m", n),), baselines=(Baseline("human", "b", n),))
        return Project(id=pid, title=pid, metrics=metrics, effort=Effort(weeks=n, gpu_days=n))

    projects = [project(f"p{i}", n) for i, n in enumerate([2, 2.0, 0.0, -0.0, 2, 0.0])]
    writer = flat.Writer()
    flats = [writer.project(p) for p in projects]
    read = flat.Reader(json.loads(json.dumps(writer.pools()))).project
    back = [read(json.loads(json.dumps(f))) for f in flats]
    assert [repr(p) for p in back] == [repr(p) for p in projects]
    assert [len(pool) for pool in writer.pools()[2:5]] == [4, 4, 4]  # 2, 2.0, 0.0 and -0.0 once each
