"""How a level arranges system x item matrices into the vectors that are correlated.

``gold`` and ``metric`` have shape (..., S, I); leading axes are batch (draw) axes
(Deutsch, Dror & Roth 2021; mt-metrics-eval):

- ``system``: one score per system: gold averaged over its rated items, metric averaged over the
  same gold-covered items; one correlation over S systems.
- ``item`` (group-by-item): correlate across systems within each item, then average the items.
- ``sys`` (group-by-system): correlate across items within each system, then average.
- ``none`` (pooled): flatten the matrix and correlate all cells.

When averaging, NaN correlations (constant vectors, fewer than two values) are dropped, as in
mt-metrics-eval, or counted as 0 with ``nan_as_zero=True``.
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.vocabulary import LEVELS


def check_level(level: str) -> str:
    """``level`` if it is one of :data:`LEVELS`, else a `ParameterError`."""
    if level not in LEVELS:
        raise ParameterError("level", level, f"unknown level; choose from {', '.join(LEVELS)}.")
    return level


def system_scores(gold: np.ndarray, metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-system means over the items where both gold and metric are present: (..., S)."""
    valid = np.isfinite(gold) & np.isfinite(metric)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.where(valid, gold, 0.0).sum(-1) / n
        m = np.where(valid, metric, 0.0).sum(-1) / n
    return np.where(n > 0, g, np.nan), np.where(n > 0, m, np.nan)


def average_correlations(values: np.ndarray, nan_as_zero: bool = False) -> np.ndarray:
    """Mean over the last axis, dropping NaN correlations (or counting them as 0)."""
    if nan_as_zero:
        return np.nan_to_num(values, nan=0.0).mean(-1)
    finite = np.isfinite(values)
    n = finite.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, values, 0.0).sum(-1) / n
    return np.where(n > 0, mean, np.nan)


def level_groups(x: np.ndarray, level: str) -> np.ndarray:
    """(..., S, I) -> (..., G, n): items x systems for ``item``, systems x items for ``sys``,
    one group of all cells for ``none``."""
    if level == "item":
        return np.swapaxes(x, -1, -2)
    if level == "sys":
        return x
    return x.reshape(x.shape[:-2] + (1, -1))


def group_vectors(gold: np.ndarray, metric: np.ndarray, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrange the matrices so that the last axis holds the vectors to correlate.

    Returns arrays of shape (..., G, n) for ``item`` (G = items, n = systems) and ``sys``
    (G = systems, n = items), and (..., n) for ``none`` and ``system``.
    """
    check_level(level)
    gold, metric = np.broadcast_arrays(np.asarray(gold, float), np.asarray(metric, float))
    if level == "none":
        shape = gold.shape[:-2] + (-1,)
        return gold.reshape(shape), metric.reshape(shape)
    if level == "system":
        return system_scores(gold, metric)
    return level_groups(gold, level), level_groups(metric, level)
