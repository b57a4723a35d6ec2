"""The portfolio as a table, and summary statistics over it.

`records()` flattens each ranked project into one plain dict (all fields and scores); exporters, the
`rank` command and `frame()` share it. `frame()` and `stats()` use pandas, imported inside the functions
only, so that importing this module (and starting the app) never pays for pandas.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import present
from .domain import framework as fw
from .domain import schema as sc
from .domain.model import Portfolio, Project
from .scoring.base import Ranked, Score, Scorer, rank

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SEP = "; "  # joins list fields (tags, links, ...) into one cell


# After the ranking's own columns, these fields first (the overview), then every other field in schema order.
LEAD_FIELDS = ("archetype", "lifecycle.stage", "lifecycle.status", "lifecycle.status_reason", "owner")


def field_columns(p: Project, f: sc.Field) -> dict[str, Any]:
    """The analysis columns of one schema field for project `p` (none for a field with `column=None`)."""
    name = f.column_name
    if name is None:
        return {}
    value = sc.value_of(p, f)
    if f.kind == "list":
        return {name: SEP.join(value)}
    if f.kind == "checks":
        done = [item.id for item in f.items if (c := value.get(item.id)) is not None and c.done]
        return {
            f"{name}.done": len(done),
            f"{name}.open": SEP.join(item.id for item in f.items if item.id not in done),
        }
    if f.kind == "satisficing":
        return {name: SEP.join(f"{t.metric} {t.direction} {present.short_num(t.threshold)}" for t in value)}
    if f.kind == "baselines":
        return {
            name: SEP.join(
                f"{b.kind}: {b.name}" + ("" if b.value is None else f" = {present.short_num(b.value)}") for b in value
            )
        }
    if f.kind == "history":
        moves = [m for m in value if not m.status]  # changes of status are not moves
        return {
            "lifecycle.moves": len(moves),
            "lifecycle.loop_backs": sum(1 for m in moves if m.is_backward),
            "lifecycle.stage_since": present.iso(moves[-1].date) if moves else None,
        }
    return {name: value}


def record(r: Ranked) -> dict[str, Any]:
    """One ranked project as a flat dict: ranking columns first, then every field by dotted path."""
    p = r.project
    s = r.score
    out: dict[str, Any] = {
        "rank": r.rank,
        "id": p.id,
        "title": p.title,
        "score": s.value,
        "score_note": s.reason,
        "score_error": s.error,
        "impact": r.impact,
        "feasibility": r.feasibility,
        "quadrant": r.quadrant,
    }
    fields = sc.by_path(sc.PROJECT_FIELDS)
    for path in LEAD_FIELDS:
        out.update(field_columns(p, fields[path]))
    for f in sc.PROJECT_FIELDS:
        if f.path not in LEAD_FIELDS:
            out.update(field_columns(p, f))
    return out


def records(ranked: Iterable[Ranked]) -> list[dict[str, Any]]:
    return [record(r) for r in ranked]


def frame(portfolio: Portfolio, scorer: Scorer, extra_scorers: Sequence[Scorer] = ()) -> pd.DataFrame:
    """The portfolio as a DataFrame, one row per project in ranked order, indexed by project id.

    Columns are those of `record()`; each extra scorer adds `score.NAME` and `rank.NAME`.
    """
    import pandas as pd

    ranked = rank(portfolio, scorer)
    df = pd.DataFrame.from_records(records(ranked), columns=list(record_columns()))
    for extra in extra_scorers:
        by_id = {r.project.id: r for r in rank(portfolio, extra)}
        df[f"score.{extra.name}"] = [by_id[i].score.value for i in df["id"]]
        df[f"rank.{extra.name}"] = pd.array([by_id[i].rank for i in df["id"]], dtype="Int64")
    df["rank"] = df["rank"].astype("Int64")
    return df.set_index("id", drop=False)


def record_columns() -> tuple[str, ...]:
    """The column names of `record()`, in order (the same for every project)."""
    return tuple(record(Ranked(None, Project("x", "x"), Score(None), None, None, None)))


# --- stats ---------------------------------------------------------------------------------------------


def stage_intervals(portfolio: Portfolio, today: _dt.date) -> list[dict[str, Any]]:
    """Every known stay in a stage: project, stage, start, end (today if still there), days, current.

    A stay starts with the move into the stage; the stay before a project's first recorded move has no
    known start and is left out.
    """
    out = []
    for p in portfolio.projects:
        h = p.lifecycle.moves  # a change of status is no stay in a stage
        for i, m in enumerate(h):
            end = h[i + 1].date if i + 1 < len(h) else today
            out.append(
                {
                    "project": p.id,
                    "stage": m.to_stage,
                    "start": m.date,
                    "end": end,
                    "days": max((end - m.date).days, 0),
                    "current": i + 1 == len(h),
                }
            )
    return out


def stats(portfolio: Portfolio, scorer: Scorer, today: _dt.date | None = None) -> dict[str, Any]:
    """Counts by stage, status, archetype and quadrant; time in stage; loop-backs per project and per stage.

    Plain data (dicts of ints and floats), ready for JSON. `today` ends the stays still open (default: today).
    """
    import pandas as pd

    today = today or _dt.date.today()
    df = frame(portfolio, scorer)

    def counts(column: str, order: Sequence[str], missing: str) -> dict[str, int]:
        vc = df[column].fillna(missing).value_counts() if len(df) else pd.Series(dtype=int)
        keys = list(order) + sorted(k for k in vc.index if k not in order)
        return {k: int(vc.get(k, 0)) for k in keys if k in order or vc.get(k, 0)}

    columns = ["project", "stage", "start", "end", "days", "current"]
    stays = pd.DataFrame(stage_intervals(portfolio, today), columns=columns)
    time_in_stage: dict[str, dict[str, Any]] = {}
    for stage in fw.STAGE_IDS:
        d = stays.loc[stays["stage"] == stage, "days"]
        time_in_stage[stage] = {
            "stays": len(d),
            "mean_days": round(float(d.mean()), 1) if len(d) else None,
            "median_days": round(float(d.median()), 1) if len(d) else None,
            "max_days": int(d.max()) if len(d) else None,
        }
    current = stays.loc[stays["current"].astype(bool)].set_index("project")["days"]
    loops_from: dict[str, int] = {s: 0 for s in fw.STAGE_IDS}
    loops_to: dict[str, int] = {s: 0 for s in fw.STAGE_IDS}
    for p in portfolio.projects:
        for m in p.lifecycle.history:
            if m.is_backward:
                loops_from[m.from_stage] = loops_from.get(m.from_stage, 0) + 1
                loops_to[m.to_stage] = loops_to.get(m.to_stage, 0) + 1
    return {
        "portfolio": portfolio.name,
        "scorer": scorer.name,
        "as_of": present.iso(today),
        "projects": len(portfolio.projects),
        "by_stage": counts("stage", fw.STAGE_IDS, "(none)"),
        "by_status": counts("status", fw.STATUSES, "(none)"),
        "by_archetype": counts("archetype", [a.id for a in fw.ARCHETYPES] + ["(none)"], "(none)"),
        "by_quadrant": counts("quadrant", [q.id for q in fw.QUADRANTS] + ["(unscored)"], "(unscored)"),
        "time_in_stage": time_in_stage,
        "days_in_current_stage": {
            p.id: (int(current[p.id]) if p.id in current.index else None) for p in portfolio.projects
        },
        "loop_backs": {
            "total": sum(loops_from.values()),
            "by_project": {p.id: p.lifecycle.loop_backs for p in portfolio.projects if p.lifecycle.loop_backs},
            "from_stage": loops_from,
            "to_stage": loops_to,
        },
    }
