"""Stability of a metric ranking: leave-one-out rankings and subgroup reversals (pure numpy).

- Ranks: metric ``m`` has rank ``1 + #{j : v_j > v_m}`` (1 = best, ties share the best rank,
  NaN values get no rank).
- Ranking agreement: Kendall tau-b between the full values and the values of a reduced
  data set, over the metrics with a value in both (Kendall 1945; ties as in tau-b).
- Difference of correlations between two independent groups A and B (bootstrap, Efron &
  Tibshirani 1993): ``delta = r_A - r_B``; draws ``delta*_b = r*_A,b - r*_B,b`` from the two
  groups' independent bootstrap draws; percentile interval of the finite ``delta*``; two-sided
  p = min(1, 2 min((#{delta* <= 0} + 1) / (k' + 1), (#{delta* >= 0} + 1) / (k' + 1))) with k'
  the finite draws (never 0, as the permutation p-values).
- A reversal of metrics ``i, j`` between groups: ``(a_i - a_j)(b_i - b_j) < 0``; its
  interaction ``(a_i - a_j) - (b_i - b_j)`` is tested with the same bootstrap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from metaeval.errors import StatsError
from metaeval.stats.kendall import kendall_tau_b


def metric_ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 = best (highest value); ties share the best rank; NaN values rank NaN.

    >>> metric_ranks(np.array([0.2, 0.5, np.nan, 0.5])).tolist()
    [3.0, 1.0, nan, 1.0]
    """
    v = np.asarray(values, float)
    finite = np.isfinite(v)
    better = (v[None, :] > v[:, None]) & finite[None, :]
    return np.where(finite, 1.0 + better.sum(1), np.nan)


def ranking_tau(full: np.ndarray, reduced: np.ndarray) -> np.ndarray:
    """Kendall tau-b between ``full`` (M,) and each row of ``reduced`` (R, M), over the metrics
    with a value in both; NaN with fewer than 2 such metrics or a constant side."""
    full = np.asarray(full, float)
    reduced = np.atleast_2d(np.asarray(reduced, float))
    if reduced.shape[1] != full.shape[0]:
        raise StatsError(f"reduced rankings have {reduced.shape[1]} metrics, the full one "
                         f"{full.shape[0]}.")
    x = np.broadcast_to(full, reduced.shape)
    return np.asarray(kendall_tau_b(x, reduced), float).reshape(len(reduced))


@dataclass(frozen=True)
class LeaveOneOut:
    """Leave-one-out stability of a ranking over R reduced data sets and M metrics.

    ``ranks`` (R, M); ``rank_changed`` (M,) share of reduced sets where the metric's rank
    differs from the full rank; ``max_shift`` (M,) largest |rank change|; ``tau`` (R,);
    ``best_changed`` (R,) whether the best cluster (set of metrics) differs; ``top_changed``
    (R,) whether the full top metric is no longer ranked first.
    """

    full_ranks: np.ndarray
    ranks: np.ndarray
    rank_changed: np.ndarray
    max_shift: np.ndarray
    tau: np.ndarray
    best_changed: np.ndarray
    top_changed: np.ndarray
    top: int


def leave_one_out(full: np.ndarray, full_best: np.ndarray, reduced: np.ndarray,
                  reduced_best: np.ndarray) -> LeaveOneOut:
    """Compare the full ranking (values ``full`` (M,), best-cluster mask ``full_best`` (M,))
    with R reduced ones (``reduced`` (R, M), ``reduced_best`` (R, M))."""
    full = np.asarray(full, float)
    reduced = np.atleast_2d(np.asarray(reduced, float))
    if not np.isfinite(full).any():
        raise StatsError("the full ranking has no metric with a value.")
    full_ranks = metric_ranks(full)
    ranks = np.stack([metric_ranks(r) for r in reduced])
    shift = np.abs(ranks - full_ranks)
    changed = ~np.isclose(ranks, full_ranks, equal_nan=True)
    top = int(np.nanargmax(full))
    best = np.asarray(full_best, bool)
    reduced_best = np.atleast_2d(np.asarray(reduced_best, bool))
    return LeaveOneOut(
        full_ranks=full_ranks, ranks=ranks, rank_changed=changed.mean(0),
        max_shift=np.nanmax(np.where(np.isfinite(shift), shift, -np.inf), 0).clip(0),
        tau=ranking_tau(full, reduced), best_changed=(reduced_best != best).any(1),
        top_changed=ranks[:, top] != 1, top=top)


def bootstrap_pvalue(draws: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p of "the quantity is 0" over the last axis (finite draws only):
    min(1, 2 min((#{d <= 0} + 1) / (k' + 1), (#{d >= 0} + 1) / (k' + 1)))."""
    d = np.asarray(draws, float)
    finite = np.isfinite(d)
    k = finite.sum(-1)
    low = ((d <= 0) & finite).sum(-1)
    high = ((d >= 0) & finite).sum(-1)
    p = np.minimum(1.0, 2 * np.minimum(low + 1, high + 1) / (k + 1))
    return np.where(k > 0, p, np.nan)


@dataclass(frozen=True)
class Difference:
    """``delta`` = estimate A - estimate B with percentile bounds and a two-sided p (arrays)."""

    delta: np.ndarray
    low: np.ndarray
    high: np.ndarray
    pvalue: np.ndarray
    n_draws: np.ndarray


def bootstrap_difference(value_a: np.ndarray, value_b: np.ndarray, draws_a: np.ndarray,
                         draws_b: np.ndarray, ci: float = 0.95) -> Difference:
    """Difference of statistics of two independent samples from their bootstrap draws
    (``draws_*`` (..., k)); see the module docstring."""
    if np.shape(draws_a) != np.shape(draws_b):
        raise StatsError(f"draws of the two groups differ in shape: {np.shape(draws_a)} and "
                         f"{np.shape(draws_b)}.")
    d = np.asarray(draws_a, float) - np.asarray(draws_b, float)
    q = [(1 - ci) / 2, (1 + ci) / 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group without a finite draw: NaN
        bounds = np.nanquantile(d, q, axis=-1)
    return Difference(delta=np.asarray(value_a, float) - np.asarray(value_b, float),
                      low=bounds[0], high=bounds[1], pvalue=bootstrap_pvalue(d),
                      n_draws=np.isfinite(d).sum(-1))


def reversed_pairs(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """Metric pairs (i, j), i better than j in ``a``, whose order reverses in ``b``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    da, db = a[:, None] - a[None, :], b[:, None] - b[None, :]
    i, j = np.nonzero((da > 0) & (db < 0))
    return list(zip(i.tolist(), j.tolist()))
