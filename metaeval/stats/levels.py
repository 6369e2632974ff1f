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
from metaeval.stats.paired import constant, paired
from metaeval.stats.scaling import unit_scale

__all__ = ["LEVELS", "average_correlations", "check_level", "correlation_at_level",
           "group_vectors", "groups_entered", "scaled_for_means", "system_scores"]


def groups_entered(gold: np.ndarray, metric: np.ndarray, coefficient: str | Coefficient,
                   level: str) -> tuple[int, dict[str, int]] | None:
    """At ``item`` / ``sys``: how many groups (items / systems) with at least two usable cells
    entered the value of one (S, I) gold and metric matrix, and why the others did not
    ({reason: count}: a constant human score; a constant metric score, where the group would be
    defined with a metric equal to the human scores; or the coefficient undefined for another
    reason, e.g. kendall_like's threshold);
    None at ``none`` / ``system``. A group enters where the coefficient of its own vector is
    defined (the average drops the others), or, for a coefficient with ``every_group_enters``,
    wherever it has a pair of cells.

    >>> gold = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0], [3.0, 3.0, 3.0]])
    >>> metric = np.array([[1.0, 5.0, 2.0], [2.0, 5.0, 1.0], [3.0, 5.0, 1.0]])
    >>> groups_entered(gold, metric, "pearson", "item")
    (1, {'a constant human score': 1, 'a constant metric score': 1})
    """
    if level not in ("item", "sys"):
        return None
    coef = get_coefficient(coefficient)
    g, m, valid = paired(*group_vectors(gold, metric, level))
    usable = valid.sum(-1) >= 2
    entered = usable if coef.every_group_enters else usable & np.isfinite(coef.batched(g, m))
    left = usable & ~entered
    flat_gold = left & constant(g, valid)
    flat_metric = left & ~flat_gold & constant(m, valid)
    if flat_metric.any():  # the metric's constancy is the reason where gold itself is defined
        flat_metric[flat_metric] = np.isfinite(coef.batched(g[flat_metric], g[flat_metric]))
    reasons = {"a constant human score": int(flat_gold.sum()),
               "a constant metric score": int(flat_metric.sum()),
               f"{coef.name} undefined for another reason":
                   int((left & ~flat_gold & ~flat_metric).sum())}
    return int(entered.sum()), {why: count for why, count in reasons.items() if count}


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
