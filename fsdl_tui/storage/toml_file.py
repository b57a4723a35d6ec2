"""Load and save portfolio files: fast reads with `tomllib`, minimal-diff writes with `tomlkit`.

Reading parses the whole file once with `tomllib` and scans it for table positions. Writing compares the
edited portfolio with the loaded one, and hands `tomlkit` only the projects that changed: untouched bytes
stay untouched, so comments, spacing, key order and unknown keys survive, and a one-field edit is a
one-line diff.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table
from tomlkit.container import Container, OutOfOrderTableProxy

from ..domain.codec import (
    Issue,
    portfolio_from_data,
    portfolio_header_data,
    project_from_data,
    project_to_data,
)
from ..domain.model import Portfolio, Project
from . import render
from .atomic import atomic_write, digest, read_digest
from .errors import FileChangedError, PortfolioLoadError, Problem, WriteBackError
from .scan import Layout, layout, lines_with_offsets, locate

_CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |\r?$)", re.M)
_AT_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass
class PortfolioDocument:
    """A portfolio as read from (or last saved to) a file: the text, its layout and the parsed model."""

    portfolio: Portfolio
    text: str
    path: Path | None = None
    digest: str | None = None  # of the bytes on disk when read or last written; None: not on disk yet
    _layout: Layout | None = field(default=None, repr=False)

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            self._layout = layout(self.text, len(self.portfolio.projects))
        return self._layout

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text[:2000] else "\n"

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "<new portfolio>"


# --- reading ------------------------------------------------------------------------------------------


def load(path: str | Path) -> PortfolioDocument:
    """Read and validate a portfolio file. Raises PortfolioLoadError listing every problem, or OSError."""
    path = Path(path)
    data = path.read_bytes()
    doc = loads_bytes(data, str(path))
    doc.path = path
    doc.digest = digest(data)
    return doc


def loads_bytes(data: bytes, filename: str = "<string>") -> PortfolioDocument:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise PortfolioLoadError([Problem(filename, line, col, "the file is not valid UTF-8 text")]) from None
    return loads(text, filename)


def loads(text: str, filename: str = "<string>") -> PortfolioDocument:
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        problems.append(Problem(filename, 1, 1, "the file starts with a byte-order mark (BOM); save it as "
                                "UTF-8 without a BOM"))  # fmt: skip
        text = text[1:]
    for m in _CONFLICT_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(Problem(filename, line, 1, f"leftover git conflict marker '{m.group(1)}': resolve the "
                                "merge (or use `fsdl-tui git-setup` so git merges portfolios by project)"))  # fmt: skip
    if any("conflict marker" in p.message for p in problems):
        raise PortfolioLoadError(problems)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_RE.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()].strip()
        else:
            line, col = text.count("\n") + 1, 1
            msg = msg.replace("(at end of document)", "").strip() + " at the end of the file"
        problems.append(Problem(filename, line, col, f"TOML syntax error: {msg[:1].lower() + msg[1:]}"))
        raise PortfolioLoadError(problems) from None
    portfolio, issues = portfolio_from_data(data)
    doc = PortfolioDocument(portfolio, text)
    if issues:
        problems.extend(_problems(doc, filename, issues))
    if problems:
        raise PortfolioLoadError(problems)
    return doc


def _problems(doc: PortfolioDocument, filename: str, issues: list[Issue]) -> list[Problem]:
    lay = layout(doc.text, -1)  # project count unknown when invalid: positions come from headers
    lay.standard = True
    out = []
    for issue in issues:
        line, col = locate(lay, issue.path)
        out.append(Problem(filename, line, col, issue.message))
    return sorted(out, key=lambda p: (p.line, p.col))


def validate_project(project_data: dict[str, Any]) -> list[Issue]:
    return project_from_data(project_data)[1]


# --- writing ------------------------------------------------------------------------------------------

_MISSING = object()


_TABLE_PARENTS = ("plugins", "scoring")


def _to_item(v: Any, as_table: bool = False) -> Any:
    """A tomlkit item for a new value: a `[table]` when `as_table`, else an inline value in canonical form."""
    if as_table and isinstance(v, dict):
        nested = all(isinstance(x, dict) for x in v.values()) and bool(v)
        t = tomlkit.table(is_super_table=nested)
        for k, x in v.items():
            t[k] = _to_item(x, as_table=nested)
        return t
    return tomlkit.parse(f"v = {render.value(v)}\n")["v"]


def _is_table(x: Any) -> bool:
    return isinstance(x, (Table, InlineTable, Container, OutOfOrderTableProxy, dict))


def apply_changes(container: Any, old: dict[str, Any], new: dict[str, Any], depth: int = 0, parent: str = "") -> None:
    """Make the tomlkit `container` hold `new`, given it held `old`, touching only what differs.

    Depth 0 is the project (or the document); dicts there become `[tables]`, as do `plugins.NAME` and
    `scoring.NAME`; deeper dicts are inline tables. A list that only grew at its end is appended to, so a new
    history entry is one new line.
    """
    for k in old:
        if k not in new and k in container:
            del container[k]
    for k, nv in new.items():
        ov = old.get(k, _MISSING)
        if ov == nv:
            continue
        cur = container[k] if k in container else _MISSING
        if isinstance(nv, dict) and isinstance(ov, dict) and _is_table(cur):
            apply_changes(cur, ov, nv, depth + 1, k)
        elif (
            isinstance(nv, list) and isinstance(ov, list) and isinstance(cur, Array)
            and 0 < len(ov) < len(nv) and nv[: len(ov)] == ov
        ):  # fmt: skip
            for x in nv[len(ov) :]:
                cur.append(_to_item(x))
        else:
            container[k] = _to_item(nv, as_table=depth == 0 or (depth == 1 and parent in _TABLE_PARENTS))


def _is_empty(v: Any) -> bool:
    return v in ("", [], {}) or v is None


def _edit_project_text(seg_text: str, old: Project, new: Project) -> str:
    doc = tomlkit.parse(seg_text)
    unedited = tomlkit.dumps(doc)
    apply_changes(doc["projects"][0], project_to_data(old), project_to_data(new))
    return keep_untouched_lines(seg_text, unedited, tomlkit.dumps(doc))


def keep_untouched_lines(original: str, unedited: str, edited: str) -> str:
    """`edited`, but with every line the edit did not touch taken from `original`.

    tomlkit round-trips most text exactly, but not all (e.g. it drops the space in `date = 2025-01-01 }`).
    Diffing its unedited rendering against its edited one tells which lines the edit changed; all other
    lines are copied from the original text, so a one-field edit stays a one-line diff.
    """
    if unedited == original:
        return edited
    orig_lines = original.splitlines(keepends=True)
    base_lines = unedited.splitlines(keepends=True)
    if len(orig_lines) != len(base_lines):
        return edited
    new_lines = edited.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, base_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        out.extend(orig_lines[i1:i2] if tag == "equal" else new_lines[j1:j2])
    return "".join(out)


def _check_roundtrip(text: str, expected: Project, where: str) -> None:
    try:
        data = tomllib.loads(text)["projects"][0]
    except (tomllib.TOMLDecodeError, KeyError, IndexError) as exc:
        raise WriteBackError(f"{where}: internal error writing project '{expected.id}': {exc}") from None
    got, issues = project_from_data(data)
    if issues or got is None or project_to_data(got) != project_to_data(expected):
        raise WriteBackError(f"{where}: internal error: project '{expected.id}' would not read back as edited; "
                             "nothing was written")  # fmt: skip


def _fix_newlines(text: str, newline: str) -> str:
    if newline == "\n":
        return text
    return re.sub(r"(?<!\r)\n", "\r\n", text)


def render_text(doc: PortfolioDocument, new: Portfolio) -> str:
    """The file text for `new`, changing only what differs from `doc.portfolio`."""
    old = doc.portfolio
    if new is old:
        return doc.text
    header_changed = portfolio_header_data(old) != portfolio_header_data(new)
    lay = doc.layout
    if header_changed or not lay.standard:
        return _render_full(doc, new)
    new_ids = {p.id for p in new.projects}
    pieces: list[str] = []
    last_project_piece = -1
    for seg in lay.segments:
        text = lay.segment_text(seg)
        if seg.kind == "project":
            before = old.projects[seg.project_index]
            after = new.get(before.id)
            if after is None or before.id not in new_ids:
                # Removed. Its blank-line separator goes with it: the piece before keeps one ending.
                if pieces and not text.endswith(("\n\n", "\n\r\n")) and pieces[-1].endswith(("\n\n", "\n\r\n")):
                    pieces[-1] = pieces[-1][: -len(doc.newline)]
                continue
            if after is not before and project_to_data(after) != project_to_data(before):
                text = _fix_newlines(_edit_project_text(text, before, after), doc.newline)
                _check_roundtrip(text, after, doc.label)
            pieces.append(text)
            last_project_piece = len(pieces) - 1
        else:
            pieces.append(text)
    added = [p for p in new.projects if p.id not in old]
    if added:
        for p in added:
            _check_roundtrip(render.project(p), p, doc.label)
        i = last_project_piece if last_project_piece >= 0 else len(pieces) - 1
        pieces[i] = _append_projects(pieces[i], added, doc.newline)
    return "".join(pieces)


def _render_full(doc: PortfolioDocument, new: Portfolio) -> str:
    """Slow path for header edits or unusual layouts: one tomlkit parse of the whole file."""
    old = doc.portfolio
    tdoc = tomlkit.parse(doc.text)
    old_h, new_h = portfolio_header_data(old), portfolio_header_data(new)
    apply_changes(tdoc, old_h, new_h)
    old_by_id = {p.id: p for p in old.projects}
    if "projects" in tdoc:
        arr = tdoc["projects"]
        keep = []
        for item in list(arr):
            pid = item.get("id")
            if pid in old_by_id and pid not in new:
                continue
            keep.append(item)
            after = new.get(pid) if pid else None
            if after is not None and pid in old_by_id and after is not old_by_id[pid]:
                apply_changes(item, project_to_data(old_by_id[pid]), project_to_data(after))
        if len(keep) != len(arr):
            while len(arr):
                arr.pop(0) if isinstance(arr, list) else arr.__delitem__(0)
            for item in keep:
                arr.append(item)
    text = _fix_newlines(tomlkit.dumps(tdoc), doc.newline)
    added = [p for p in new.projects if p.id not in old_by_id]
    return _append_projects(text, added, doc.newline) if added else text


def _append_projects(text: str, projects: list[Project], newline: str) -> str:
    """`text` with new projects after it, one blank line apart, keeping the blank lines it ended with."""
    stripped = text.rstrip("\r\n")
    trailing = text[len(stripped) :] or newline
    if not trailing.endswith(newline):
        trailing = newline
    body = newline.join(_fix_newlines(render.project(p), newline) for p in projects)
    if not stripped:
        return body
    return stripped + newline + newline + body.rstrip("\r\n") + trailing


def save(doc: PortfolioDocument, new: Portfolio, path: str | Path | None = None, *, force: bool = False) -> PortfolioDocument:
    """Write `new` to `path` (default: where `doc` came from) atomically, as a minimal diff of `doc`.

    Refuses (FileChangedError) when the file on disk is not what was read, unless `force`.
    Returns the document for the saved state, to pass to the next save.
    """
    target = Path(path) if path is not None else doc.path
    if target is None:
        raise ValueError("no path to save to")
    text = render_text(doc, new)
    data = text.encode("utf-8")
    if not force:
        on_disk = read_digest(target)
        same_file = doc.path is not None and Path(target) == doc.path
        expected = doc.digest if same_file else None
        if on_disk != expected and not (on_disk is None and expected is None):
            raise FileChangedError(str(target))
    atomic_write(target, data)
    return PortfolioDocument(new, text, target, digest(data))


def new_document(portfolio: Portfolio) -> PortfolioDocument:
    """A document not yet on disk, in canonical layout. Its first save creates the file and refuses to
    replace an existing one."""
    base = loads(starter_text(portfolio))
    text = render_text(base, portfolio)
    return PortfolioDocument(portfolio, text)


def starter_text(portfolio: Portfolio) -> str:
    """A commented starter file for a portfolio with no projects yet."""
    s = portfolio.settings
    return (
        "# An ML project portfolio for fsdl-tui.\n"
        "# Prioritize by high impact and low cost, after Full Stack Deep Learning (2022, lecture 1).\n"
        "# Edit it in fsdl-tui, with `fsdl-tui set`, or by hand: comments and unknown keys are kept.\n"
        "# Format: docs/format.md\n"
        f"schema_version = {portfolio.schema_version}\n"
        f"name = {render.string(portfolio.name)}\n"
        f"description = {render.value(portfolio.description)}\n"
        "\n[settings]\n"
        f"default_scorer = {render.string(s.default_scorer)}  # fsdl | weighted | a plugin's scorer\n"
        f"impact_threshold = {render.value(float(s.impact_threshold))}  # impact at or above this is high\n"
        f"feasibility_threshold = {render.value(float(s.feasibility_threshold))}  # feasibility at or above this is high\n"
    )
