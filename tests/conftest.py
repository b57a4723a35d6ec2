"""Suite-wide collection order: the tests marked `slow` run first, so that under pytest-xdist (the README's
`-n auto --dist worksteal`) the long ones start at once on every worker and the short ones fill in around them,
instead of one long test starting last and running alone."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the order within each group stays
