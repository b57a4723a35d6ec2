"""Read-only views of what the host hands to plugins: frozen copies of projects, portfolios and settings.

A plugin never sees the app's own objects. Each view is a *copy* whose mappings are `FrozenDict`s (a dict
that refuses every change) and whose lists are tuples, all the way down; the dataclasses themselves are
already frozen. So `project.plugins["x"] = 1`, `project.gate["data"] = None` or `settings["k"] = v` raise
`TypeError`, `project.title = "x"` raises `dataclasses.FrozenInstanceError`, and even a plugin that goes
around that (`dict.__setitem__`, `object.__setattr__`) only changes its copy: nothing a plugin touched is
ever saved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from ..domain.model import Portfolio, Project
from ..scoring.base import Ranked


class FrozenDict(dict[str, Any]):
    """A dict that refuses changes: reading, iterating, `dict(d)`, `d | other` and JSON work as for a dict."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("read-only: fsdl-tui gives plugins read-only views (copy it with dict(...) to change it)")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: Any) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]  # immutable, so hashable
        return hash(tuple(self.items()))


def freeze(value: Any) -> Any:
    """A read-only deep copy: mappings become `FrozenDict`, lists and tuples tuples, sets frozensets."""
    if isinstance(value, Mapping):
        out = FrozenDict()
        for k, v in value.items():
            dict.__setitem__(out, k, freeze(v))
        return out
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(v) for v in value)
    return value


def project_view(project: Project) -> Project:
    """A copy of `project` with every mapping frozen (the rest of a project is frozen dataclasses and tuples)."""
    return dataclasses.replace(
        project,
        questions=freeze(project.questions),
        gate=freeze(project.gate),
        feasibility=freeze(project.feasibility),
        plugins=freeze(project.plugins),
        extra=freeze(project.extra),
    )


def portfolio_view(portfolio: Portfolio, projects: Iterable[Project] | None = None) -> Portfolio:
    """A copy of `portfolio` with frozen settings tables and project views (`projects`: views made already)."""
    return dataclasses.replace(
        portfolio,
        scoring=freeze(portfolio.scoring),
        plugins=freeze(portfolio.plugins),
        extra=freeze(portfolio.extra),
        projects=tuple(projects) if projects is not None else tuple(project_view(p) for p in portfolio.projects),
    )


def ranked_view(portfolio: Portfolio, ranked: Sequence[Ranked]) -> tuple[Portfolio, list[Ranked]]:
    """Views of a portfolio and its ranking for an exporter; the rows share the portfolio view's projects."""
    views = {id(p): project_view(p) for p in portfolio.projects}
    pf = portfolio_view(portfolio, views.values())
    rows = [dataclasses.replace(r, project=views.get(id(r.project)) or project_view(r.project)) for r in ranked]
    return pf, rows


__all__ = ["FrozenDict", "freeze", "portfolio_view", "project_view", "ranked_view"]
