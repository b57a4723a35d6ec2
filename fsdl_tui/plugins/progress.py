"""A progress line on stderr for long scoring in the command line: `rank(..., progress=line.update)`.

Shown only when the stream is a terminal and only once the work has taken longer than `delay` (1 s), so
quick commands, pipes and logs never see it; it never touches stdout. `close()` erases it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class ProgressLine:
    def __init__(
        self, stream: TextIO, label: str, *, delay: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.label = label
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.shown = False
        self._last = 0.0
        try:
            self.enabled = bool(stream.isatty())
        except (AttributeError, ValueError, OSError):
            self.enabled = False

    def update(self, done: int, total: int) -> None:
        """Called after each project (from any thread)."""
        if not self.enabled:
            return
        now = self.clock()
        if now - self.start < self.delay or (self.shown and now - self._last < 0.1 and done < total):
            return
        self._last = now
        self.shown = True
        self.stream.write(f"\r{self.label}: {done}/{total} projects\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
