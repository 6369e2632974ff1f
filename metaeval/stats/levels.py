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
from metaeval.stats.scaling import unit_scale

__all__ = ["LEVELS", "average_correlations", "check_level", "correlation_at_level",
           "group_vectors", "scaled_for_means", "system_scores"]


def scaled_for_means(coef: Coefficient, gold, metric, level: str):
    """The (..., S, I) matrices each multiplied by a power of two (exact,
    :func:`metaeval.stats.scaling.unit_scale`) at level ``system`` for a scale-free coefficient,
    else as they are: system means of subnormal scores (or of scores near 1e300) then keep the
    precision that a sum in the normal range has."""
    if level != "system" or not coef.scale_free:
        return gold, metric
    return unit_scale(gold, (-2, -1)), unit_scale(metric, (-2, -1))


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
    gold, metric = scaled_for_means(coef, gold, metric, level)
    if coef.at_level is not None:
        return coef.at_level(gold, metric, level)
    g, m = group_vectors(gold, metric, level)
    values = coef.batched(g, m)
    if level in ("item", "sys"):
        return average_correlations(values, nan_as_zero)
    return values
