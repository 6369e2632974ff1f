"""Bootstrap confidence intervals for correlations at a level (Efron & Tibshirani 1993).

``gold`` is (S, I) and ``scores`` (M, S, I); every draw resamples the same item columns and/or
system rows for all M metrics (paired bootstrap), so their intervals are comparable. Draws go
through ``correlation_at_level`` in batches of ``chunk``: every registered coefficient works.

- percentile: the ``(1-ci)/2`` and ``(1+ci)/2`` quantiles of the finite draws.
- BCa (Efron 1987): z0 = Phi^-1(share of draws below the estimate, ties counted half);
  a = sum U^3 / (6 (sum U^2)^1.5) with jackknife influence values U_i = (n-1)(mean_j t_(j) - t_(i))
  (per resampled unit kind; items and systems are summed as two samples, as scipy does);
  the bounds are the quantiles at Phi(z0 + (z0 + z)/(1 - a (z0 + z))) for z = Phi^-1 of each tail.
  The leave-one-out estimates are computed in one batch by setting the left-out column or row to
  NaN, which the level engine filters.

Draws that are undefined (NaN correlation) are ignored; their count is ``n_undefined``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr, ndtri

from metaeval.errors import ParameterError, StatsError
from metaeval.stats import permspa
from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.fastpaths import FAST_MAX_CELLS, pooled_pair_draws, pooled_pearson_draws
from metaeval.stats.levels import (
    average_correlations,
    check_level,
    correlation_at_level,
    group_vectors,
)
from metaeval.stats.rankdraws import pooled_rank_draws
from metaeval.stats.vocabulary import CI_METHODS, RESAMPLE_UNITS
from metaeval.stats.weightedcounts import grouped_is_faster, grouped_pair_draws


class ConfidenceInterval(NamedTuple):
    """Lower and upper bounds (arrays with one entry per metric), as ``scipy.stats``."""

    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimates and bootstrap intervals, one entry per metric (scipy's vocabulary).

    ``statistic`` (M,); ``confidence_interval.low/high`` (M,), NaN when no draw is finite;
    ``bootstrap_distribution`` (M, k); ``n_undefined`` counts the NaN draws of each metric (left
    out of the interval).
    """

    statistic: np.ndarray
    confidence_interval: ConfidenceInterval
    bootstrap_distribution: np.ndarray
    n_undefined: np.ndarray
    confidence_level: float
    method: str
    resample: str


@dataclass(frozen=True)
class BootstrapIndices:
    """Resampled row (k, S) and column (k, I) indices; an axis not resampled keeps 0..n-1."""

    systems: np.ndarray
    items: np.ndarray


def bootstrap_indices(n_systems: int, n_items: int, k: int, seed: int,
                      resample: str = "items") -> BootstrapIndices:
    """Indices drawn with replacement by ``default_rng(seed)``: items first, then systems."""
    if resample not in RESAMPLE_UNITS:
        raise ParameterError("resample", resample,
                             f"unknown resampling unit; choose from {', '.join(RESAMPLE_UNITS)}.")
    rng = np.random.default_rng(seed)
    items = np.broadcast_to(np.arange(n_items), (k, n_items))
    systems = np.broadcast_to(np.arange(n_systems), (k, n_systems))
    if resample in ("items", "both"):
        items = rng.integers(0, n_items, size=(k, n_items))
    if resample in ("systems", "both"):
        systems = rng.integers(0, n_systems, size=(k, n_systems))
    return BootstrapIndices(systems=systems, items=items)


def _as_inputs(gold, scores) -> tuple[np.ndarray, np.ndarray]:
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    if scores.ndim == 2:
        scores = scores[None]
    if gold.ndim != 2 or scores.ndim != 3 or scores.shape[1:] != gold.shape:
        raise StatsError(
            f"gold must be (S, I) and scores (M, S, I) of the same S, I; got {gold.shape} and "
            f"{scores.shape}."
        )
    return gold, scores


def _default_chunk(scores: np.ndarray) -> int:
    # bound one batch to about 4e6 cells per metric array
    return int(max(1, min(250, 4_000_000 // max(1, scores[0].size))))


def resampled_correlations(gold: np.ndarray, scores: np.ndarray, coefficient: Coefficient,
                           level: str, indices: BootstrapIndices,
                           chunk: int | None = None) -> np.ndarray:
    """The statistic of every metric on every resampled matrix: (M, k).

    Shortcuts (exact): at ``item`` level with items resampled (``sys`` with systems), each draw
    is the average of the per-group correlations of the drawn groups, computed once. Pooled
    (``none``) Pearson and Kendall-family draws come from cell multiplicities: weighted sums
    for Pearson, pair counts as quadratic forms (``fastpaths.pooled_pair_draws``) for Kendall;
    SPA from stacked products (:func:`metaeval.stats.permspa.bootstrap_draws`)."""
    k = indices.items.shape[0]
    shortcut = _group_resampling(level, indices)
    if coefficient.at_level is None and shortcut is not None:
        per_group = coefficient.batched(*group_vectors(gold[None], scores, level))  # (M, G)
        return np.stack([average_correlations(v[shortcut]) for v in per_group])
    if coefficient.moments is not None and shortcut is not None:  # PDP: drawn groups' sums
        sums = coefficient.moments(*group_vectors(gold[None], scores, level))[:, :, shortcut]
        return coefficient.from_moments(np.moveaxis(sums.sum(-1), 1, -1))  # (M, k)
    if coefficient.linear and level == "none":
        return pooled_pearson_draws(gold, scores, indices.systems, indices.items)
    if coefficient.rank_based and level == "none":
        return pooled_rank_draws(gold, scores, indices.systems, indices.items)
    if coefficient.from_counts is not None and level == "none":
        if gold.size <= FAST_MAX_CELLS:
            return pooled_pair_draws(gold, scores, coefficient, indices.systems, indices.items)
        if all(grouped_is_faster(gold.ravel(), m.ravel()) for m in scores):
            return grouped_pair_draws(gold, scores, coefficient, indices.systems, indices.items)
    if permspa.bootstrap_supports(coefficient, level, gold, scores, indices.systems):
        return permspa.bootstrap_draws(gold, scores, coefficient, indices.items)
    chunk = chunk or _default_chunk(scores)
    out = np.empty((scores.shape[0], k))
    for start in range(0, k, chunk):
        rows = indices.systems[start:start + chunk, :, None]
        cols = indices.items[start:start + chunk, None, :]
        g = gold[rows, cols]  # (b, S, I)
        for m, metric in enumerate(scores):  # one metric at a time: memory b x S x I
            out[m, start:start + chunk] = correlation_at_level(
                g[None], metric[rows, cols][None], coefficient, level)[0]
    return out


def _group_resampling(level: str, indices: BootstrapIndices) -> np.ndarray | None:
    """Drawn group indices (k, G) when only the groups of the level are resampled, or None."""
    rows_fixed = (indices.systems == np.arange(indices.systems.shape[1])).all()
    cols_fixed = (indices.items == np.arange(indices.items.shape[1])).all()
    if level == "item" and rows_fixed:
        return indices.items
    if level == "sys" and cols_fixed:
        return indices.systems
    return None


def jackknife_correlations(gold: np.ndarray, scores: np.ndarray, coefficient: Coefficient,
                           level: str, axis: str, chunk: int | None = None) -> np.ndarray:
    """Leave-one-out statistic for each item (``axis='items'``) or system: (M, n).

    The left-out column/row is set to NaN in the gold matrix, which the level engine filters.
    """
    S, n_items = gold.shape
    n = n_items if axis == "items" else S
    chunk = chunk or _default_chunk(scores)
    out = np.empty((scores.shape[0], n))
    for start in range(0, n, chunk):
        left_out = np.arange(start, min(n, start + chunk))
        g = np.broadcast_to(gold, (len(left_out), S, n_items)).copy()
        if axis == "items":
            g[np.arange(len(left_out)), :, left_out] = np.nan
        else:
            g[np.arange(len(left_out)), left_out, :] = np.nan
        out[:, start:start + len(left_out)] = correlation_at_level(g[None], scores[:, None],
                                                                   coefficient, level)
    return out


def percentile_bounds(draws: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles (1-ci)/2 and (1+ci)/2 of the finite draws along the last axis (linear)."""
    alpha = (1.0 - ci) / 2.0
    return _nan_quantile(draws, np.full(draws.shape[:-1], alpha), np.full(draws.shape[:-1], 1 - alpha))


def _nan_quantile(draws: np.ndarray, q_low: np.ndarray, q_high: np.ndarray):
    low = np.full(draws.shape[:-1], np.nan)
    high = np.full(draws.shape[:-1], np.nan)
    for idx in np.ndindex(draws.shape[:-1]):
        d = draws[idx]
        d = d[np.isfinite(d)]
        if d.size and np.isfinite(q_low[idx]) and np.isfinite(q_high[idx]):
            low[idx], high[idx] = np.quantile(d, [q_low[idx], q_high[idx]])
    return low, high


def acceleration(jackknife: list[np.ndarray]) -> np.ndarray:
    """BCa acceleration from leave-one-out estimates, one (..., n_j) array per resampled unit.

    a = sum_j sum_i U_ji^3 / n_j^3 / (6 (sum_j sum_i U_ji^2 / n_j^2)^1.5),
    U_ji = (n_j - 1)(mean_i t_(ji) - t_(ji)); undefined leave-one-out values are dropped.
    """
    num = 0.0
    den = 0.0
    for t in jackknife:
        finite = np.isfinite(t)
        n = finite.sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(finite, t, 0.0).sum(-1, keepdims=True) / n[..., None]
            u = np.where(finite, (n[..., None] - 1) * (mean - t), 0.0)
            num = num + (u ** 3).sum(-1) / n ** 3
            den = den + (u ** 2).sum(-1) / n ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / (6.0 * den ** 1.5), 0.0)


def bca_bounds(draws: np.ndarray, estimate: np.ndarray, accel: np.ndarray,
               ci: float) -> tuple[np.ndarray, np.ndarray]:
    """BCa interval (Efron 1987) from draws (..., k), the estimate (...) and acceleration (...)."""
    finite = np.isfinite(draws)
    n = finite.sum(-1)
    est = np.asarray(estimate)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (((draws < est) & finite).sum(-1) + ((draws <= est) & finite).sum(-1)) / (2.0 * n)
        z0 = ndtri(share)
        alpha = (1.0 - ci) / 2.0
        z_low, z_high = ndtri(alpha), -ndtri(alpha)
        q_low = ndtr(z0 + (z0 + z_low) / (1 - accel * (z0 + z_low)))
        q_high = ndtr(z0 + (z0 + z_high) / (1 - accel * (z0 + z_high)))
    return _nan_quantile(draws, q_low, q_high)


def bootstrap_ci(gold, scores, coefficient: str | Coefficient, level: str, k: int = 1000,
                 seed: int = 0, ci: float = 0.95, resample: str = "items",
                 method: str = "percentile", chunk: int | None = None) -> BootstrapResult:
    """Paired bootstrap CIs of the coefficient at ``level`` for each metric in ``scores``."""
    gold, scores = _as_inputs(gold, scores)
    check_level(level)
    coef = get_coefficient(coefficient)
    if method not in CI_METHODS:
        raise ParameterError("method", method, f"unknown CI method; choose from "
                             f"{', '.join(CI_METHODS)}.")
    if not 0 < ci < 1:
        raise ParameterError("ci", ci, "the confidence level must lie in (0, 1), e.g. 0.95.")
    if k < 1:
        raise ParameterError("k", k, "the number of bootstrap draws must be at least 1.")
    value = correlation_at_level(gold[None], scores, coef, level)
    indices = bootstrap_indices(*gold.shape, k=k, seed=seed, resample=resample)
    draws = resampled_correlations(gold, scores, coef, level, indices, chunk)
    if method == "percentile":
        low, high = percentile_bounds(draws, ci)
    else:
        units = ["items", "systems"] if resample == "both" else [resample]
        jack = [jackknife_correlations(gold, scores, coef, level, u, chunk) for u in units]
        low, high = bca_bounds(draws, value, acceleration(jack), ci)
    return BootstrapResult(statistic=value, confidence_interval=ConfidenceInterval(low, high),
                           bootstrap_distribution=draws,
                           n_undefined=(~np.isfinite(draws)).sum(-1), confidence_level=ci,
                           method=method, resample=resample)


MIN_TAIL_DRAWS = 5


def tail_warning(k: int, ci: float) -> str | None:
    """A warning when ``k`` leaves fewer than 5 draws in each tail of the ``ci`` interval."""
    tail = k * (1 - ci) / 2
    if tail >= MIN_TAIL_DRAWS:
        return None
    needed = math.ceil(2 * MIN_TAIL_DRAWS / (1 - ci))
    return (f"k = {k} leaves {tail:g} draw(s) in each tail of a {100 * ci:g}% interval; its "
            f"bounds are unstable (use k >= {needed}).")
