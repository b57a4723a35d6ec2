"""Suite-wide settings.

Collection order: the tests marked `slow` run first, so that under pytest-xdist (the README's `-n auto --dist
worksteal`) the long ones start at once on every worker and the short ones fill in around them, instead of one
long test starting last and running alone.

The garbage collector: once everything is imported and collected, the objects alive then (modules, classes, the
collected tests) are frozen out of the collector's view, and it runs after 10,000 net allocations rather than
700. An app test builds and drops tens of thousands of widget, style and strip objects; with the defaults,
about a third of its processor time went to collections that walked the whole import graph again and again.
Nothing tested depends on when the collector runs (the loader's own pause of it is tested in test_storage.py)."""

from __future__ import annotations

import gc

import pytest

GC_THRESHOLD = (10_000, 10, 10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the order within each group stays


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
