"""The app's core without any UI: the open portfolio (session, undo, saves, the file watch), the scorers and
exporters, the ranking and the selection, and the decisions behind the app's flows.

Nothing here imports Textual or rich: the app (`fsdl_tui.tui`) holds one `Workspace` and asks it. Plugin
code (scorers, exporters) is only ever called through `contained`, which turns any exception, including
`SystemExit` and `KeyboardInterrupt`, into a `PluginFailure` naming the plugin; ranking with a scorer can run
on a daemon thread (`RankJob`) so a scorer that never returns cannot hold the app or its exit.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as _dt
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .domain import framework as fw
from .domain.lifecycle import slugify
from .domain.model import Lifecycle, Portfolio, Project
from .domain.schema import Field
from .scoring.base import (
    FsdlScorer,
    Ranked,
    RankRow,
    Score,
    Scorer,
    feasibility_of,
    impact_of,
    quadrant_of,
    ranked_in_order,
    safe_score,
)
from .storage import PortfolioDocument, PortfolioLoadError, SaveError, loads, new_document, render_text, save
from .storage.atomic import read_digest
from .storage.loading import collector_paused
from .storage.ratings import MAIN_FIELDS, RATING_FIELDS, RaterFile, load_ratings, rater_path, record_many

if TYPE_CHECKING:  # pragma: no cover
    from .decide.agreement import Agreement
    from .decide.plan import Plan
    from .decide.uncertainty import UncertaintyResult
    from .exporters.base import Exporter
    from .plugins.manager import PluginHost

UNDO_LIMIT = 200
BUILTIN_SCORERS = frozenset({"fsdl", "weighted"})
T = TypeVar("T")


# --- plugin calls, contained -------------------------------------------------------------------------------


def is_builtin(scorer: Scorer) -> bool:
    """A scorer of fsdl-tui itself (trusted), not plugin code."""
    return scorer.name in BUILTIN_SCORERS and type(scorer).__module__.startswith("fsdl_tui.")


class PluginFailure(Exception):
    """A call into plugin code raised (anything, `SystemExit` and `KeyboardInterrupt` included)."""

    def __init__(self, plugin: str, what: str, exc: BaseException) -> None:
        self.plugin, self.what, self.exc = plugin, what, exc
        super().__init__(f"plugin {plugin}: {what} failed: {type(exc).__name__}: {exc}")


def contained(plugin: str, what: str, call: Callable[[], T]) -> T:
    """Run `call`; whatever it raises comes back as a `PluginFailure` naming `plugin` and `what`."""
    try:
        return call()
    except BaseException as exc:  # noqa: BLE001 - plugin code: SystemExit and KeyboardInterrupt must not end the app
        raise PluginFailure(plugin, what, exc) from None


def contained_score(scorer: Scorer, project: Project, settings: Mapping[str, Any]) -> Score:
    """`safe_score`, with `BaseException` too: a scorer that calls `sys.exit()` gives an error score."""
    try:
        return safe_score(scorer, project, settings)
    except BaseException as exc:  # noqa: BLE001 - plugin code: contain everything
        return Score(None, (), f"{type(exc).__name__}: {exc}", error=True)


_Row = RankRow


def _row(i: int, p: Project, scorer: Scorer, settings: Mapping[str, Any], portfolio: Portfolio) -> _Row:
    """What the ranking needs of project `i` of the file: its score, impact, feasibility and quadrant."""
    s = contained_score(scorer, p, settings)
    imp, fea = impact_of(p), feasibility_of(p)
    return (i, p, s, imp, fea, quadrant_of(imp, fea, portfolio))


def rank_projects(
    portfolio: Portfolio,
    scorer: Scorer,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Ranked] | None:
    """Rank like `fsdl_tui.scoring.rank`, every scorer call contained; None when `cancelled()` turned true.

    `progress(done, total, project_id)` is called before each project is scored.
    """
    settings = portfolio.scoring.get(scorer.name, {})
    rows: list[_Row] = []
    total = len(portfolio.projects)
    for i, p in enumerate(portfolio.projects):
        if cancelled():
            return None
        if progress is not None:
            progress(i, total, p.id)
        rows.append(_row(i, p, scorer, settings, portfolio))
    if cancelled():
        return None
    return ranked_in_order(rows)


@dataclass(frozen=True)
class LoadStep:
    """One step of a progressive load (`LoadJob`): the projects read so far and, when it is time to show
    them, their ranking; the last step has the loaded document and the complete ranking."""

    portfolio: Portfolio | None  # the projects read so far (all of them in the last step); None with `ranked`
    ranked: list[Ranked] | None  # the ranking of those projects, or None (only the progress moved)
    done: int
    expected: int
    document: PortfolioDocument | None = None  # the loaded file, in the last step only


class LoadJob:
    """A portfolio file read piece by piece (`storage.stream.StreamLoad`) and ranked as it comes, with a
    built-in scorer (trusted and fast: it runs on the loading thread). `steps()` yields `LoadStep`s and raises
    what `storage.load` raises. Rankings are handed out when the projects read have doubled since the last
    one (the first piece at once), so the rows on screen follow the load at a cost linear in its size; the
    last step's ranking is `rank_projects` of the document's portfolio."""

    def __init__(
        self,
        path: Path,
        scorer: Scorer,
        *,
        gate: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        from .storage import stream

        self.path, self.scorer = path, scorer
        sizes = {"piece_bytes": stream.PIECE_BYTES, "first_piece_bytes": stream.FIRST_PIECE_BYTES}
        self.stream = stream.StreamLoad(path, gate=gate, cancelled=cancelled, **sizes)

    def steps(self) -> Iterator[LoadStep]:
        rows: list[_Row] = []
        shown = 0
        header: Portfolio | None = None
        for chunk in self.stream:
            if chunk.restart:
                rows = []
            # (a built-in scorer: its scores hold no cycles, and the collector would walk every project read
            # so far again as they are made; never paused across a yield)
            with collector_paused():
                if header is None or chunk.header != header:  # new settings: every row again with them
                    header = chunk.header
                    settings = header.scoring.get(self.scorer.name, {})
                    rows = [_row(r[0], r[1], self.scorer, settings, header) for r in rows]
                rows += [_row(len(rows) + k, p, self.scorer, settings, header) for k, p in enumerate(chunk.projects)]
            doc = self.stream.document
            if doc is not None:  # the last step: the document's projects, ranked as `rank_projects` ranks them
                final = doc.portfolio
                with collector_paused():  # (a built-in scorer: its scores hold no cycles; never across a yield)
                    if len(rows) != len(final.projects) or any(
                        r[1] is not p for r, p in zip(rows, final.projects, strict=True)
                    ):
                        rows = [_row(i, p, self.scorer, settings, final) for i, p in enumerate(final.projects)]
                    ranked = ranked_in_order(rows)
                yield LoadStep(final, ranked, len(rows), len(rows), doc)
                continue
            due = not shown or len(rows) >= 2 * shown
            if due:
                shown = len(rows)
                with collector_paused():
                    portfolio = header.replace(projects=tuple(r[1] for r in rows))
                    ranked = ranked_in_order(rows)
                yield LoadStep(portfolio, ranked, len(rows), chunk.expected)
            else:
                yield LoadStep(None, None, len(rows), chunk.expected)


class RankJob:
    """One ranking on a daemon thread: the caller polls it, can abandon it, and never waits on plugin code.

    A scorer that never returns leaves only this daemon thread behind: it cannot block the app's exit.
    """

    def __init__(self, portfolio: Portfolio, scorer: Scorer, version: int) -> None:
        self.portfolio, self.scorer, self.version = portfolio, scorer, version
        self.total = len(portfolio.projects)
        self.done_count = 0
        self.current: str | None = None
        self.call_started = time.monotonic()
        self.result: list[Ranked] | None = None
        self.finished = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rank-{scorer.name}", daemon=True)

    def start(self) -> RankJob:
        self._thread.start()
        return self

    def _progress(self, done: int, total: int, project_id: str) -> None:
        self.done_count, self.current, self.call_started = done, project_id, time.monotonic()

    def _run(self) -> None:
        try:
            self.result = rank_projects(
                self.portfolio, self.scorer, cancelled=self._cancel.is_set, progress=self._progress
            )
        except BaseException:  # noqa: BLE001 - nothing may escape a daemon thread; the result stays None
            self.result = None
        finally:
            self.finished.set()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def call_seconds(self) -> float:
        """How long the scorer has been on the current project."""
        return time.monotonic() - self.call_started


class DaemonCall(Generic[T]):
    """`call()` on a daemon thread: poll `finished`, then read `result` or `error`. Abandoning it is safe."""

    def __init__(self, call: Callable[[], T], name: str = "plugin-call") -> None:
        self.result: T | None = None
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._call = call
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, never raised on this thread
            self.error = exc
        finally:
            self.finished.set()


# --- the session: one open file --------------------------------------------------------------------------


@dataclass(frozen=True)
class DiskStamp:
    """What a cheap `stat` says about a file: enough to notice most changes without reading it."""

    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path | None) -> DiskStamp | None:
        if path is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_mtime_ns, st.st_size)


class Session:
    """One open portfolio: the document last read or saved, the edited value, and the undo history.

    The model is immutable, so undo is a stack of earlier `Portfolio` values. Saves go through
    `fsdl_tui.storage.save` (atomic, minimal diff), which refuses to overwrite a file that changed on disk.
    """

    def __init__(self, doc: PortfolioDocument, target: Path | None = None, *, complete: bool = True) -> None:
        self.doc = doc
        # Where the next save goes: the file it came from, or (new or sample portfolio) where it will be created.
        self.target: Path | None = doc.path or target
        self.portfolio: Portfolio = doc.portfolio
        self.undo_stack: list[tuple[Portfolio, str]] = []
        self.redo_stack: list[tuple[Portfolio, str]] = []
        self.stamp = DiskStamp.of(doc.path)
        # False while the file is still being read (`loading`): the portfolio holds only the projects read so far,
        # and nothing may change or save it.
        self.complete = complete

    @classmethod
    def loading(cls, path: Path) -> Session:
        """The session of a file that `LoadJob` is about to read: empty until its steps come in (`loaded`).
        The disk stamp is taken now, before the read, so a change while it loads is noticed afterwards."""
        return cls(PortfolioDocument(Portfolio(name=path.name), "", path), complete=False)

    def loaded(self, step: LoadStep) -> None:
        """Take a step of the load: the projects read so far, or (the last step) the document itself."""
        if step.document is not None:
            self.doc = step.document
            self.portfolio = step.document.portfolio
            self.complete = True
        elif step.portfolio is not None:
            self.doc.portfolio = self.portfolio = step.portfolio  # nothing to save: not dirty

    @property
    def dirty(self) -> bool:
        """Changes not saved yet (an untouched new file or sample is not dirty: there is nothing to lose)."""
        return self.portfolio is not self.doc.portfolio and self.portfolio != self.doc.portfolio

    @property
    def label(self) -> str:
        return self.target.name if self.target else "<unsaved>"

    def apply(self, portfolio: Portfolio, what: str) -> bool:
        """Make `portfolio` the current value, undoably. Returns False when nothing changed."""
        if portfolio == self.portfolio:
            return False
        if not self.complete:
            raise ValueError("the file is still loading: no change until it is read")
        self.undo_stack.append((self.portfolio, what))
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        self.portfolio = portfolio
        return True

    def undo(self) -> str | None:
        if not self.undo_stack:
            return None
        previous, what = self.undo_stack.pop()
        self.redo_stack.append((self.portfolio, what))
        self.portfolio = previous
        return what

    def redo(self) -> str | None:
        if not self.redo_stack:
            return None
        following, what = self.redo_stack.pop()
        self.undo_stack.append((self.portfolio, what))
        self.portfolio = following
        return what

    def edited_text(self) -> str:
        """The file text the current value would be saved as (a minimal diff of the document)."""
        return render_text(self.doc, self.portfolio)

    def save(self, path: Path | None = None, *, force: bool = False) -> Path:
        """Save to `path` (default: the target). Raises FileChangedError rather than overwrite a changed file;
        OSError or PortfolioError when the write fails (nothing changes then: the edits stay unsaved)."""
        target = Path(path) if path is not None else self.target
        if target is None:
            raise ValueError("no file to save to: use save as")
        if not self.complete:  # only part of the file is read: a save would lose the rest
            raise SaveError(str(target), "the file is still loading; nothing was written")
        self.doc = save(self.doc, self.portfolio, target, force=force)
        self.target = target
        self.stamp = DiskStamp.of(target)
        return target

    def disk_changed(self) -> bool:
        """True when the file on disk is not the one read or last saved (cheap stat first, then a digest)."""
        path = self.doc.path
        if path is None or not self.complete:  # while it loads, the digest to compare with is not known yet
            return False
        stamp = DiskStamp.of(path)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        return read_digest(path) != self.doc.digest

    def read_disk(self) -> PortfolioDocument:
        """The document on disk now, read as the app's load reads it (raises PortfolioLoadError or OSError)."""
        from .storage.stream import load_kept

        assert self.doc.path is not None
        return load_kept(self.doc.path)

    def reload(self, doc: PortfolioDocument | None = None) -> None:
        """Replace the current value with the file on disk, undoably (the edits stay on the undo stack)."""
        doc = doc or self.read_disk()
        if doc.portfolio != self.portfolio:
            self.undo_stack.append((self.portfolio, "reload"))
            self.redo_stack.clear()
        self.doc = doc
        self.portfolio = doc.portfolio
        self.stamp = DiskStamp.of(doc.path)

    def adopt_disk(self, doc: PortfolioDocument, merged: Portfolio) -> None:
        """Take the disk version as the new base and `merged` (ours on top of theirs) as the current value."""
        self.undo_stack.append((self.portfolio, "merge"))
        self.redo_stack.clear()
        self.doc = doc
        self.portfolio = merged
        self.stamp = DiskStamp.of(doc.path)


def new_session(portfolio: Portfolio, target: Path) -> Session:
    return Session(new_document(portfolio), target)


def merge_documents(
    base: PortfolioDocument, ours: Portfolio, theirs: PortfolioDocument
) -> tuple[Portfolio | None, list[str]]:
    """Merge ours onto theirs field by field (`fsdl_tui.gitops.merge.merge_texts`, the git merge driver's
    merge). Returns (merged, []) or (None, conflicts)."""
    from .gitops.merge import merge_texts

    with base.holding_text():  # (a large file's text, read back once)
        result = merge_texts(base.text, render_text(base, ours), theirs.text)
    if result.conflicts or not result.clean:
        return None, [str(c) for c in result.conflicts]
    try:
        return loads(result.text).portfolio, []
    except PortfolioLoadError as exc:
        return None, [str(p) for p in exc.problems]


# --- the flows' decisions ----------------------------------------------------------------------------------


def next_stage(p: Project) -> str | None:
    """The stage after the project's, or None in production."""
    i = fw.STAGE_INDEX[p.stage]
    return fw.STAGE_IDS[i + 1] if i + 1 < len(fw.STAGE_IDS) else None


def previous_stage(p: Project) -> str | None:
    """The stage before the project's, or None in planning."""
    i = fw.STAGE_INDEX[p.stage]
    return fw.STAGE_IDS[i - 1] if i > 0 else None


def duplicate_of(p: Project, taken: set[str]) -> Project:
    """A copy with a new unique id, back in planning with no history."""
    pid = slugify(p.id + "-copy", taken)
    return dataclasses.replace(p, id=pid, title=f"{p.title} (copy)", lifecycle=Lifecycle())


# Quick scoring from the table: the scores a meeting changes most, each 1..5 (field path, short label).
QUICK_FIELDS: tuple[tuple[str, str], ...] = (("impact.overall", "Impact"),) + tuple(
    (f"cost.{d.id}", {"data_availability": "Data", "accuracy_requirement": "Accuracy"}.get(d.id, "Difficulty"))
    for d in fw.COST_DRIVERS
)


def nudged(p: Project, path: str, delta: int) -> tuple[Project, int]:
    """`p` with the 1..5 score at `path` moved by `delta` (kept in 1..5; an unset score starts at 3), and the
    new value."""
    from .domain.fields import get_field, set_field

    old = get_field(p, path)
    value = 3 if not isinstance(old, int) else max(1, min(5, old + delta))
    return set_field(p, path, value), value


# --- the workspace: everything the app shows ----------------------------------------------------------------


@dataclass(frozen=True)
class PluginInfo:
    """What the plugins screen lists (from `PluginHost.info()`)."""

    records: tuple[Mapping[str, Any], ...]
    problems: tuple[str, ...]


class Workspace:
    """The open session (or none: a broken file is shown), the scorers and exporters, the ranking, the
    selection. The app reads it and calls its methods; it never touches the UI."""

    def __init__(self, session: Session | None, *, read_only: bool = False) -> None:
        self.session = session
        # Read-only (`open --read-only`, `serve` without --allow-edit): nothing is changed, saved or written.
        self.read_only = read_only
        self.scorers: dict[str, Scorer] = {"fsdl": FsdlScorer()}
        self.exporters: dict[str, Exporter] = {}
        self.plugin_host: PluginHost | None = None
        self.plugins: PluginInfo | None = None  # None: not loaded yet
        self.scorer: Scorer = self.scorers["fsdl"]
        self.ranked: list[Ranked] = []
        self.ranked_by_id: dict[str, Ranked] = {}
        # What `preview` needs of the ranking, made once per ranking: the (portfolio, scorer) that `rerank` ranked
        # the ranking from (None for any other ranking), and the ranked projects' sort keys in order.
        self._ranked_from: tuple[Portfolio, Scorer] | None = None
        self._rank_keys: list[tuple[float, int]] | None = None
        self.selected_id: str | None = None
        # Markers shown beside a project's title in the table, the board and the 2x2, by what sets them
        # (e.g. "plan": the projects the plan chose; "disputed": raters disagree). `marks(id)` joins them.
        self.markers: dict[str, dict[str, str]] = {}
        self.rating: RatingDraft | None = None  # the rating mode's grid, kept while the app runs
        self.decisions: Decisions | None = None  # the last agreement and rank odds (None: not computed)
        self.plan_budget: float | None = None  # the plan screen's budget, remembered for the session
        self.last_plan: Plan | None = None
        self.load_progress: tuple[int, int] | None = None  # (projects read, expected) while a file loads
        if session is not None:
            self.rerank()

    # --- loading a file progressively -----------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """A file is still being read: the projects shown are those read so far; no change, no save."""
        return self.session is not None and not self.session.complete

    def start_load(self, path: Path, *, gate: Callable[[int], None] | None = None) -> LoadJob:
        """Open `path` empty and return the job that reads it (run `steps()` off the UI thread and hand each
        step to `adopt_load_step`). It ranks with the current scorer, which is built in until plugins load."""
        self.session = Session.loading(path)
        self.load_progress = (0, 0)
        self.set_ranking([])
        scorer = self.scorer if is_builtin(self.scorer) else self.scorers.get("fsdl", FsdlScorer())
        return LoadJob(path, scorer, gate=gate)

    def adopt_load_step(self, step: LoadStep) -> bool:
        """Take one step of the load; True when the ranking changed (the rows to show)."""
        assert self.session is not None
        self.session.loaded(step)
        self.load_progress = None if step.document is not None else (step.done, step.expected)
        if step.ranked is None:
            return False
        self.set_ranking(step.ranked)
        return True

    def load_status(self) -> str:
        """`loading team.toml: 1,200 of 10,000 projects (12%)`, or "" when nothing is loading."""
        if self.load_progress is None or self.session is None:
            return ""
        done, expected = self.load_progress
        of = f" of {expected:,}" if expected > done else ""
        pct = f" ({100 * done // expected}%)" if expected > done else ""
        return f"loading {self.session.label}: {done:,}{of} projects{pct}…"

    def set_markers(self, kind: str, marks: Mapping[str, str]) -> None:
        """Replace one kind of markers (project id -> a short plain-text mark); an empty mapping clears it."""
        if marks:
            self.markers[kind] = dict(marks)
        else:
            self.markers.pop(kind, None)

    def marks(self, project_id: str) -> str:
        """The project's markers as one short plain string ("" when none), in the order the kinds were set."""
        return "".join(m[project_id] for m in self.markers.values() if project_id in m)

    # --- ranking -------------------------------------------------------------------------------------

    def is_builtin(self, scorer: Scorer) -> bool:
        """A scorer of fsdl-tui itself: fast and trusted, ranked inline. Any other runs off the UI thread."""
        return is_builtin(scorer)

    def rerank(self, scorer: Scorer | None = None) -> None:
        """Rank inline (built-in scorers; any scorer in tests and the CLI)."""
        assert self.session is not None
        ranked = rank_projects(self.session.portfolio, scorer or self.scorer)
        assert ranked is not None
        self.set_ranking(ranked, scorer)
        self._ranked_from = (self.session.portfolio, self.scorer)

    def set_ranking(self, ranked: list[Ranked], scorer: Scorer | None = None) -> None:
        if scorer is not None:
            self.scorer = scorer
        self.ranked = ranked
        self.ranked_by_id = {r.project.id: r for r in ranked}
        self._ranked_from, self._rank_keys = None, None
        self.selected_id = self.selection(self.selected_id)

    def preview(self, project: Project) -> Ranked | None:
        """How `project` (being edited) would rank now: with the current scorer when it is built in (fast and
        trusted, so it may run on every keystroke), else None (a plugin's scorer never runs on the UI thread)."""
        if self.session is None or not self.is_builtin(self.scorer):
            return None
        portfolio = self.session.portfolio
        current = self.ranked_by_id.get(project.id)
        if current is not None and current.project is project and self._ranked_from == (portfolio, self.scorer):
            return current  # as `rerank` ranked it (a form just opened): its row
        # Only the edited project is scored: the others keep their scores in the current ranking, so its rank is
        # where it would sort among them (as `rank_projects` of the edited portfolio sorts), at any size.
        i = portfolio.index_of(project.id) if project.id in portfolio else len(portfolio.projects)
        row = _row(i, project, self.scorer, portfolio.scoring.get(self.scorer.name, {}), portfolio)
        score = row[2]
        rank = None
        if score.value is not None:
            if self._rank_keys is None:  # once per ranking: each keystroke in the form then costs a bisection
                scored = (r for r in self.ranked if r.score.value is not None)
                self._rank_keys = sorted((-(r.score.value or 0.0), portfolio.index_of(r.project.id)) for r in scored)
            key = (-score.value, i)
            ahead = bisect.bisect_left(self._rank_keys, key)
            if current is not None and current.score.value is not None and (-current.score.value, i) < key:
                ahead -= 1  # its own place in the ranking does not count
            rank = 1 + ahead
        return Ranked(rank, *row[1:])

    def provisional(self) -> None:
        """While a scorer is still ranking: the last ranking's order and scores with the current projects,
        so an edit shows at once; new projects come last, marked as not ranked yet."""
        assert self.session is not None
        portfolio = self.session.portfolio
        out: list[Ranked] = []
        seen: set[str] = set()
        for r in self.ranked:
            p = portfolio.get(r.project.id)
            if p is not None:
                out.append(self._restanding(r.rank, p, r.score))
                seen.add(p.id)
        pending = Score.not_scorable("still ranking")
        out += [self._restanding(None, p, pending) for p in portfolio.projects if p.id not in seen]
        self.set_ranking(out)

    def _restanding(self, rank: int | None, p: Project, score: Score) -> Ranked:
        assert self.session is not None
        imp, fea = impact_of(p), feasibility_of(p)
        return Ranked(rank, p, score, imp, fea, quadrant_of(imp, fea, self.session.portfolio))

    def selection(self, wanted: str | None) -> str | None:
        """`wanted` when it is in the ranking, else the first project (None for an empty portfolio)."""
        if wanted in self.ranked_by_id:
            return wanted
        return self.ranked[0].project.id if self.ranked else None

    def provider(self, scorer_name: str) -> str:
        """The plugin that provides a scorer (for messages)."""
        host = self.plugin_host
        if host is not None:
            try:
                found = contained("?", "provider", lambda: host.provider("scorers", scorer_name))
            except PluginFailure:
                found = None
            if found:
                return found
        return "fsdl_tui" if scorer_name in BUILTIN_SCORERS else "(unknown plugin)"

    def scorer_errors(self) -> list[str]:
        """One line per project on which the scorer failed, naming the plugin."""
        owner = self.provider(self.scorer.name)
        return [
            f"plugin {owner}: scorer '{self.scorer.name}' failed on '{r.project.id}': {r.score.reason}"
            for r in self.ranked
            if r.score.error
        ]

    # --- plugins ---------------------------------------------------------------------------------------

    def adopt_plugins(self, host: PluginHost | None) -> str | None:
        """Take what the plugin host provides. Returns the scorer to switch to (the portfolio's default),
        or None to keep the current one."""
        self.plugin_host = host
        if host is None:
            self.plugins = PluginInfo((), ())
            return None
        portfolio = self.session.portfolio if self.session else None
        self.scorers = host.scorers(portfolio) or self.scorers
        self.exporters = host.exporters(portfolio)
        self.plugins = PluginInfo(tuple(host.info()), tuple(str(p) for p in host.problems))
        default = portfolio.settings.default_scorer if portfolio else "fsdl"
        if default in self.scorers and default != self.scorer.name:
            return default
        if self.scorer.name in self.scorers:
            self.scorer = self.scorers[self.scorer.name]
        return None

    def plugin_fields(self, scope: str = "project") -> tuple[Field, ...]:
        """The fields plugins declare (`PluginHost.fields`): of each project (`scope="project"`, the form and
        the detail pane) or the portfolio's plugin settings (`"portfolio"`); none before plugins load."""
        host = self.plugin_host
        if host is None:
            return ()
        portfolio = self.session.portfolio if self.session else None
        try:
            return contained("?", "fields", lambda: host.fields(portfolio, scope=scope))
        except PluginFailure:
            return ()

    def exporter_owner(self, name: str) -> str:
        """The plugin that provides exporter `name` ("fsdl_tui" for the built-in ones)."""
        portfolio = self.session.portfolio if self.session else None
        host = self.plugin_host
        if host is None:
            return "fsdl_tui"
        try:
            found = contained("?", "provider", lambda: host.provider("exporters", name, portfolio))
        except PluginFailure:
            return "(unknown plugin)"
        return found or "fsdl_tui"

    def export_call(self, name: str, date: _dt.date | None = None) -> Callable[[], str | bytes]:
        """Exporter `name` on the current portfolio and ranking, with the context the CLI's `export` gives
        (`exporters.context.export_context`: the scorer, the `date`, the exporter settings, the rows `visible`
        keeps), as a call to run on any thread: it raises only `PluginFailure` (naming the plugin)."""
        assert self.session is not None
        portfolio, ranked, scorer, path = self.session.portfolio, list(self.ranked), self.scorer, self.session.target
        host, owner = self.plugin_host, self.exporter_owner(name)
        if host is not None:
            from .exporters.context import export_context, visible

            def run() -> str | bytes:
                context = export_context(host, portfolio, scorer, portfolio_path=path, date=date or _dt.date.today())
                return host.export(portfolio, name, visible(ranked, context.exclude_inactive), context)

            return lambda: contained(owner, f"exporter '{name}'", run)
        exporter = self.exporters[name]
        return lambda: contained(owner, f"exporter '{name}'", lambda: exporter.export(portfolio, ranked, {}))

    def export(self, name: str, date: _dt.date | None = None) -> str | bytes:
        """Run exporter `name` now; PluginFailure (naming the plugin) when it fails."""
        return self.export_call(name, date)()

    # --- the selection and the edits -----------------------------------------------------------------------

    def selected(self) -> Project | None:
        if self.session is None or self.selected_id is None:
            return None
        return self.session.portfolio.get(self.selected_id)

    def taken_ids(self) -> set[str]:
        return {p.id for p in self.session.portfolio.projects} if self.session else set()

    def title(self) -> tuple[str, str]:
        """The app's title and subtitle: the name (● when modified) and where it saves."""
        s = self.session
        if s is None:
            return "fsdl-tui", ""
        title = ("● " if s.dirty or self.ratings_dirty else "") + s.portfolio.name
        where = str(s.target) if s.target else "unsaved"
        if s.doc.path is None:
            where += " (not created yet: the first save creates it)"
        if self.read_only:
            title += " (read-only)"
        return title, where + (" · modified" if s.dirty else "") + (" · ratings unsaved" if self.ratings_dirty else "")

    # --- deciding together: ratings, agreement, rank odds, the plan ----------------------------------------

    def ratings_target(self) -> Path | None:
        """The portfolio path the raters' files sit beside (`team.toml` -> `team.ratings/`)."""
        return self.session.target if self.session is not None else None

    def load_raters(self) -> list[RaterFile]:
        """Every rater's file (raises PortfolioLoadError with FILE:LINE:COL problems); [] before any rating."""
        target = self.ratings_target()
        return load_ratings(target) if target is not None else []

    def start_rating(self, rater: str) -> RatingDraft:
        """The grid for `rater` (kept when the same rater comes back: unsaved values survive leaving it)."""
        assert self.session is not None
        if self.rating is not None and self.rating.rater == rater.strip():
            self.rating.raters = self.load_raters()
            return self.rating
        self.rating = RatingDraft(rater.strip(), self.load_raters())
        return self.rating

    @property
    def ratings_dirty(self) -> bool:
        return self.rating is not None and self.rating.dirty

    def save_ratings(self) -> Path:
        """Write the rater's own file (`record_many`, atomic). Raises PortfolioError or OSError; the grid keeps
        its values then."""
        assert self.rating is not None
        target = self.ratings_target()
        if target is None:
            raise ValueError("no portfolio file to rate beside: save the portfolio first")
        return self.rating.save(target)

    def decision_inputs(self) -> tuple[Portfolio, Scorer, list[RaterFile]] | None:
        """What `compute_decisions` needs, read on the UI thread; None without a session or ratings."""
        if self.session is None:
            return None
        raters = self.load_raters()
        if not raters:
            return None
        return self.session.portfolio, self.scorer, raters

    def adopt_decisions(self, decisions: Decisions | None) -> None:
        """Keep the computed agreement and odds and mark the projects: `±N` (the widest spread across the
        raters on a main field), `!` (disputed), `≈` (tied with a neighbour in the ranking)."""
        self.decisions = decisions
        spread: dict[str, str] = {}
        disputed: dict[str, str] = {}
        tied: dict[str, str] = {}
        if decisions is not None:
            for pid, width in decisions.spreads().items():
                spread[pid] = f"±{width}"
            disputed = {pid: "!" for pid, _, _ in decisions.agreement.disputed}
            if decisions.odds is not None:
                tied = {o.project_id: "≈" for o in decisions.odds.projects if o.tied_with}
        self.set_markers("spread", spread)
        self.set_markers("disputed", disputed)
        self.set_markers("tied", tied)

    def plan_call(self, budget: float) -> Callable[[], Plan]:
        """The plan for `budget` person-weeks with the current scorer, as a call to run on any thread (it
        raises `PlanError` when no plan fits, `PluginFailure` when a plugin scorer fails)."""
        assert self.session is not None
        portfolio, scorer = self.session.portfolio, self.scorer
        owner = "fsdl_tui" if is_builtin(scorer) else self.provider(scorer.name)

        def run() -> Plan:
            from .decide.plan import PlanError, plan

            try:
                return plan(portfolio, scorer, budget)
            except PlanError:
                raise
            except BaseException as exc:  # noqa: BLE001 - the scorer may be plugin code
                raise PluginFailure(owner, f"scorer '{scorer.name}'", exc) from None

        return run

    def adopt_plan(self, result: Plan | None, budget: float | None = None) -> None:
        """Remember the plan and its budget; mark the chosen projects with ◆ (none when `result` is None)."""
        if budget is not None:
            self.plan_budget = budget
        self.last_plan = result
        self.set_markers("plan", {pid: "◆" for pid in result.chosen} if result is not None else {})
        if "plan" in self.markers:  # the plan's mark reads first: `◆±2! Title`
            self.markers = {"plan": self.markers.pop("plan"), **self.markers}


# --- deciding together, without the UI ------------------------------------------------------------------


def git_user_name(folder: Path) -> str | None:
    """`git config user.name` as seen from `folder`, or None (no git, no name, or it took too long)."""
    try:
        run = subprocess.run(
            ["git", "config", "user.name"], cwd=folder, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = run.stdout.strip()
    return name or None


class RatingDraft:
    """One rater's grid: their saved values, the values typed since, and what of the others' they may see.

    Blind: another rater's numbers for a project are visible only once this rater has rated that project
    (saved or typed), or after `reveal` (that project) or `reveal_all`.
    """

    def __init__(self, rater: str, raters: Sequence[RaterFile]) -> None:
        self.rater = rater
        self.raters = list(raters)
        own = next((r for r in self.raters if r.rater == rater), None)
        self.saved: dict[str, dict[str, int]] = {pid: dict(v) for pid, v in (own.scores if own else {}).items()}
        self.saved_notes: dict[str, str] = dict(own.notes) if own else {}
        self.values: dict[str, dict[str, int]] = {pid: dict(v) for pid, v in self.saved.items()}
        self.notes: dict[str, str] = dict(self.saved_notes)
        self.revealed: set[str] = set()
        self.reveal_all = False

    def value(self, project_id: str, field_name: str) -> int | None:
        return self.values.get(project_id, {}).get(field_name)

    def set(self, project_id: str, field_name: str, value: int | None) -> None:
        if field_name not in MAIN_FIELDS:
            raise ValueError(f"not a field of the grid: {field_name}")
        if value is not None and not 1 <= value <= 5:
            raise ValueError(f"{field_name}: {value} is out of range (1-5)")
        row = self.values.setdefault(project_id, {})
        if value is None:
            row.pop(field_name, None)
        else:
            row[field_name] = value
        if not row:
            self.values.pop(project_id)

    def set_note(self, project_id: str, note: str) -> None:
        if note.strip():
            self.notes[project_id] = note.strip()
        else:
            self.notes.pop(project_id, None)

    def rated(self, project_id: str) -> bool:
        return bool(self.values.get(project_id)) or bool(self.saved.get(project_id))

    def others(self) -> list[RaterFile]:
        return [r for r in self.raters if r.rater != self.rater]

    def visible(self, project_id: str) -> bool:
        """May this rater see the others' numbers for the project?"""
        return self.reveal_all or project_id in self.revealed or self.rated(project_id)

    def toggle_reveal(self, project_id: str) -> bool:
        """Reveal (or hide again) one project; returns whether it is revealed now."""
        if project_id in self.revealed:
            self.revealed.discard(project_id)
            return False
        self.revealed.add(project_id)
        return True

    def others_values(self, project_id: str) -> list[tuple[str, dict[str, int]]] | None:
        """(rater, values) of the others who rated the project; None while they are hidden (blind)."""
        if not self.visible(project_id):
            return None
        return [(r.rater, dict(r.scores[project_id])) for r in self.others() if r.rated(project_id)]

    def others_count(self, project_id: str) -> int:
        return sum(1 for r in self.others() if r.rated(project_id))

    def changes(self) -> list[tuple[str, dict[str, int | None], str | None]]:
        """The rows for `record_many`: per project, the grid's fields that differ from the file, and the note."""
        rows: list[tuple[str, dict[str, int | None], str | None]] = []
        for pid in sorted(set(self.values) | set(self.saved) | set(self.notes) | set(self.saved_notes)):
            new, old = self.values.get(pid, {}), self.saved.get(pid, {})
            diff: dict[str, int | None] = {f: new.get(f) for f in MAIN_FIELDS if new.get(f) != old.get(f)}
            note = self.notes.get(pid, "")
            note_change = note if note != self.saved_notes.get(pid, "") else None
            if diff or note_change is not None:
                rows.append((pid, diff, note_change))
        return rows

    @property
    def dirty(self) -> bool:
        return bool(self.changes())

    def save(self, portfolio_path: Path) -> Path:
        """Write the changes to the rater's own file in one atomic save; the grid is then clean."""
        path = record_many(portfolio_path, self.rater, self.changes())
        self.saved = {pid: dict(v) for pid, v in self.values.items()}
        self.saved_notes = dict(self.notes)
        self.raters = load_ratings(portfolio_path)
        return path

    def path(self, portfolio_path: Path) -> Path:
        return rater_path(portfolio_path, self.rater)


@dataclass(frozen=True)
class Decisions:
    """The raters' agreement and the rank odds under their disagreement (seeded: the same every time)."""

    agreement: Agreement
    odds: UncertaintyResult | None

    def spreads(self) -> dict[str, int]:
        """Each project's widest spread over the four main fields, for projects two or more raters rated."""
        out: dict[str, int] = {}
        for name in MAIN_FIELDS:
            fa = self.agreement.fields.get(name)
            for pc in fa.projects_consensus if fa is not None else []:
                if len(pc.values) >= 2:
                    out[pc.project_id] = max(out.get(pc.project_id, 0), pc.spread)
        return out


SHORT_FIELDS = {
    "impact": "impact",
    "data_availability": "data",
    "accuracy_requirement": "accuracy",
    "problem_difficulty": "difficulty",
}


@dataclass(frozen=True)
class AgreementRows:
    """The agreement as rows of plain text: what `fsdl-tui ratings` prints and the app's agreement screen shows."""

    fields: list[
        tuple[str, str, str, str, str]
    ]  # field, alpha (`*`: see notes), Kendall's W (over N), projects, raters
    notes: list[str]
    consensus_header: list[str]  # "id", then the rated main fields' short names
    consensus: list[tuple[str, ...]]  # id, then `median ±spread` (` !` when disputed) per field
    disputed: list[tuple[str, str, str, str, str]]  # id, field, spread, the raters at the low end, at the high end


def agreement_rows(ag: Agreement, project_ids: Sequence[str], *, disputed_limit: int = 10) -> AgreementRows:
    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    fields = [
        (
            RATING_FIELDS[name][1],
            num(fa.alpha) + (" *" if fa.alpha_note else ""),
            num(fa.kendall_w) + (f" (over {fa.w_projects})" if fa.kendall_w is not None else ""),
            str(fa.projects),
            str(fa.raters),
        )
        for name, fa in ag.fields.items()
    ]
    notes = [f"* {RATING_FIELDS[n][1]}: {fa.alpha_note}" for n, fa in ag.fields.items() if fa.alpha_note]
    shown = [f for f in MAIN_FIELDS if f in ag.fields]
    consensus: list[tuple[str, ...]] = []
    for pid in project_ids:
        cells = []
        for f in shown:
            pc = ag.consensus(pid, f)
            cells.append("-" if pc is None else f"{pc.median:g} ±{pc.spread}" + (" !" if pc.disputed else ""))
        if any(c != "-" for c in cells):
            consensus.append((pid, *cells))
    disputed = [
        (
            pid,
            RATING_FIELDS[name][1],
            str(pc.spread),
            ", ".join(f"{r} {pc.values[r]}" for r in pc.low),
            ", ".join(f"{r} {pc.values[r]}" for r in pc.high),
        )
        for pid, name, pc in ag.disputed[:disputed_limit]
    ]
    return AgreementRows(fields, notes, ["id", *(SHORT_FIELDS[f] for f in shown)], consensus, disputed)


DECISION_DRAWS = 300
DECISION_SEED = 0


def compute_decisions(
    portfolio: Portfolio, scorer: Scorer, raters: Sequence[RaterFile], *, draws: int = DECISION_DRAWS
) -> Decisions:
    """Agreement (`decide.agreement`) and rank odds (`decide.uncertainty.sample_ranks`, seeded). Imports numpy
    and scipy: call it off the UI thread. The odds use the built-in scorer when `scorer` is plugin code."""
    from .decide.agreement import agreement
    from .decide.uncertainty import sample_ranks

    ag = agreement(portfolio, raters)
    odds_scorer = scorer if is_builtin(scorer) else FsdlScorer()
    odds = sample_ranks(portfolio, odds_scorer, raters, draws=draws, seed=DECISION_SEED)
    return Decisions(ag, odds)


def ranked_ids(ranked: Sequence[Ranked]) -> list[str]:
    return [r.project.id for r in ranked]
