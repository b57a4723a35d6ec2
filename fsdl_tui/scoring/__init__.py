"""Scoring and ranking: built-in scorers, explanations, and the quadrant on the impact-vs-feasibility 2x2."""

from .base import FsdlScorer, Ranked, Score, Scorer, Term, feasibility_of, impact_of, quadrant_of, rank

__all__ = ["FsdlScorer", "Ranked", "Score", "Scorer", "Term", "feasibility_of", "impact_of", "quadrant_of", "rank"]
