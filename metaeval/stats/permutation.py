"""Permutation tests: PERM-BOTH for metric pairs and the chance baseline of one metric.

PERM-BOTH (Deutsch, Dror & Roth 2021, "A Statistical Analysis of Summarization Evaluation
Metrics using Resampling Methods"; mt-metrics-eval ``stats.PermutationSigDiff``): keep the cells
where gold is present, z-score each metric over them (population sd, ``scipy.stats.zscore``),
then in each draw swap every (system, item) cell between metrics a and b with probability 1/2
and recompute delta* = stat(a*) - stat(b*). With delta = stat(a) - stat(b):

    p[a, b] = (#{delta* >= delta} + 1) / (k + 1)   ("a correlates better than b")
    p[b, a] = (#{delta* <= delta} + 1) / (k + 1)   (same draws, reversed inequality)

Draws within ``TIE_TOLERANCE`` of delta count as ties (as extreme), so that rank-based statistics,
whose draws often reproduce delta exactly, give the same p-values whatever the rounding.
All pairs share the same k swap masks drawn from ``default_rng(seed)`` (each pair's test is a
valid PERM-BOTH test; sharing makes the p matrix consistent and the run cheaper). Pearson at the
``item``, ``sys`` and ``none`` levels has an exact fast path: the swapped metric is
a + w (b - a) with w in {0, 1}, so the per-group sums that Pearson needs are matrix products of
the swap masks with fixed vectors (gold centred and normalised once). Spearman at the same
levels has one too (``permfast.SpearmanPermBoth``): the average ranks of every draw are matrix
products of the swap masks with fixed half-step matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import NamedTuple

import numpy as np

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.fastpaths import (
    fixed_gold_is_faster,
    fixed_gold_statistic,
    grouped_shuffle_vectors,
    shuffle_null_vectors,
)
from metaeval.stats.grouping import average_correlations, level_groups
from metaeval.stats.levels import check_level, correlation_at_level, system_scores
from metaeval.stats.permfast import perm_both_fast_path

TIE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class PermBothResult:
    """``statistic[a, b] = stat(a) - stat(b)``; ``pvalue[a, b]``: p-value for "a correlates
    better than b". The diagonals are NaN; ``k`` is the number of draws."""

    statistic: np.ndarray
    pvalue: np.ndarray
    k: int


class ChanceBaseline(NamedTuple):
    """The permutation null of one metric's statistic: the central interval ``low``..``high``
    of the finite draws (NaN when none is finite) and the draws (``null_distribution``)."""

    low: float
    high: float
    null_distribution: np.ndarray


def zscore_on_gold(gold: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Metric cells outside gold set to NaN, the rest z-scored per metric (population sd)."""
    present = np.isfinite(gold)
    z = np.where(present, scores, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(z, axis=(-2, -1), keepdims=True)
        sd = np.nanstd(z, axis=(-2, -1), keepdims=True)
        return (z - mean) / sd


def swap_masks(rng: np.random.Generator, k: int, shape: tuple[int, int]) -> np.ndarray:
    """k Bernoulli(1/2) swap masks of the matrix shape: (k, S, I) booleans."""
    return rng.random((k,) + tuple(shape)) < 0.5


def _chunk_size(cells: int, fast: bool = False) -> int:
    """Draws per batch; the fast paths keep only (draws x cells) arrays, so take more at once.

    The masks are the same whatever the chunk (``rng.random`` fills them in one stream).
    """
    if fast:
        return int(max(1, 4_000_000 // max(1, cells)))
    return int(max(1, min(250, 2_000_000 // max(1, cells))))


def _generic_pair_draws(gold, za, zb, masks, coef, level) -> np.ndarray:
    """delta* = stat(a*) - stat(b*) for each mask: (b,)."""
    a_star = np.where(masks, zb, za)
    b_star = np.where(masks, za, zb)
    values = correlation_at_level(gold, np.stack([a_star, b_star]), coef, level)
    return values[0] - values[1]


def perm_both(gold, scores, coefficient: str | Coefficient, level: str, k: int = 1000,
              seed: int = 0, chunk: int | None = None, fast: bool = True) -> PermBothResult:
    """PERM-BOTH p-values for every ordered metric pair; scores is (M, S, I)."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    if scores.ndim != 3 or scores.shape[1:] != gold.shape:
        raise StatsError(f"scores must be (M, S, I) matching gold {gold.shape}; got {scores.shape}.")
    if k < 1:
        raise ParameterError("k", k, "the number of permutation draws must be at least 1.")
    check_level(level)
    coef = get_coefficient(coefficient)
    M = scores.shape[0]
    z = zscore_on_gold(gold, scores)
    gold_f = np.where(np.isfinite(gold), gold, np.nan)
    value = correlation_at_level(gold_f[None], z, coef, level)
    pairs = list(combinations(range(M), 2))
    fast_path = perm_both_fast_path(coef, level, gold_f, z) if fast else None

    rng = np.random.default_rng(seed)
    chunk = chunk or _chunk_size(gold.size, fast_path is not None)
    delta = value[:, None] - value[None, :]
    above = np.zeros((M, M), dtype=np.int64)  # above[a, b] = #(delta*_ab >= delta_ab)
    for start in range(0, k, chunk):
        masks = swap_masks(rng, min(chunk, k - start), gold.shape)
        fast_draws = fast_path.draws(pairs, masks) if fast_path is not None and pairs else None
        for p_index, (a, b) in enumerate(pairs):
            draws = (fast_draws[p_index] if fast_path is not None
                     else _generic_pair_draws(gold_f, z[a], z[b], masks, coef, level))
            above[a, b] += int((draws >= delta[a, b] - TIE_TOLERANCE).sum())
            above[b, a] += int((draws <= delta[a, b] + TIE_TOLERANCE).sum())
    p = (above + 1) / (k + 1)
    np.fill_diagonal(p, np.nan)
    np.fill_diagonal(delta, np.nan)
    return PermBothResult(statistic=delta, pvalue=p, k=k)


def perm_both_draws(gold, scores, coefficient: str | Coefficient, level: str, a: int, b: int,
                    k: int = 1000, seed: int = 0, chunk: int | None = None,
                    fast: bool = True) -> np.ndarray:
    """The k null draws delta* of one pair (a, b), with the same masks ``perm_both`` uses."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    coef = get_coefficient(coefficient)
    z = zscore_on_gold(gold, scores)
    fast_path = perm_both_fast_path(coef, level, gold, z) if fast else None
    rng = np.random.default_rng(seed)
    chunk = chunk or _chunk_size(gold.size, fast_path is not None)
    out = []
    for start in range(0, k, chunk):
        masks = swap_masks(rng, min(chunk, k - start), gold.shape)
        if fast_path is not None:
            out.append(fast_path.draws([(a, b)], masks)[0])
        else:
            out.append(_generic_pair_draws(gold, z[a], z[b], masks, coef, level))
    return np.concatenate(out)


def _shuffled(metric: np.ndarray, valid: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """k shuffles of the valid cells of each row of ``metric`` (G, n) among themselves: (k, G, n).

    One long row (level ``none``) is shuffled draw by draw with ``Generator.shuffle`` (linear
    time; about 5x faster per element than ``Generator.permuted`` along an axis); many short
    rows with one argsort of random keys."""
    if metric.shape[0] == 1 and metric.shape[1] > 256:
        cells = np.flatnonzero(valid[0])
        out = np.broadcast_to(metric, (k,) + metric.shape).copy()
        values = metric[0, cells]
        for draw in out:
            shuffled = values.copy()
            rng.shuffle(shuffled)
            draw[0, cells] = shuffled
        return out
    keys = np.where(valid, rng.random((k,) + metric.shape), np.inf)
    source = np.argsort(keys, axis=-1)  # valid positions in random order, then invalid in order
    target = np.broadcast_to(np.argsort(~valid, axis=-1, kind="stable"), source.shape)
    out = np.empty((k,) + metric.shape)
    np.put_along_axis(out, target, np.take_along_axis(
        np.broadcast_to(metric, source.shape), source, axis=-1), axis=-1)
    return out


class _ChancePlan:
    """How chance draws of one metric are computed at ``item``, ``sys`` or ``none``: the fast
    paths (shuffled unit vectors, fixed-gold pair counts) where they apply, else generic."""

    def __init__(self, gold, metric, coef: Coefficient, level: str, fast: bool):
        self.gold, self.metric, self.coef, self.level = gold, metric, coef, level
        self.valid = np.isfinite(gold) & np.isfinite(metric)
        self.pooled_pairs = (fast and level == "none" and coef.from_counts is not None
                             and fixed_gold_is_faster(gold.ravel()))
        self.linear = self.grouped = None
        if fast and level == "none" and coef.at_level is None:
            self.linear = shuffle_null_vectors(coef, gold.ravel(), metric.ravel())
        elif fast and level in ("item", "sys"):
            self.grouped = grouped_shuffle_vectors(coef, level_groups(gold, level),
                                                   level_groups(metric, level))

    def draws(self, rng: np.random.Generator, b: int) -> np.ndarray:
        gold, metric, valid, level = self.gold, self.metric, self.valid, self.level
        if self.grouped is not None:  # within-group shuffles of the unit vectors V
            U, V, ok = self.grouped
            shuffled = _shuffled(V, level_groups(valid, level), rng, b)  # (b, G, n)
            r = np.clip(np.einsum("bgn,gn->bg", shuffled, U), -1.0, 1.0)
            return average_correlations(np.where(ok, r, np.nan))
        if self.linear is not None:  # the same permutation applied to the unit vector v
            u, v = self.linear
            shuffled = _shuffled(v.reshape(1, -1), valid.reshape(1, -1), rng, b)[:, 0]
            return np.clip(shuffled @ u, -1.0, 1.0)
        if level == "item":
            m = np.swapaxes(_shuffled(metric.T, valid.T, rng, b), -1, -2)
        elif level == "sys":
            m = _shuffled(metric, valid, rng, b)
        else:
            m = _shuffled(metric.reshape(1, -1), valid.reshape(1, -1), rng, b).reshape(
                (b,) + metric.shape)
        m = np.where(valid, m, np.nan)
        if self.pooled_pairs:  # every draw shares the valid cells: fixed-gold pair counts
            return fixed_gold_statistic(self.coef, gold.ravel(), m.reshape(b, -1))
        return correlation_at_level(gold, m, self.coef, level)


def chance_baseline(gold, metric, coefficient: str | Coefficient, level: str, k: int = 1000,
                    seed: int = 0, ci: float = 0.95, chunk: int | None = None,
                    fast: bool = True) -> ChanceBaseline:
    """Permutation null of the statistic: metric values shuffled, gold fixed.

    Shuffles the metric within each item (``item``), within each system (``sys``), across all
    gold-covered cells (``none``), or the system-level metric scores across systems
    (``system``). Returns the (1-ci)/2 and (1+ci)/2 quantiles of the finite draws and the k draws
    as a :class:`ChanceBaseline`.
    At ``none``, Pearson and Spearman draws are dot products of the shuffled standardised metric
    (ranks) with the standardised gold (``fastpaths.shuffle_null_vectors``), and Kendall-family
    draws count the pairs of all shuffles against the fixed gold order at once
    (``fastpaths.fixed_gold_statistic``); both exact. ``fast=False`` uses the generic path.
    """
    gold = np.asarray(gold, float)
    metric = np.asarray(metric, float)
    check_level(level)
    coef = get_coefficient(coefficient)
    rng = np.random.default_rng(seed)
    chunk = chunk or _chunk_size(gold.size)
    if level == "system":
        g, m = system_scores(gold, metric)
        ok = np.isfinite(g) & np.isfinite(m)
        shuffled = _shuffled(m[None], ok[None], rng, k)[:, 0]  # (k, S)
        draws = correlation_at_level(g[:, None], shuffled[..., None], coef, "system")
    else:
        plan = _ChancePlan(gold, metric, coef, level, fast)
        draws = np.concatenate([plan.draws(rng, min(chunk, k - start))
                                for start in range(0, k, chunk)])
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return ChanceBaseline(float("nan"), float("nan"), draws)
    low, high = np.quantile(finite, [(1 - ci) / 2, (1 + ci) / 2])
    return ChanceBaseline(float(low), float(high), draws)
