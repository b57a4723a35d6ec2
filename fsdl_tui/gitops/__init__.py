"""Git-native collaboration: a semantic diff, a 3-way merge by project id and field, score history from
`git log`, and the git configuration that plugs them into `git diff` and `git merge`.

No UI imports here (no textual, no pandas): the CLI and the app both call these functions.
"""

from .diff import PortfolioDiff, diff_portfolios
from .merge import MergeResult, merge_portfolios, merge_texts

__all__ = ["MergeResult", "PortfolioDiff", "diff_portfolios", "merge_portfolios", "merge_texts"]
