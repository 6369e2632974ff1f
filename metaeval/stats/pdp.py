"""Pairwise difference Pearson (PDP; WMT25 metrics task; google-research/mt-metrics-eval
``stats.Correlation.Pearson(average_by='item', pdp=True)``).

Within each group of a level, take every pair of cells (i < j) that have both a gold and a
metric value, and the differences dg = g_i - g_j, dm = m_i - m_j; pool the pairs of ALL groups
into two long vectors and take their uncentred correlation

    PDP = sum(dg dm) / sqrt(sum(dg^2) sum(dm^2)).

Closed form without enumerating pairs: within a group of n valid cells,
sum_{i<j} (x_i - x_j)(y_i - y_j) = n sum_i (x_i - xbar)(y_i - ybar) = n Sxy, so

    PDP = sum_g n_g Sxy_g / sqrt(sum_g n_g Sxx_g * sum_g n_g Syy_g).

Groups per level: ``item`` (pairs of systems within each item; MTME's PDP), ``sys`` (pairs of
items within each system), ``none`` (all pairs of cells: Pearson r over the cells), ``system``
(pairs of system means: Pearson r of the system means). NaN when a denominator is 0. The pairs
of all groups are pooled, so the ``--average`` setting (mean or median of per-group values)
does not apply. The per-group :func:`moments` add up, so a bootstrap of whole groups and the
PERM-BOTH draws (:class:`metaeval.stats.permfast.PdpPermBoth`) need no pass over the pairs.
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.grouping import check_level, group_vectors
from metaeval.stats.paired import paired
from metaeval.stats.scaling import unit_scale


def moments(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per group the sums PDP pools, n Sxy, n Sxx, n Syy, of (..., G, n) vectors (NaN =
    missing): (..., 3, G). A resample of whole groups adds up its groups' moments. PDP is
    invariant to multiplying all groups of x (or of y) by one constant, so each (G, n) set of
    groups is first multiplied by one power of two (exact, :mod:`metaeval.stats.scaling`):
    the sums neither underflow nor overflow at any scale of the scores."""
    x, y, valid = paired(x, y)
    x, y = unit_scale(x, (-2, -1)), unit_scale(y, (-2, -1))
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xc = np.where(valid, x - np.nansum(x, -1, keepdims=True) / n[..., None], 0.0)
        yc = np.where(valid, y - np.nansum(y, -1, keepdims=True) / n[..., None], 0.0)
    return np.stack([n * (xc * yc).sum(-1), n * (xc * xc).sum(-1), n * (yc * yc).sum(-1)], -2)


def from_moments(pooled: np.ndarray) -> np.ndarray:
    """PDP from the moments summed over the groups (..., 3): (...); NaN when a denominator is 0."""
    num, sxx, syy = pooled[..., 0], pooled[..., 1], pooled[..., 2]
    den = sxx * syy
    with np.errstate(invalid="ignore", divide="ignore"):
        r = num / np.sqrt(np.where(den > 0, den, 1.0))
    return np.clip(np.where(den > 0, r, np.nan), -1.0, 1.0)


def _pooled(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """PDP over groups (..., G, n) (NaN = missing): (...)."""
    return from_moments(moments(x, y).sum(-1))


def pdp_vectors(x, y) -> np.ndarray:
    """PDP of vectors over the last axis: the pairs of one vector, i.e. Pearson r (NaN when
    fewer than two pairs remain or a vector is constant): (..., n) -> (...)."""
    x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    return _pooled(x[..., None, :], y[..., None, :])


def pdp_at_level(gold, metric, level: str) -> np.ndarray:
    """PDP of (..., S, I) gold and metric matrices at ``level``: (...)."""
    check_level(level)
    g, m = group_vectors(gold, metric, level)
    if level in ("none", "system"):
        return pdp_vectors(g, m)
    return _pooled(g, m)
