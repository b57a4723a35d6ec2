"""Convert between the plain-data layout of a portfolio file and the domain model.

The reading half is `reader.py`, the writing half `writer.py`, both driven by the schema (`schema.py`); this
module gathers their public names, and the key lists derived from the schema, for the modules that use both.
"""

from __future__ import annotations

from . import framework as fw
from . import schema as sc
from .reader import (
    Issue,
    Path,
    portfolio_from_data,
    project_from_data,
    project_key_warnings,
    unknown_key_warnings,
)
from .schema import ID_RE, SCORE_RANGE
from .writer import portfolio_header_data, portfolio_to_data, project_to_data

IMPACT_KEYS = tuple(f.key for f in sc.PROJECT_FIELDS if f.table == "impact" and f.kind == "score")
DRIVER_KEYS = tuple(d.id for d in fw.COST_DRIVERS)
FLAG_IDS = sc.by_path()["cost.flags"].choices
GATE_IDS = tuple(item.id for item in sc.by_path()["gate"].items)
STEP_IDS = tuple(item.id for item in sc.by_path()["feasibility"].items)
QUESTION_IDS = tuple(dict.fromkeys(item.id for item in sc.by_path()["questions"].items))
BASELINE_KIND_IDS = tuple(k.id for k in fw.BASELINE_KINDS)
PROJECT_KEYS = sc.top_keys(sc.PROJECT_FIELDS)
TOP_KEYS = sc.top_keys(sc.PORTFOLIO_FIELDS)

__all__ = [
    "BASELINE_KIND_IDS",
    "DRIVER_KEYS",
    "FLAG_IDS",
    "GATE_IDS",
    "ID_RE",
    "IMPACT_KEYS",
    "PROJECT_KEYS",
    "QUESTION_IDS",
    "SCORE_RANGE",
    "STEP_IDS",
    "TOP_KEYS",
    "Issue",
    "Path",
    "portfolio_from_data",
    "portfolio_header_data",
    "portfolio_to_data",
    "project_from_data",
    "project_key_warnings",
    "project_to_data",
    "unknown_key_warnings",
]
