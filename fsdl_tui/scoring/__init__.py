"""Scoring and ranking: built-in scorers, explanations, and the quadrant on the impact-vs-feasibility 2x2."""

from .base import (
    FsdlScorer,
    RankCancelled,
    Ranked,
    Score,
    Scorer,
    Term,
    check_score,
    feasibility_of,
    impact_of,
    quadrant_of,
    rank,
    safe_score,
)
from .weighted import WeightedScorer


def builtin_scorers() -> list[Scorer]:
    """Fresh instances of the scorers that ship with fsdl-tui (registered through the plugin host)."""
    return [FsdlScorer(), WeightedScorer()]


__all__ = [
    "FsdlScorer",
    "RankCancelled",
    "Ranked",
    "Score",
    "Scorer",
    "Term",
    "WeightedScorer",
    "builtin_scorers",
    "check_score",
    "feasibility_of",
    "impact_of",
    "quadrant_of",
    "rank",
    "safe_score",
]
