"""Where `fsdl-tui add` puts a new project: in id order among the projects, not at the end of the file.

On a server that runs no merge driver (a pull request's merge button), git merges the file line by line,
and two branches that each append a project at the end of the file conflict: both insert at the same
place. A new project goes before the first project whose id sorts after its own (at the end only when
none does), so two new projects clash only when no existing project sorts between their ids. A sorted
file stays sorted.
"""

from __future__ import annotations

from ..domain.model import Portfolio, Project


def insert_by_id(portfolio: Portfolio, project: Project) -> Portfolio:
    """`portfolio` with the new `project` placed by id (an existing id is replaced where it stands)."""
    if project.id in portfolio:
        return portfolio.with_project(project)
    projects = list(portfolio.projects)
    at = next((i for i, p in enumerate(projects) if p.id > project.id), len(projects))
    projects.insert(at, project)
    return portfolio.replace(projects=tuple(projects))
