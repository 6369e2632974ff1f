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
levels has one too (``fastpaths.SpearmanPermBoth``): the average ranks of every draw are matrix
products of the swap masks with fixed half-step matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from metaeval.errors import StatsError
from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.fastpaths import (
    PAIR_FAST,
    SpearmanPermBoth,
    fixed_gold_is_faster,
    fixed_gold_statistic,
    shuffle_null_vectors,
)
from metaeval.stats.levels import average_correlations, check_level, correlation_at_level

TIE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class PermBothResult:
    """``delta[a, b] = stat(a) - stat(b)``; ``p[a, b]`` = p-value for "a correlates better than b".

    The diagonal is NaN. ``k`` is the number of draws.
    """

    delta: np.ndarray
    p: np.ndarray
    k: int


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


class _FastPearson:
    """Exact PERM-BOTH draws for Pearson at ``item``, ``sys`` or ``none``.

    Groups (G) hold vectors of length n: items x systems for ``item``, systems x items for
    ``sys``, one group of all cells for ``none``. Per group, r(g, m) = <gc, m> / ||m - mean(m)||
    with gc the centred, unit-norm gold over the valid cells. For m* = a + w d (d = b - a):
    <gc, m*> = <gc, a> + w.(gc d); sum m* = sum a + w.d; sum m*^2 = sum a^2 + w.(b^2 - a^2).
    """

    def __init__(self, gold: np.ndarray, z: np.ndarray, level: str):
        self.level = level
        g = self._groups(gold)  # (G, n)
        valid = np.isfinite(g)
        self.valid = valid
        n = valid.sum(-1)
        self.n = n.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            gc = np.where(valid, g - np.where(valid, g, 0).sum(-1, keepdims=True) / n[:, None], 0.0)
            sgg = (gc * gc).sum(-1)
            self.gold_ok = (n >= 2) & (sgg > 1e-24 * np.maximum(1.0, n))
            self.gc = np.where(self.gold_ok[:, None], gc / np.sqrt(sgg)[:, None], 0.0)
        self.z = np.stack([np.where(valid, self._groups(m), 0.0) for m in z])  # (M, G, n)

    def _groups(self, x: np.ndarray) -> np.ndarray:
        if self.level == "item":
            return np.swapaxes(x, -1, -2)
        if self.level == "sys":
            return x
        return x.reshape(x.shape[:-2] + (1, -1))

    @staticmethod
    def supports(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        present = np.isfinite(gold)
        return (coef.name == "pearson" and coef.at_level is None and level in ("item", "sys", "none")
                and bool(np.isfinite(z[:, present]).all()))

    def _stat(self, dot, total, square) -> np.ndarray:
        n = self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            syy = square - total * total / n
            r = dot / np.sqrt(syy)
        ok = self.gold_ok & (syy > 1e-24 * np.maximum(1.0, n))
        r = np.clip(np.where(ok, r, np.nan), -1.0, 1.0)
        return average_correlations(r)  # mean over groups (last axis)

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* for each pair and mask: (P, k), with one batched product for all pairs."""
        a = np.array([p[0] for p in pairs])
        b = np.array([p[1] for p in pairs])
        za, zb = self.z[a], self.z[b]  # (P, G, n)
        d = zb - za
        vectors = np.concatenate([self.gc * d, d, zb * zb - za * za])  # (3P, G, n)
        w = np.moveaxis(self._groups(masks).astype(float), 0, 1)  # (G, k, n)
        prod = np.matmul(w, np.moveaxis(vectors, 0, -1))  # (G, k, 3P)
        prod = np.moveaxis(prod, -1, 0).reshape(3, len(pairs), w.shape[0], w.shape[1])
        prod = np.swapaxes(prod, -1, -2)  # (3, P, k, G)

        def sums(zx):  # (3, P, 1, G)
            return np.stack([(self.gc * zx).sum(-1), zx.sum(-1), (zx * zx).sum(-1)])[:, :, None]

        ra = self._stat(*(sums(za) + prod))
        rb = self._stat(*(sums(zb) - prod))
        return ra - rb


def _fast_path(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray):
    """The exact fast path for this coefficient and level (Pearson, Spearman), or None."""
    for path in (_FastPearson, SpearmanPermBoth):
        if path.supports(coef, level, gold, z):
            return path(gold, z, level)
    return None


def perm_both(gold, scores, coefficient: str | Coefficient, level: str, k: int = 1000,
              seed: int = 0, chunk: int | None = None, fast: bool = True) -> PermBothResult:
    """PERM-BOTH p-values for every ordered metric pair; scores is (M, S, I)."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    if scores.ndim != 3 or scores.shape[1:] != gold.shape:
        raise StatsError(f"scores must be (M, S, I) matching gold {gold.shape}; got {scores.shape}.")
    if k < 1:
        raise StatsError(f"k must be at least 1, got {k}.")
    check_level(level)
    coef = get_coefficient(coefficient) if isinstance(coefficient, str) else coefficient
    M = scores.shape[0]
    z = zscore_on_gold(gold, scores)
    gold_f = np.where(np.isfinite(gold), gold, np.nan)
    value = correlation_at_level(gold_f[None], z, coef, level)
    pairs = list(combinations(range(M), 2))
    fast_path = _fast_path(coef, level, gold_f, z) if fast else None

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
    return PermBothResult(delta=delta, p=p, k=k)


def perm_both_draws(gold, scores, coefficient: str | Coefficient, level: str, a: int, b: int,
                    k: int = 1000, seed: int = 0, chunk: int | None = None,
                    fast: bool = True) -> np.ndarray:
    """The k null draws delta* of one pair (a, b), with the same masks ``perm_both`` uses."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    coef = get_coefficient(coefficient) if isinstance(coefficient, str) else coefficient
    z = zscore_on_gold(gold, scores)
    fast_path = _fast_path(coef, level, gold, z) if fast else None
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
    """k shuffles of the valid cells of each row of ``metric`` (G, n) among themselves: (k, G, n)."""
    keys = np.where(valid, rng.random((k,) + metric.shape), np.inf)
    source = np.argsort(keys, axis=-1)  # valid positions in random order, then invalid in order
    target = np.broadcast_to(np.argsort(~valid, axis=-1, kind="stable"), source.shape)
    out = np.empty((k,) + metric.shape)
    np.put_along_axis(out, target, np.take_along_axis(
        np.broadcast_to(metric, source.shape), source, axis=-1), axis=-1)
    return out


def chance_baseline(gold, metric, coefficient: str | Coefficient, level: str, k: int = 1000,
                    seed: int = 0, ci: float = 0.95, chunk: int | None = None,
                    fast: bool = True) -> tuple[float, float, np.ndarray]:
    """Permutation null of the statistic: metric values shuffled, gold fixed.

    Shuffles the metric within each item (``item``), within each system (``sys``), across all
    gold-covered cells (``none``), or the system-level metric scores across systems
    (``system``). Returns the (1-ci)/2 and (1+ci)/2 quantiles of the finite draws and the k draws.
    At ``none``, Pearson and Spearman draws are dot products of the shuffled standardised metric
    (ranks) with the standardised gold (``fastpaths.shuffle_null_vectors``), and Kendall-family
    draws count the pairs of all shuffles against the fixed gold order at once
    (``fastpaths.fixed_gold_statistic``); both exact. ``fast=False`` uses the generic path.
    """
    gold = np.asarray(gold, float)
    metric = np.asarray(metric, float)
    check_level(level)
    coef = get_coefficient(coefficient) if isinstance(coefficient, str) else coefficient
    valid = np.isfinite(gold) & np.isfinite(metric)
    rng = np.random.default_rng(seed)
    chunk = chunk or _chunk_size(gold.size)
    draws = np.empty(k)
    pooled_pairs = (fast and level == "none" and coef.name in PAIR_FAST and coef.pair_based
                    and coef.at_level is None and fixed_gold_is_faster(gold.ravel()))
    linear = None
    if fast and level == "none" and coef.at_level is None:
        linear = shuffle_null_vectors(coef.name, gold.ravel(), metric.ravel())
    if level == "system":
        from metaeval.stats.levels import system_scores

        g, m = system_scores(gold, metric)
        ok = np.isfinite(g) & np.isfinite(m)
        shuffled = _shuffled(m[None], ok[None], rng, k)[:, 0]  # (k, S)
        draws = correlation_at_level(g[:, None], shuffled[..., None], coef, "system")
    else:
        for start in range(0, k, chunk):
            b = min(chunk, k - start)
            if level == "item":
                m = np.swapaxes(_shuffled(metric.T, valid.T, rng, b), -1, -2)
            elif level == "sys":
                m = _shuffled(metric, valid, rng, b)
            elif linear is not None:  # the same permutation applied to the unit vector v
                u, v = linear
                shuffled = _shuffled(v.reshape(1, -1), valid.reshape(1, -1), rng, b)[:, 0]
                draws[start:start + b] = np.clip(shuffled @ u, -1.0, 1.0)
                continue
            else:
                m = _shuffled(metric.reshape(1, -1), valid.reshape(1, -1), rng, b).reshape(
                    (b,) + metric.shape)
            m = np.where(valid, m, np.nan)
            if pooled_pairs:  # every draw shares the valid cells: fixed-gold pair counts
                draws[start:start + b] = fixed_gold_statistic(coef.name, gold.ravel(),
                                                              m.reshape(b, -1))
            else:
                draws[start:start + b] = correlation_at_level(gold, m, coef, level)
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return float("nan"), float("nan"), draws
    low, high = np.quantile(finite, [(1 - ci) / 2, (1 + ci) / 2])
    return float(low), float(high), draws
