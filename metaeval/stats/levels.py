"""A coefficient at a level of system x item matrices (Deutsch, Dror & Roth 2021; mt-metrics-eval).

See :mod:`metaeval.stats.grouping` for what each level (``system``, ``item``, ``sys``, ``none``)
correlates. ``gold`` and ``metric`` have shape (..., S, I); leading axes are batch (draw) axes;
cells with a NaN gold or metric are filtered pairwise.
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.grouping import (
    LEVELS,
    average_correlations,
    check_level,
    group_vectors,
    system_scores,
)

__all__ = ["LEVELS", "average_correlations", "check_level", "correlation_at_level",
           "group_vectors", "system_scores"]


def correlation_at_level(
    gold: np.ndarray,
    metric: np.ndarray,
    coefficient: str | Coefficient,
    level: str,
    nan_as_zero: bool = False,
) -> np.ndarray:
    """The coefficient at a level for batched (..., S, I) matrices; returns shape (...).

    >>> gold = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 1.0]])   # 3 systems x 2 items
    >>> float(correlation_at_level(gold, gold, "pearson", "none"))
    1.0
    """
    coef = get_coefficient(coefficient)
    if coef.at_level is not None:
        return coef.at_level(gold, metric, level)
    g, m = group_vectors(gold, metric, level)
    values = coef.batched(g, m)
    if level in ("item", "sys"):
        return average_correlations(values, nan_as_zero)
    return values
