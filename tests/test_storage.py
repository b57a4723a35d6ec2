"""Storage: hand-formatted files round-trip byte for byte, every edit is a minimal diff, saves are atomic."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
import tomllib
from pathlib import Path

import pytest
from helpers_storage import CORPUS_FILES, changes, corpus_doc, corpus_text

from fsdl_tui.domain.codec import portfolio_to_data, project_to_data
from fsdl_tui.domain.fields import set_field
from fsdl_tui.domain.lifecycle import move, new_project
from fsdl_tui.domain.model import Portfolio
from fsdl_tui.storage import (
    FileChangedError,
    PortfolioDocument,
    SaveError,
    atomic,
    load,
    loads,
    new_document,
    render,
    render_text,
    save,
    starter_text,
)
from fsdl_tui.storage.minimal_diff import _render_full

NEWLINES = pytest.mark.parametrize("nl", ["\n", "\r\n"], ids=["lf", "crlf"])
NAMES = pytest.mark.parametrize("name", [p.name for p in CORPUS_FILES])
DAY = dt.date(2025, 3, 4)


def test_corpus_has_the_hard_cases() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS_FILES}
    joined = "".join(texts.values())
    assert len(texts) >= 6
    for needle in (
        '"""',
        "'''",
        "\\\\",
        "= {",
        "cost.data_availability",
        "[ projects . impact ]",
        "'id'",
        '[projects."impact"]',
        "team_channel",
        "\t",
    ):
        assert needle in joined, needle
    order = texts["unknown_keys_unusual_order.toml"]
    assert order.index("[settings]") > order.index("[[projects]]")
    assert not texts["minimal_no_trailing_newline.toml"].endswith("\n")


# --- round trips ---------------------------------------------------------------------------------------


@NAMES
@NEWLINES
def test_unchanged_portfolio_renders_byte_identical(name: str, nl: str) -> None:
    text = corpus_text(name, nl)
    doc = loads(text, name)
    assert render_text(doc, doc.portfolio) == text
    # equal but not identical values take the comparing path, and still change nothing
    copy = doc.portfolio.replace(projects=tuple(p.replace() for p in doc.portfolio.projects))
    assert render_text(doc, copy) == text
    # so does the slow full-document path used for unusual layouts
    assert _render_full(doc, copy) == text


@NAMES
@NEWLINES
def test_save_without_changes_keeps_the_file_byte_identical(name: str, nl: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(corpus_text(name, nl).encode())
    doc = load(path)
    save(doc, doc.portfolio.replace())
    assert path.read_bytes() == corpus_text(name, nl).encode()


# --- the diff of every action --------------------------------------------------------------------------


def _edit(doc: PortfolioDocument, project_id: str, **fields: object) -> Portfolio:
    p = doc.portfolio.get(project_id)
    for path, value in fields.items():
        p = set_field(p, path.replace("__", "."), value)
    return doc.portfolio.with_project(p)


# (corpus file, project, {field: value}, the exact changed lines of the diff); "\n" stands for the file's newline
FIELD_EDITS = {
    "score": (
        "spacing_and_comments.toml",
        "pose-estimation",
        {"cost.accuracy_requirement": 5},
        [
            "-accuracy_requirement = 3\n",
            "+accuracy_requirement = 5\n",
        ],
    ),
    "scores keep comments and spacing": (
        "spacing_and_comments.toml",
        "pose-estimation",
        {"cost.data_availability": 3, "impact.automation": 5},
        [
            "-  automation=4\n",
            "+  automation=5\n",
            "-data_availability = 2   # scarce: we must film people\n",
            "+data_availability = 3   # scarce: we must film people\n",
        ],
    ),
    "note with quotes and backslashes": (
        "spacing_and_comments.toml",
        "pose-estimation",
        {"cost.data_availability_note": 'say "no" to C:\\raw'},
        [
            '-data_availability_note = "No public data for our exercises."\n',
            '+data_availability_note = "say \\"no\\" to C:\\\\raw"\n',
        ],
    ),
    "multi-line text": (
        "spacing_and_comments.toml",
        "pose-estimation",
        {"summary": 'Count reps.\nThen "coach" them.'},
        [
            '-summary = "Count reps from the phone camera."\n',
            '+summary = """\n',
            "+Count reps.\n",
            '+Then "coach" them."""\n',
        ],
    ),
    "multi-line string replaced in place": (
        "multiline_strings.toml",
        "speech-notes",
        {"summary": "One\nTwo"},
        [
            "-summary = '''\n",
            "-# Markdown heading inside a literal string\n",
            "-=======\n",
            "-Not a conflict marker: it is inside a string.'''\n",
            '+summary = """\n',
            "+One\n",
            '+Two"""\n',
        ],
    ),
    "gate tick keeps its comment": (
        "spacing_and_comments.toml",
        "pose-estimation",
        {"gate.data.done": True},
        [
            "-data = { done = false }   # the blocker\n",
            "+data = { done = true }   # the blocker\n",
        ],
    ),
    "dotted keys and inline tables": (
        "inline_and_dotted.toml",
        "churn",
        {"cost.accuracy_requirement": 4, "impact.overall": 5, "gate.product.note": "app v2"},
        [
            '-impact = { overall = 3, cheap_prediction = 4, rationale = "retention team asks for it" }\n',
            '+impact = { overall = 5, cheap_prediction = 4, rationale = "retention team asks for it" }\n',
            "-cost . accuracy_requirement = 2\n",
            "+cost . accuracy_requirement = 4\n",
            "-gate.product = { done = true }\n",
            '+gate.product = { done = true, note = "app v2" }\n',
        ],
    ),
    "unknown keys survive next to an edit": (
        "unknown_keys_unusual_order.toml",
        "search-ranking",
        {"gate.product.note": "search page v2", "impact.peers": 4},
        [
            "-peers = 5\n",
            "+peers = 4\n",
            '-product = { done = true, note = "search page", reviewer = "gus" }   # unknown key in a gate item\n',
            '+product = { done = true, note = "search page v2", reviewer = "gus" }   # unknown key in a gate item\n',
        ],
    ),
}


@NEWLINES
@pytest.mark.parametrize("case", list(FIELD_EDITS))
def test_a_field_edit_changes_exactly_its_lines(case: str, nl: str) -> None:
    name, project_id, fields, expected = FIELD_EDITS[case]
    doc = corpus_doc(name, nl)
    p = doc.portfolio.get(project_id)
    for path, value in fields.items():
        p = set_field(p, path, value)
    text = render_text(doc, doc.portfolio.with_project(p))
    assert changes(doc.text, text) == [line.replace("\n", nl) for line in expected]
    assert project_to_data(loads(text).portfolio.get(project_id)) == project_to_data(p)


# (corpus file, project, stage, note, the exact changed lines). The history of invoice-parsing has an entry
# ending `date = 2024-01-10 }`, which tomlkit alone would write back as `...10}`.
MOVES = {
    "backward with a reason": (
        "spacing_and_comments.toml",
        "pose-estimation",
        "planning",
        "data too hard to label",
        [
            '-stage = "data"\n',
            '+stage = "planning"\n',
            '+  { from = "data", to = "planning", date = 2025-03-04, note = "data too hard to label" },\n',
        ],
    ),
    "forward, after dates before braces": (
        "multiline_strings.toml",
        "invoice-parsing",
        "deploying",
        "",
        [
            '-stage = "training"\n',
            '+stage = "deploying"\n',
            '+  { from = "training", to = "deploying", date = 2025-03-04 },\n',
        ],
    ),
}


@NEWLINES
@pytest.mark.parametrize("case", list(MOVES))
def test_a_move_adds_one_history_line_and_changes_the_stage(case: str, nl: str) -> None:
    name, project_id, stage, note, expected = MOVES[case]
    doc = corpus_doc(name, nl)
    p = move(doc.portfolio.get(project_id), stage, note=note, date=DAY)
    text = render_text(doc, doc.portfolio.with_project(p))
    assert changes(doc.text, text) == [line.replace("\n", nl) for line in expected]


@NEWLINES
def test_add_a_plugin_field(nl: str) -> None:
    doc = corpus_doc("inline_and_dotted.toml", nl)
    new = _edit(doc, "fraud", plugins__jira__sprint=7)
    assert changes(doc.text, render_text(doc, new)) == [f"+  sprint = 7{nl}"]
    doc = corpus_doc("spacing_and_comments.toml", nl)
    text = render_text(doc, _edit(doc, "labeling-tool", plugins__jira__epic="ML-9"))
    assert changes(doc.text, text) == [
        f"+{nl}",
        f"+[projects.plugins.jira]{nl}",
        f'+epic = "ML-9"{nl}',
    ]
    assert loads(text).portfolio.get("labeling-tool").plugins == {"jira": {"epic": "ML-9"}}


@NEWLINES
def test_change_a_header_setting_changes_one_line(nl: str) -> None:
    for name, old_line in [
        ("spacing_and_comments.toml", "impact_threshold=3.0"),
        ("unknown_keys_unusual_order.toml", "impact_threshold = 3.5"),
    ]:
        doc = corpus_doc(name, nl)
        settings = dataclasses.replace(doc.portfolio.settings, impact_threshold=4.0)
        text = render_text(doc, doc.portfolio.replace(settings=settings))
        assert changes(doc.text, text) == [
            f"-{old_line}{nl}",
            f"+{old_line.replace('3.5', '4.0').replace('3.0', '4.0')}{nl}",
        ]


@NEWLINES
def test_header_edits_of_names_and_scorer_tables(nl: str) -> None:
    doc = corpus_doc("unknown_keys_unusual_order.toml", nl)
    pf = doc.portfolio
    new = pf.replace(name="Renamed", scoring={"fsdl": {"impact_weight": 2.0}, "weighted": {"data": 0.5}})
    text = render_text(doc, new)
    assert changes(doc.text, text) == [
        f'-name = "Unusual order"{nl}',
        f'+name = "Renamed"{nl}',
        f"-impact_weight = 1.0{nl}",
        f"+impact_weight = 2.0{nl}",
        f"+{nl}",
        f"+[scoring.weighted]{nl}",
        f"+data = 0.5{nl}",
    ]
    assert portfolio_to_data(loads(text).portfolio) == portfolio_to_data(new)


@NEWLINES
def test_remove_a_project_removes_its_lines_and_attached_comments_only(nl: str) -> None:
    doc = corpus_doc("spacing_and_comments.toml", nl)
    text = render_text(doc, doc.portfolio.without_project("pose-estimation"))
    lines = doc.text.splitlines(True)
    start = lines.index(f"# The one the lecture talks about.{nl}")
    end = lines.index(f"# Infrastructure everyone leans on.{nl}")
    assert text == "".join(lines[:start] + lines[end:])


@NEWLINES
def test_add_a_project_appends_it_in_canonical_commented_order(nl: str) -> None:
    doc = corpus_doc("unknown_keys_unusual_order.toml", nl)
    p = new_project("new-idea", "New idea", owner="ana", archetype="autonomous")
    text = render_text(doc, doc.portfolio.with_project(p))
    added = [line[1:] for line in changes(doc.text, text)]
    assert all(line.startswith("+") for line in changes(doc.text, text))
    canonical = render.project(p).replace("\n", nl)
    assert "".join(added).strip(nl) == canonical.strip(nl)  # plus one blank line to separate it
    assert len(added) == len(canonical.splitlines()) + 1
    # after the last project, before the settings that follow the projects in this file
    assert text.index('[[projects]]\nid = "new-idea"'.replace("\n", nl)) < text.index("# The settings come last")
    keys = [line.split(" = ")[0] for line in canonical.splitlines() if " = " in line and not line.startswith("#")]
    assert keys[:8] == ["id", "title", "summary", "owner", "tags", "links", "depends_on", "archetype"]
    assert "# Is there a product for ML to plug into?" in canonical  # the schema as comments
    assert project_to_data(loads(text).portfolio.get("new-idea")) == project_to_data(p)


def test_add_a_project_to_a_file_without_projects(tmp_path: Path) -> None:
    doc = corpus_doc("no_projects.toml")
    p = new_project("first", "First one")
    text = render_text(doc, doc.portfolio.with_project(p))
    assert text.startswith(doc.text.rstrip("\n") + "\n\n[[projects]]\n")
    assert project_to_data(loads(text).portfolio.projects[0]) == project_to_data(p)


@NAMES
@NEWLINES
def test_every_action_on_every_corpus_file_reads_back_and_keeps_comments(name: str, nl: str) -> None:
    doc = corpus_doc(name, nl)
    comments = [line for line in doc.text.splitlines() if line.lstrip().startswith("#")]
    pf = doc.portfolio
    actions = [pf.with_project(new_project("zz-new", "New")), pf.replace(description="Changed.")]
    if pf.projects:
        p = pf.projects[0]
        actions += [
            pf.with_project(set_field(p, "cost.problem_difficulty", 1 + (p.cost.problem_difficulty or 0) % 5)),
            pf.with_project(set_field(p, "impact.rationale", 'why:\n"because" \\ ok')),
            pf.with_project(set_field(p, "feasibility.c_ethics.done", True)),
            pf.with_project(
                move(p, "production" if p.stage != "production" else "data", note="n", date=DAY, force=True)
            ),
            pf.with_project(set_field(p, "plugins.tracker.key", "T-1")),
            pf.without_project(pf.projects[-1].id),
        ]
    for new in actions:
        text = render_text(doc, new)
        assert portfolio_to_data(loads(text).portfolio) == portfolio_to_data(new)
        if new.get(pf.projects[-1].id if pf.projects else "") is not None:
            kept = [line for line in text.splitlines() if line.lstrip().startswith("#")]
            assert [c for c in comments if c not in kept] == []
        assert nl == "\n" or "\n" not in text.replace("\r\n", "")  # line endings kept


# --- saving --------------------------------------------------------------------------------------------


def test_a_second_save_builds_on_the_first(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(corpus_text("spacing_and_comments.toml"), encoding="utf-8")
    doc = load(path)
    first = save(doc, _edit(doc, "pose-estimation", cost__accuracy_requirement=5))
    assert first.digest == atomic.digest(path.read_bytes()) and first.text == path.read_text()
    before = path.read_text()
    second = save(first, _edit(first, "labeling-tool", impact__overall=2))
    assert changes(before, path.read_text()) == ["-overall=3\n", "+overall=2\n"]
    assert load(path).portfolio.get("pose-estimation").cost.accuracy_requirement == 5
    assert second.portfolio.get("labeling-tool").impact.overall == 2


def test_save_refuses_when_the_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(corpus_text("spacing_and_comments.toml"), encoding="utf-8")
    doc = load(path)
    path.write_text(path.read_text() + "# someone else's edit\n", encoding="utf-8")
    theirs = path.read_bytes()
    new = _edit(doc, "pose-estimation", cost__accuracy_requirement=5)
    with pytest.raises(FileChangedError) as info:
        save(doc, new)
    assert "changed on disk" in str(info.value) and str(path) in str(info.value)
    assert path.read_bytes() == theirs
    save(doc, new, force=True)
    assert load(path).portfolio.get("pose-estimation").cost.accuracy_requirement == 5


def test_save_refuses_when_the_file_was_deleted(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(corpus_text("no_projects.toml"), encoding="utf-8")
    doc = load(path)
    path.unlink()
    with pytest.raises(FileChangedError):
        save(doc, doc.portfolio.replace(name="x"))
    assert not path.exists()


def test_first_save_of_a_new_document_creates_the_file_but_never_replaces_one(tmp_path: Path) -> None:
    pf = Portfolio(name="Fresh", projects=(new_project("a", "A"),))
    doc = new_document(pf)
    assert doc.path is None and doc.digest is None
    assert doc.text.startswith(starter_text(pf))
    taken = tmp_path / "taken.toml"
    taken.write_text("precious = true\n", encoding="utf-8")
    with pytest.raises(FileChangedError):
        save(doc, pf, taken)
    assert taken.read_text() == "precious = true\n"
    saved = save(doc, pf, tmp_path / "new.toml")
    assert saved.path == tmp_path / "new.toml"
    assert portfolio_to_data(load(tmp_path / "new.toml").portfolio) == portfolio_to_data(pf)


def test_save_keeps_the_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(corpus_text("no_projects.toml"), encoding="utf-8")
    os.chmod(path, 0o640)
    doc = load(path)
    save(doc, doc.portfolio.replace(name="x"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert list(tmp_path.iterdir()) == [path]


def test_save_writes_what_was_rendered(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(corpus_text("multiline_strings.toml", "\r\n"), encoding="utf-8", newline="")
    doc = load(path)
    new = _edit(doc, "speech-notes", title="Speech notes ✓")
    saved = save(doc, new)
    assert path.read_bytes() == render_text(doc, new).encode("utf-8") == saved.text.encode("utf-8")
    assert tomllib.loads(path.read_text(encoding="utf-8"))["projects"][1]["title"] == "Speech notes ✓"


@pytest.mark.parametrize("step", ["write", "fsync", "close", "fchmod", "replace"])
def test_a_crash_at_any_step_leaves_the_old_file_and_no_temp_file(
    step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.toml"
    original = corpus_text("spacing_and_comments.toml").encode()
    path.write_bytes(original)
    doc = load(path)
    new = _edit(doc, "pose-estimation", cost__accuracy_requirement=5)
    calls = []
    real = getattr(atomic.os, step)

    def crash(*args: object, **kwargs: object) -> object:
        if step == "close":  # really close, then fail, as a failed close would; only the temp file's
            name = os.readlink(f"/proc/self/fd/{args[0]}")
            real(*args, **kwargs)
            if ".tmp" not in name:
                return None
        calls.append(step)
        raise OSError("injected crash")

    monkeypatch.setattr(atomic.os, step, crash)
    with pytest.raises(SaveError, match=r"p\.toml: cannot save: injected crash"):
        save(doc, new)
    monkeypatch.undo()
    assert calls, f"the save never reached {step}"
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.toml"]
    save(doc, new)  # the document is still good for a retry
    assert load(path).portfolio.get("pose-estimation").cost.accuracy_requirement == 5


def test_an_interrupt_during_write_also_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b"schema_version = 1\n")
    doc = load(path)

    def interrupt(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save(doc, doc.portfolio.replace(name="x"))
    assert path.read_bytes() == b"schema_version = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_the_temp_file_lives_in_the_target_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []
    real = atomic.os.replace

    def spy(src: str, dst: object) -> None:
        seen.append((os.path.dirname(src), os.path.dirname(str(dst))))
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    path = tmp_path / "sub" / "p.toml"
    path.parent.mkdir()
    path.write_bytes(b"schema_version = 1\n")
    doc = load(path)
    save(doc, doc.portfolio.replace(name="x"))
    assert seen == [(str(path.parent), str(path.parent))]


def test_reordered_projects_are_written_in_the_new_order() -> None:
    doc = corpus_doc("spacing_and_comments.toml")
    a, b = doc.portfolio.projects
    text = render_text(doc, doc.portfolio.replace(projects=(b, a)))
    assert [p.id for p in loads(text).portfolio.projects] == ["labeling-tool", "pose-estimation"]
    assert text.index("# Infrastructure everyone leans on.") < text.index("# The one the lecture talks about.")


def test_a_project_tomlkit_cannot_edit_is_written_anew_after_its_comments(monkeypatch: pytest.MonkeyPatch) -> None:
    from fsdl_tui.storage import minimal_diff

    def fail(*args: object, **kwargs: object) -> None:
        raise KeyError("tomlkit got lost")

    monkeypatch.setattr(minimal_diff, "apply_changes", fail)
    doc = corpus_doc("spacing_and_comments.toml")
    new = _edit(doc, "pose-estimation", cost__accuracy_requirement=5)
    text = render_text(doc, new)
    assert '# The one the lecture talks about.\n[[projects]]\nid = "pose-estimation"\n' in text
    assert portfolio_to_data(loads(text).portfolio) == portfolio_to_data(new)
    assert text.endswith(doc.text[doc.text.index("# Infrastructure everyone leans on.") :])


def test_loading_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    assert gc.isenabled()
    loads(corpus_text("spacing_and_comments.toml"))
    assert gc.isenabled()
    gc.disable()
    try:
        loads(corpus_text("spacing_and_comments.toml"))
        assert not gc.isenabled()
    finally:
        gc.enable()


@NEWLINES
def test_header_edits_add_and_remove_unknown_keys_and_tables(nl: str) -> None:
    doc = corpus_doc("unknown_keys_unusual_order.toml", nl)
    pf = doc.portfolio
    extra = {k: v for k, v in pf.extra.items() if k != "team_channel"} | {"wiki": "https://wiki.example.com"}
    new = pf.replace(extra=extra, scoring={}, plugins={"jira": {"url": "https://jira.example.com"}, "canvas": {}})
    text = render_text(doc, new)
    assert portfolio_to_data(loads(text).portfolio) == portfolio_to_data(new)
    removed = [line for line in changes(doc.text, text) if line.startswith("-")]
    assert removed == [
        f'-team_channel = "#ml-portfolio"   # unknown top-level key: kept{nl}',
        f"-# Scorer settings between the projects.{nl}",
        f"-[scoring.fsdl]{nl}",
        f"-impact_weight = 1.0{nl}",
        f"-{nl}",
    ]
    assert f'[team]   # an unknown top-level table{nl}lead = "hana"{nl}' in text


@NAMES
@NEWLINES
def test_adding_then_removing_a_project_gives_back_the_file(name: str, nl: str) -> None:
    doc = corpus_doc(name, nl)
    added = loads(render_text(doc, doc.portfolio.with_project(new_project("zz-temp", "Temporary"))))
    assert render_text(added, added.portfolio.without_project("zz-temp")) == doc.text


def test_saving_through_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "p.toml"
    real.parent.mkdir()
    real.write_bytes(b"schema_version = 1\n")
    link = tmp_path / "p.toml"
    link.symlink_to(real)
    doc = load(link)
    save(doc, doc.portfolio.replace(name="Linked"))
    assert link.is_symlink()
    assert load(real).portfolio.name == "Linked"
    assert sorted(p.name for p in real.parent.iterdir()) == ["p.toml"]


@NEWLINES
def test_unusual_layouts_take_the_full_path_and_still_change_one_line(nl: str) -> None:
    text = (
        "schema_version = 1\n"
        "[[projects]]\n"
        'id = "a"\n'
        'title = "A"\n'
        'history = [{ from = "planning", to = "data", date = 2024-01-01 }]\n'
        "[settings]\n"
        "impact_threshold = 3.0\n"
        "[projects.cost]   # belongs to project a, after another table\n"
        "data_availability = 2\n"
    ).replace("\n", nl)
    doc = loads(text)
    assert not doc.layout.standard
    new = _edit(doc, "a", cost__data_availability=4)
    out = render_text(doc, new)
    assert portfolio_to_data(loads(out).portfolio) == portfolio_to_data(new)
    # tomlkit moves the stray sub-table next to its project: those two lines move, one of them changed
    assert sorted(changes(text, out)) == sorted(
        [
            f"-[projects.cost]   # belongs to project a, after another table{nl}",
            f"-data_availability = 2{nl}",
            f"+[projects.cost]   # belongs to project a, after another table{nl}",
            f"+data_availability = 4{nl}",
        ]
    )
    inline = 'schema_version = 1\nprojects = [\n  { id = "a", title = "A" },\n]\n'.replace("\n", nl)
    doc = loads(inline)
    out = render_text(doc, _edit(doc, "a", title="B"))
    assert changes(inline, out) == [f'-  {{ id = "a", title = "A" }},{nl}', f'+  {{ id = "a", title = "B" }},{nl}']
