"""Suite-wide settings.

Collection order: the tests marked `slow` first, then the app's tests (tests/tui: one to eight seconds each),
then the rest (mostly well under a second). Under pytest-xdist (the README's `-n auto --dist worksteal`) each
worker starts on a contiguous share of that order and an idle worker steals from the end of the longest queue:
so the long tests start early and the short ones are what is left to share at the end, instead of one long test
starting last and running alone.

The garbage collector: once everything is imported and collected, the objects alive then (modules, classes, the
collected tests) are frozen out of the collector's view, and it runs after 10,000 net allocations rather than
700. An app test builds and drops tens of thousands of widget, style and strip objects; with the defaults,
about a third of its processor time went to collections that walked the whole import graph again and again.
Nothing tested depends on when the collector runs (the loader's own pause of it is tested in test_storage.py).

Bytecode: where PYTHONDONTWRITEBYTECODE is set, every process of a run (the xdist workers, and each
`python -m fsdl_tui` a test or git starts) compiled the package from source again, and pytest rewrote
every test module's asserts again, per process: some 20 s of processor time in a run. The suite writes the usual
`__pycache__` files (ignored by git) for itself and for the processes it starts; what is compiled, and what runs,
is the same either way.

`no_fsync`: for the tests of what a save or a cache write puts in a file (round trips, byte-equal paths,
diffs, fuzzed edits), not of whether it survives a crash: `os.fsync` does nothing there. Each save still
writes a temp file and replaces the old one; what is read back is the same. The flush to the disk itself is
tested where it matters (tests/test_storage.py, tests/test_storage_safety.py: a failing fsync, a save killed
at any moment). Some 3,000 fsyncs a run, each a wait for the disk."""

from __future__ import annotations

import gc
import os
import sys

import pytest

GC_THRESHOLD = (10_000, 10, 10)

# Loaded before pytest starts its xdist workers, which inherit the environment (as the suite's subprocesses do).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


@pytest.fixture
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def group(item: pytest.Item) -> tuple[bool, bool]:
        return item.get_closest_marker("slow") is None, "tui" not in item.path.parent.parts

    items.sort(key=group)  # stable: the order within each group stays


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
