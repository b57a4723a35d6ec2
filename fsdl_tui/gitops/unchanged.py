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
from collections.abc import Iterable, Sequence

from ..domain.model import Portfolio
from ..domain.schema import ID_RE
from ..storage import PortfolioDocument
from ..storage.scan import layout

# A backslash that may spell a letter (\u, \U) or join lines (a line-ending backslash in """ strings).
_ESCAPE_RE = re.compile(r"\\[uU \t\r\n]")
# A project segment's own header, as `render` writes it; any other spelling is read.
_PLAIN_HEADER_RE = re.compile(r"\[\[projects\]\][ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
_PREFIX = "fsdl-tui-unchanged"
_MAX_HITS = 5000  # occurrences of one id looked at; beyond it, reading everything costs about the same


class SharedProjects:
    """The segments of three versions (base, ours, theirs) and which project segments they all share."""

    def __init__(self, texts: Sequence[str], labels: Iterable[str] = ()) -> None:
        lays = [layout(t) for t in texts]
        self.standard = all(lay.standard for lay in lays)
        self.segments = [[(s.kind, lay.segment_text(s)) for s in lay.segments] for lay in lays]
        counts = [Counter(t for kind, t in segs if kind == "project") for segs in self.segments]
        base, ours, theirs = counts
        self.shared = {t for t, n in ours.items() if n == 1 and base.get(t) == 1 and theirs.get(t) == 1}
        self.newlines = [PortfolioDocument(Portfolio(), t).newline for t in texts]
        self._ours = texts[1]
        spans = [(s.offset, s.end_offset) for s in lays[1].segments if s.kind == "project"]
        self._starts = [a for a, _ in spans]
        self._ends = [b for _, b in spans]
        self.read = {t for t in self.shared if not _PLAIN_HEADER_RE.search(t)}
        self.read |= {h for h in (self._holder(m.start()) for m in _ESCAPE_RE.finditer(self._ours)) if h}
        n = 0
        others = [*texts, *labels]
        self.token = _PREFIX
        while any(self.token in t for t in others):
            n += 1
            self.token = f"{_PREFIX}{n}"
        self._stub_re = re.compile(
            r'\[\[projects\]\]\nid = "' + re.escape(self.token) + r'-(\d+)"\ntitle = "' + re.escape(self.token) + '"'
        )
        self._originals: list[str] = []

    def _holder(self, pos: int) -> str | None:
        """The shared segment (of ours) that holds position `pos` of ours' text, if any."""
        i = bisect_right(self._starts, pos) - 1
        if i < 0 or pos >= self._ends[i]:
            return None
        text = self._ours[self._starts[i] : self._ends[i]]
        return text if text in self.shared else None

    def mark(self, ids: Iterable[str]) -> int | None:
        """Read too each shared segment whose text names one of `ids` (slugs only: nothing else can be a
        project's id); how many were added, or None when an id is named too often to be worth it."""
        before = len(self.read)
        for pid in ids:
            if not ID_RE.match(pid):
                continue
            pos, hits = self._ours.find(pid), 0
            while pos >= 0:
                hits += 1
                if hits > _MAX_HITS:
                    return None
                holder = self._holder(pos)
                if holder is not None:
                    self.read.add(holder)
                pos = self._ours.find(pid, pos + len(pid))
        return len(self.read) - before

    def read_segments(self) -> set[str]:
        """The project segments of any version that are read: those not shared, and the shared ones marked."""
        return {t for segs in self.segments for kind, t in segs if kind == "project" and self._is_read(t)}

    def _is_read(self, text: str) -> bool:
        return text not in self.shared or text in self.read

    def close(self) -> bool:
        """Mark, until nothing more is named, the shared segments that name an id or a `depends_on` of a
        project read; False when that would be most of them (reading everything then costs no more)."""
        named: set[str] = set()
        seen: set[str] = set()
        while True:
            found: set[str] = set()
            for text in self.read_segments() - seen:
                found |= _names(text)
                seen.add(text)
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
        runs: list[list[str]] = []
        for text in aside:
            last = runs[-1][-1] if runs else None
            if last is not None and all(w[text] == w[last] + 1 for w in where):
                runs[-1].append(text)
            else:
                runs.append([text])
        first = {run[0]: k for k, run in enumerate(runs)}
        inside = {t for run in runs for t in run[1:]}
        self._originals = []
        stubs = []
        for k, run in enumerate(runs):
            whole = "".join(run)
            body = whole.rstrip("\r\n")
            self._originals.append(body)
            stubs.append(f'[[projects]]\nid = "{self.token}-{k}"\ntitle = "{self.token}"' + whole[len(body) :])
        out = []
        for segs in self.segments:
            parts = []
            for kind, text in segs:
                if kind != "project" or self._is_read(text):
                    parts.append(text)
                elif text in first:
                    parts.append(stubs[first[text]])
                elif text not in inside:  # pragma: no cover - a run stands together in every version
                    raise AssertionError("a shared segment outside its run")
            out.append("".join(parts))
        return out

    def restore(self, text: str) -> str | None:
        """`text` (a merge of the reduced versions) with each stub replaced by its segment's text; None
        unless every stub is there exactly once and the stubs' mark stands nowhere else."""
        found: list[int] = []

        def put(m: re.Match[str]) -> str:
            k = int(m.group(1))
            found.append(k)
            return self._originals[k] if k < len(self._originals) else m.group(0)

        out = self._stub_re.sub(put, text)
        n = len(self._originals)
        if len(found) != n or len(set(found)) != n or any(k >= n for k in found):
            return None
        if text.count(self.token) != 2 * n:
            return None
        return out


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
