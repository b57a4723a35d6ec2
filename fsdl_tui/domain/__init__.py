"""The domain: portfolios, projects, the lifecycle and the FSDL framework data. No UI, no pandas."""

from .codec import Issue, portfolio_from_data, portfolio_to_data, project_from_data, project_to_data
from .fields import FIELDS, FieldError, FieldSpec, get_field, set_field
from .lifecycle import MoveRefused, move, new_project, slugify
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
    "get_field",
    "move",
    "new_project",
    "portfolio_from_data",
    "portfolio_to_data",
    "project_from_data",
    "project_to_data",
    "set_field",
    "slugify",
]
