"""Permutation tests: PERM-BOTH for metric pairs (the chance baseline: :mod:`metaeval.stats.chance`).

PERM-BOTH (Deutsch, Dror & Roth 2021, "A Statistical Analysis of Summarization Evaluation
Metrics using Resampling Methods"; mt-metrics-eval ``stats.PermutationSigDiff``): keep the cells
where gold is present, z-score each metric over them (population sd, ``scipy.stats.zscore``),
then in each draw swap every (system, item) cell between metrics a and b with probability 1/2
and recompute delta* = stat(a*) - stat(b*). (MSE, whose value depends on the scale, swaps the
raw scores; see :func:`swapped_scores`.) With delta = stat(a) - stat(b):

    p[a, b] = (#{delta* >= delta} + 1) / (k + 1)   ("a correlates better than b")
    p[b, a] = (#{delta* <= delta} + 1) / (k + 1)   (same draws, reversed inequality)

For a coefficient where lower is better (MSE) "a better than b" is the other tail: p[a, b] and
p[b, a] trade places. Draws within ``TIE_TOLERANCE`` of delta count as ties (as extreme), so that rank-based statistics,
whose draws often reproduce delta exactly, give the same p-values whatever the rounding.
All pairs share the same k swap masks drawn from ``default_rng(seed)`` (each pair's test is a
valid PERM-BOTH test; sharing makes the p matrix consistent and the run cheaper). Pearson at the
``item``, ``sys`` and ``none`` levels has an exact fast path: the swapped metric is
a + w (b - a) with w in {0, 1}, so the per-group sums that Pearson needs are matrix products of
the swap masks with fixed vectors (gold centred and normalised once). Spearman at the same
levels has one too, ties included (average ranks of every draw from one small product per pair
for short groups, ``permshort``, else from one sort per pair, ``permsorted``), and every
coefficient of vectors has one at level ``system`` (``permsystem``: system sums of every hybrid
from one mask product per metric). A metric that is not finite on every gold cell (constant, so
NaN once z-scored, or missing a cell) takes the generic path in its own pairs only.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.chance import ChanceBaseline, chance_baseline, chance_baselines  # noqa: F401
from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.levels import check_level, correlation_at_level
from metaeval.stats.permfast import fast_path_metrics, perm_both_fast_path
from metaeval.stats.permsorted import generic_pair_draws
from metaeval.stats.scaling import unit_scale

TIE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class PermBothResult:
    """``statistic[a, b] = stat(a) - stat(b)``; ``pvalue[a, b]``: p-value for "a correlates
    better than b". The diagonals are NaN; ``k`` is the number of draws. ``draws`` (with
    ``keep_draws``): the null deltas stat(a*) - stat(b*) of every pair a < b, in
    ``itertools.combinations`` order, shape (pairs, k); None otherwise."""

    statistic: np.ndarray
    pvalue: np.ndarray
    k: int
    draws: np.ndarray | None = None


def zscore_on_gold(gold: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Metric cells outside gold set to NaN, the rest z-scored per metric (population sd); each
    metric matrix is first multiplied by a power of two (exact, :mod:`metaeval.stats.scaling`),
    so that its mean and sd neither underflow nor overflow: z does not depend on the scale."""
    present = np.isfinite(gold)
    z = unit_scale(np.where(present, scores, np.nan), (-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(z, axis=(-2, -1), keepdims=True)
        sd = np.nanstd(z, axis=(-2, -1), keepdims=True)
        return (z - mean) / sd


def swapped_scores(gold: np.ndarray, scores: np.ndarray, coef: Coefficient) -> np.ndarray:
    """What PERM-BOTH swaps between two metrics: the z-scores (:func:`zscore_on_gold`), or for a
    coefficient that compares metric and human values directly (``same_scale``, MSE) the raw
    scores on the gold's cells (a z-score would change the value being tested)."""
    if coef.same_scale:
        return np.where(np.isfinite(gold), scores, np.nan)
    return zscore_on_gold(gold, scores)


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


def _fast_subset(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray, pairs):
    """(fast path, {pair index: pair in its metrics' numbering}) for the pairs of metrics a
    fast path takes (:func:`metaeval.stats.permfast.fast_path_metrics`; the others take the
    generic path in their own pairs only); (None, {}) without a fast path."""
    complete = fast_path_metrics(coef, level, gold, z)
    if complete.sum() < 2:
        return None, {}
    fast_path = perm_both_fast_path(coef, level, gold, z[complete])
    if fast_path is None:
        return None, {}
    local = np.cumsum(complete) - 1
    return fast_path, {i: (int(local[a]), int(local[b])) for i, (a, b) in enumerate(pairs)
                       if complete[a] and complete[b]}


def perm_both(gold, scores, coefficient: str | Coefficient, level: str, k: int = 1000,
              seed: int = 0, chunk: int | None = None, fast: bool = True,
              keep_draws: bool = False) -> PermBothResult:
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
    z = swapped_scores(gold, scores, coef)
    gold_f = np.where(np.isfinite(gold), gold, np.nan)
    value = correlation_at_level(gold_f[None], z, coef, level)
    pairs = list(combinations(range(M), 2))
    fast_path, fast_pairs = _fast_subset(coef, level, gold_f, z, pairs) if fast else (None, {})

    rng = np.random.default_rng(seed)
    chunk = chunk or _chunk_size(gold.size, fast_path is not None)
    delta = value[:, None] - value[None, :]
    above = np.zeros((M, M), dtype=np.int64)  # above[a, b] = #(delta*_ab >= delta_ab)
    kept = np.empty((len(pairs), k)) if keep_draws else None
    for start in range(0, k, chunk):
        masks = swap_masks(rng, min(chunk, k - start), gold.shape)
        fast_draws = fast_path.draws(list(fast_pairs.values()), masks) if fast_pairs else None
        row = {p_index: i for i, p_index in enumerate(fast_pairs)}
        for p_index, (a, b) in enumerate(pairs):
            draws = (fast_draws[row[p_index]] if p_index in row
                     else generic_pair_draws(gold_f, z[a], z[b], masks, coef, level))
            above[a, b] += int((draws >= delta[a, b] - TIE_TOLERANCE).sum())
            above[b, a] += int((draws <= delta[a, b] + TIE_TOLERANCE).sum())
            if kept is not None:
                kept[p_index, start:start + len(masks)] = draws
    p = (above + 1) / (k + 1)
    if coef.lower_is_better:  # "a better than b" is a smaller value: the other tail
        p = p.T.copy()
    np.fill_diagonal(p, np.nan)
    np.fill_diagonal(delta, np.nan)
    return PermBothResult(statistic=delta, pvalue=p, k=k, draws=kept)


def perm_both_draws(gold, scores, coefficient: str | Coefficient, level: str, a: int, b: int,
                    k: int = 1000, seed: int = 0, chunk: int | None = None,
                    fast: bool = True) -> np.ndarray:
    """The k null draws delta* of one pair (a, b), with the same masks ``perm_both`` uses."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    coef = get_coefficient(coefficient)
    z = swapped_scores(gold, scores, coef)
    fast_path, fast_pairs = _fast_subset(coef, level, gold, z, [(a, b)]) if fast else (None, {})
    rng = np.random.default_rng(seed)
    chunk = chunk or _chunk_size(gold.size, fast_path is not None)
    out = []
    for start in range(0, k, chunk):
        masks = swap_masks(rng, min(chunk, k - start), gold.shape)
        if fast_pairs:
            out.append(fast_path.draws([fast_pairs[0]], masks)[0])
        else:
            out.append(generic_pair_draws(gold, z[a], z[b], masks, coef, level))
    return np.concatenate(out)
