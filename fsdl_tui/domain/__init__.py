"""The domain: portfolios, projects, the lifecycle and the FSDL framework data. No UI, no pandas."""

from .codec import Issue, portfolio_from_data, portfolio_to_data, project_from_data, project_to_data
from .fields import FIELDS, FieldError, FieldSpec, get_field, set_field
from .lifecycle import MoveRefused, change_status, move, new_project, record_status_change, slugify
from .model import (
    SCHEMA_VERSION,
    Baseline,
    Check,
    Cost,
    Impact,
    Lifecycle,
    Metrics,
    Move,
    Portfolio,
    Project,
    Settings,
    Threshold,
)

__all__ = [
    "FIELDS",
    "SCHEMA_VERSION",
    "Baseline",
    "Check",
    "Cost",
    "FieldError",
    "FieldSpec",
    "Impact",
    "Issue",
    "Lifecycle",
    "Metrics",
    "Move",
    "MoveRefused",
    "Portfolio",
    "Project",
    "Settings",
    "Threshold",
    "change_status",
    "get_field",
    "move",
    "new_project",
    "portfolio_from_data",
    "portfolio_to_data",
    "project_from_data",
    "project_to_data",
    "record_status_change",
    "set_field",
    "slugify",
]
