"""The projects the three versions of a merge share byte for byte, set aside so that only the rest is read.

A merge of a large portfolio with a few edits on each side reads three files of which almost every project
segment (the storage line scanner's unit: a `[[projects]]` entry with its sub-tables and the comments above
it) is the same text in base, ours and theirs. Such a segment is taken unchanged by the merge whatever it
holds, so the merge need not parse it: `SharedProjects.reduced` writes each version with a small stand-in
project (a stub, with an id no file holds) in place of each shared segment, the merge runs on those small
texts, and `SharedProjects.restore` puts the shared text back in place of the stubs.

What the merge must still see of a shared project is what could tie it to a project that is read: its id or
a `depends_on` naming one (a duplicate id, a dependency on a removed project). Project ids are slugs, and a
slug inside a TOML string is written with its own letters unless an escape spells them (`\\u`, `\\U`, or a
line-ending backslash in a multi-line string): so a shared segment is read too when its text names an id
that a read project has or depends on, or has such an escape (`close`, repeated until nothing more is
named). Every relation between projects that differs between the versions then lies within what is read.
What is not looked at again is a shared segment on its own: the same text in all three versions, it is
copied into the result as it is, neither checked nor changed.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

from ..domain.model import Portfolio
from ..domain.schema import ID_RE
from ..storage import PortfolioDocument
from ..storage.scan import layout

# A backslash that may spell a letter (\u, \U) or join lines (a line-ending backslash in """ strings).
ESCAPE_RE = re.compile(r"\\[uU \t\r\n]")
# A project segment's own header, as `render` writes it; any other spelling is read.
PLAIN_HEADER_RE = re.compile(r"\[\[projects\]\][ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
TOKEN_PREFIX = "fsdl-tui-unchanged"
K = TypeVar("K", bound=Hashable)
MAX_HITS = 5000  # occurrences of one id looked at; beyond it, reading everything costs about the same


class Aside(Generic[K]):
    """What the text and the file versions of the three-way split share: which shared segments are read
    (`close`), the runs of the others that stubs stand for (`reduced`), and where the stubs stand in a merge
    of the reduced texts (`stubs_in`). A subclass gives each version's segments as (kind, identity): a
    project segment's identity is the same exactly when its text is; another segment's is its text."""

    segments: list[list[tuple[str, K]]]
    shared: set[K]
    read: set[K]
    standard: bool
    newlines: list[str]
    token: str

    def _share(self, segments: list[list[tuple[str, K]]], contains: Callable[[str], bool]) -> None:
        """`segments` per version; `contains(token)`: whether a version or a label holds `token`."""
        self.segments = segments
        counts = [Counter(t for kind, t in segs if kind == "project") for segs in segments]
        base, ours, theirs = counts
        self.shared = {t for t, n in ours.items() if n == 1 and base.get(t) == 1 and theirs.get(t) == 1}
        n = 0
        self.token = TOKEN_PREFIX
        while contains(self.token):
            n += 1
            self.token = f"{TOKEN_PREFIX}{n}"
        self._stub_re = re.compile(
            r'\[\[projects\]\]\nid = "' + re.escape(self.token) + r'-(\d+)"\ntitle = "' + re.escape(self.token) + '"'
        )

    def _text(self, ident: K) -> str:
        """The text of a segment (any version's) by its identity."""
        raise NotImplementedError

    def mark(self, ids: Iterable[str]) -> int | None:
        """Read too each shared segment whose text names one of `ids` (slugs only: nothing else can be a
        project's id); how many were added, or None when an id is named too often to be worth it."""
        raise NotImplementedError

    def _run_texts(self, runs: list[list[K]]) -> list[str]:
        """Per run, the line ending(s) its text ends with (what the stub ends with), keeping what the run
        stands for to put back."""
        raise NotImplementedError

    def read_segments(self) -> set[K]:
        """The project segments of any version that are read: those not shared, and the shared ones marked."""
        return {t for segs in self.segments for kind, t in segs if kind == "project" and self._is_read(t)}

    def _is_read(self, ident: K) -> bool:
        return ident not in self.shared or ident in self.read

    def close(self) -> bool:
        """Mark, until nothing more is named, the shared segments that name an id or a `depends_on` of a
        project read; False when that would be most of them (reading everything then costs no more)."""
        named: set[str] = set()
        seen: set[K] = set()
        while True:
            found: set[str] = set()
            for ident in self.read_segments() - seen:
                found |= _names(self._text(ident))
                seen.add(ident)
            added = self.mark(found - named)
            named |= found
            if added is None or len(self.read) * 2 > len(self.shared):
                return False
            if not added:
                return True

    def reduced(self) -> list[str]:
        """Each version's text with a stub in place of every run of shared segments that are not read and
        stand one after another, in the same order, in all three versions."""
        aside = [t for kind, t in self.segments[1] if kind == "project" and not self._is_read(t)]
        where = [{t: i for i, (kind, t) in enumerate(segs) if kind == "project"} for segs in self.segments]
        runs: list[list[K]] = []
        for ident in aside:
            last = runs[-1][-1] if runs else None
            if last is not None and all(w[ident] == w[last] + 1 for w in where):
                runs[-1].append(ident)
            else:
                runs.append([ident])
        first = {run[0]: k for k, run in enumerate(runs)}
        inside = {t for run in runs for t in run[1:]}
        ends = self._run_texts(runs)
        self._count = len(runs)
        stubs = [f'[[projects]]\nid = "{self.token}-{k}"\ntitle = "{self.token}"' + end for k, end in enumerate(ends)]
        out = []
        for segs in self.segments:
            parts = []
            for kind, ident in segs:
                if kind != "project" or self._is_read(ident):
                    parts.append(self._text(ident))
                elif ident in first:
                    parts.append(stubs[first[ident]])
                elif ident not in inside:  # pragma: no cover - a run stands together in every version
                    raise AssertionError("a shared segment outside its run")
            out.append("".join(parts))
        return out

    def stubs_in(self, text: str) -> list[tuple[int, int, int]] | None:
        """Where each stub stands in `text` (a merge of the reduced versions): (start, end, run), in order;
        None unless every stub is there exactly once and the stubs' mark stands nowhere else."""
        found = [(m.start(), m.end(), int(m.group(1))) for m in self._stub_re.finditer(text)]
        n = self._count
        ks = [k for _, _, k in found]
        if len(ks) != n or len(set(ks)) != n or any(k >= n for k in ks):
            return None
        if text.count(self.token) != 2 * n:
            return None
        return found


class SharedProjects(Aside[str]):
    """The segments of three versions (base, ours, theirs), held as texts, and which project segments they
    all share."""

    def __init__(self, texts: Sequence[str], labels: Iterable[str] = ()) -> None:
        lays = [layout(t) for t in texts]
        self.standard = all(lay.standard for lay in lays)
        others = [*texts, *labels]
        self._share(
            [[(s.kind, lay.segment_text(s)) for s in lay.segments] for lay in lays],
            lambda token: any(token in t for t in others),
        )
        self.newlines = [PortfolioDocument(Portfolio(), t).newline for t in texts]
        self._ours = texts[1]
        spans = [(s.offset, s.end_offset) for s in lays[1].segments if s.kind == "project"]
        self._starts = [a for a, _ in spans]
        self._ends = [b for _, b in spans]
        self.read = {t for t in self.shared if not PLAIN_HEADER_RE.search(t)}
        self.read |= {h for h in (self._holder(m.start()) for m in ESCAPE_RE.finditer(self._ours)) if h}
        self._originals: list[str] = []

    def _text(self, ident: str) -> str:
        return ident

    def _holder(self, pos: int) -> str | None:
        """The shared segment (of ours) that holds position `pos` of ours' text, if any."""
        i = bisect_right(self._starts, pos) - 1
        if i < 0 or pos >= self._ends[i]:
            return None
        text = self._ours[self._starts[i] : self._ends[i]]
        return text if text in self.shared else None

    def mark(self, ids: Iterable[str]) -> int | None:
        before = len(self.read)
        for pid in ids:
            if not ID_RE.match(pid):
                continue
            pos, hits = self._ours.find(pid), 0
            while pos >= 0:
                hits += 1
                if hits > MAX_HITS:
                    return None
                holder = self._holder(pos)
                if holder is not None:
                    self.read.add(holder)
                pos = self._ours.find(pid, pos + len(pid))
        return len(self.read) - before

    def _run_texts(self, runs: list[list[str]]) -> list[str]:
        self._originals = []
        ends = []
        for run in runs:
            whole = "".join(run)
            body = whole.rstrip("\r\n")
            self._originals.append(body)
            ends.append(whole[len(body) :])
        return ends

    def restore(self, text: str) -> str | None:
        """`text` (a merge of the reduced versions) with each stub replaced by its segment's text; None
        unless every stub is there exactly once and the stubs' mark stands nowhere else."""
        found = self.stubs_in(text)
        if found is None:
            return None
        out, at = [], 0
        for start, end, k in found:
            out += [text[at:start], self._originals[k]]
            at = end
        out.append(text[at:])
        return "".join(out)


def _names(text: str) -> set[str]:
    """The id and the `depends_on` of the project in a segment's text (nothing when it does not parse:
    the merge then reads it and reports it)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return set()
    out: set[str] = set()
    for p in data.get("projects", []) if isinstance(data.get("projects"), list) else []:
        if isinstance(p, dict):
            deps = p.get("depends_on")
            out |= {x for x in [p.get("id"), *(deps if isinstance(deps, list) else [])] if isinstance(x, str)}
    return out
