"""Lifecycle moves. Moving back is normal in ML projects (FSDL lecture 1) and is recorded with its reason."""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace

from . import framework as fw
from .model import Move, Project


class MoveRefused(ValueError):
    """A move that the framework's rules do not allow as asked; the message says why and what to do."""

    def __init__(self, message: str, open_items: tuple[fw.Item, ...] = ()) -> None:
        super().__init__(message)
        self.open_items = open_items


def is_backward(from_stage: str, to_stage: str) -> bool:
    return fw.STAGE_INDEX[to_stage] < fw.STAGE_INDEX[from_stage]


def loop_back_reasons(from_stage: str, to_stage: str) -> list[str]:
    """The lecture's reasons for looping back from `from_stage` to `to_stage` (may be empty)."""
    return [reason for target, reason in fw.LOOP_BACK_REASONS.get(from_stage, ()) if target == to_stage]


def move(
    project: Project,
    to_stage: str,
    *,
    note: str = "",
    date: _dt.date | None = None,
    force: bool = False,
) -> Project:
    """Return the project moved to `to_stage` with the move appended to its history.

    Refused (MoveRefused) when: the stage is unknown or unchanged; the move is backward without a reason;
    the project leaves planning with open gate items and `force` is false. A forced move records the
    override in the history note.
    """
    if to_stage not in fw.STAGE_INDEX:
        raise MoveRefused(f"unknown stage '{to_stage}': expected one of {', '.join(fw.STAGE_IDS)}")
    current = project.lifecycle.stage
    if to_stage == current:
        raise MoveRefused(f"'{project.id}' is already in '{to_stage}'")
    note = note.strip()
    if is_backward(current, to_stage) and not note:
        hints = loop_back_reasons(current, to_stage)
        hint = f" (for example: {'; '.join(hints)})" if hints else ""
        raise MoveRefused(f"moving '{project.id}' back from '{current}' to '{to_stage}' needs a reason{hint}")
    if current == "planning" and not is_backward(current, to_stage):
        open_items = tuple(project.open_gate_items())
        if open_items and not force:
            listing = "; ".join(f"{i.label}: {i.question}" for i in open_items)
            raise MoveRefused(
                f"'{project.id}' leaves planning with {len(open_items)} open gate item(s): {listing}",
                open_items,
            )
        if open_items:
            override = "gate overridden with open items: " + ", ".join(i.id for i in open_items)
            note = f"{note} ({override})" if note else override
    entry = Move(current, to_stage, date or _dt.date.today(), note)
    lifecycle = replace(project.lifecycle, stage=to_stage, history=project.lifecycle.history + (entry,))
    return replace(project, lifecycle=lifecycle)


def new_project(project_id: str, title: str, **fields: object) -> Project:
    """A new project in planning, with every gate item and feasibility step present and open."""
    from .model import Check
    from .schema import ID_RE

    if not ID_RE.fullmatch(project_id):
        raise ValueError(f"project id '{project_id}' must be a slug: lowercase letters, digits, '-' and '_'")
    gate = {g.id: Check() for g in fw.GATE_ITEMS}
    steps = {s.id: Check() for s in fw.FEASIBILITY_STEPS}
    return Project(id=project_id, title=title, gate=gate, feasibility=steps, **fields)  # type: ignore[arg-type]


def slugify(title: str, taken: object = ()) -> str:
    """An id proposed from a title: lowercase, dashes, unique among `taken`."""
    import re

    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "project"
    if not base[0].isalnum():
        base = "p-" + base
    candidate, n = base, 2
    while candidate in taken:  # type: ignore[operator]
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# --- status: hold, resume, kill, revive -----------------------------------------------------------------

# What each change of status is called, by (old status, new status); the CLI's commands have these names.
STATUS_CHANGES: dict[tuple[str, str], str] = {
    ("active", "on-hold"): "hold",
    ("on-hold", "active"): "resume",
    ("active", "killed"): "kill",
    ("on-hold", "killed"): "kill",
    ("killed", "active"): "revive",
    ("killed", "on-hold"): "hold",
}
# The status each command leads to, and the statuses it may start from.
STATUS_COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "hold": ("on-hold", ("active", "killed")),
    "resume": ("active", ("on-hold",)),
    "kill": ("killed", ("active", "on-hold")),
    "revive": ("active", ("killed",)),
}
NEEDS_REASON = frozenset(("kill",))  # killing needs a reason; holding, resuming and reviving may give one


def change_status(
    project: Project,
    status: str,
    reason: str = "",
    date: _dt.date | None = None,
) -> Project:
    """Return the project with `status` (active, on-hold or killed) and the change appended to its history
    as `{ status, date, note = reason }`; `status_reason` holds the reason while not active.

    Refused (MoveRefused) when the status is unknown or unchanged, or when killing without a reason (holding,
    resuming and reviving may give one). The stage does not change.
    """
    if status not in fw.STATUSES:
        raise MoveRefused(f"unknown status '{status}': expected one of {', '.join(fw.STATUSES)}")
    current = project.lifecycle.status
    if status == current:
        raise MoveRefused(f"'{project.id}' is already {status}")
    reason = reason.strip()
    name = STATUS_CHANGES.get((current, status), status)
    if name in NEEDS_REASON and not reason:
        raise MoveRefused(f"to {name} '{project.id}' ({current} -> {status}) needs a reason")
    stage = project.lifecycle.stage
    entry = Move(stage, stage, date or _dt.date.today(), reason, status)
    lifecycle = replace(
        project.lifecycle,
        status=status,
        status_reason="" if status == "active" else reason,
        history=project.lifecycle.history + (entry,),
    )
    return replace(project, lifecycle=lifecycle)


def status_command(project: Project, command: str, reason: str = "", date: _dt.date | None = None) -> Project:
    """`change_status` by the command's name (hold, resume, kill, revive), refused when the project's status
    is not one the command starts from (resume a project that is not on hold, say)."""
    if command not in STATUS_COMMANDS:
        raise MoveRefused(f"unknown status change '{command}': expected one of {', '.join(STATUS_COMMANDS)}")
    status, starts = STATUS_COMMANDS[command]
    current = project.lifecycle.status
    if current not in starts:
        raise MoveRefused(f"cannot {command} '{project.id}': it is {current}, not {' or '.join(starts)}")
    return change_status(project, status, reason, date)


def record_status_change(before: Project, after: Project, date: _dt.date | None = None) -> Project:
    """`after` (an edit of `before`, e.g. by `set lifecycle.status=...` or a form) with its change of status,
    if any, recorded in the history like `change_status` does: the reason is `after`'s `status_reason`."""
    if after.lifecycle.status == before.lifecycle.status:
        return after
    if after.lifecycle.history != before.lifecycle.history:
        return after  # the edit recorded it already
    was = replace(after, lifecycle=replace(after.lifecycle, status=before.lifecycle.status))
    return change_status(was, after.lifecycle.status, after.lifecycle.status_reason, date)
