"""Power of the paired test "metric A correlates better than B" by subsampling (Monte Carlo).

For a grid of sizes n, ``reps`` subsamples of n items are drawn without replacement (or, for
raters, each cell's human score is the mean of m of its ratings drawn without replacement);
on each subsample the PERM-BOTH test of the engine (:mod:`metaeval.stats.permutation`: z-score
both metrics on the subsample, swap each cell between them with p = 1/2, ``k`` draws,
p = (c + 1) / (k + 1), c = #(delta* >= delta)) is run, vectorised over subsamples and draws.
Power(n) = share of subsamples with p < alpha; its Monte Carlo standard error is
sqrt(P (1 - P) / reps). Items needed for 80% power: the first grid point whose power reaches
0.8 (NaN where none does). Identical metrics give delta* = delta on every draw, p = 1, power 0.
A test with few draws (k = 100 by default) has a p-value floor of 1/(k + 1); it is recorded.
Simulation instead of subsampling the raters (``spread`` of :func:`item_power`,
:func:`simulated_rater_power`): each cell's human score is drawn as mu_c + sqrt(v_c / m) z from
the one-way random-effects fit of :mod:`metaeval.stats.rater_variance` (any m >= 1); the noise
has its own generator (seeded by (seed, 1)), so the item subsamples and permutation masks are
those of the subsampling estimate with the same seed (zero spread gives identical power).
Reference: Deutsch, Dror & Roth (2021), "A Statistical Analysis of Summarization Evaluation
Metrics using Resampling Methods", TACL (PERM-BOTH and its power by subsampling).
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.permutation import TIE_TOLERANCE, zscore_on_gold
from metaeval.stats.rater_variance import simulated_means

TARGET = 0.8
CELL_BUDGET = 4_000_000  # cells of one batch of (subsamples x draws x S x n)


def item_subsamples(rng: np.random.Generator, n_items: int, n: int, reps: int) -> np.ndarray:
    """(reps, n) item indices, each row n distinct items (uniform without replacement)."""
    if not 1 <= n <= n_items:
        raise ParameterError("grid", n, f"sizes must lie between 1 and the {n_items} items.")
    return np.argsort(rng.random((reps, n_items)), axis=1)[:, :n]


def rater_means(rng: np.random.Generator, ratings: np.ndarray, m: int, reps: int) -> np.ndarray:
    """(reps, S, I) human scores: per cell the mean of m of its ratings (without replacement);
    ``ratings`` is (S, I, R) with NaN padding; a cell with fewer than m ratings is NaN."""
    present = np.isfinite(ratings)
    keys = np.where(present[None], rng.random((reps, *ratings.shape)), np.inf)
    chosen = np.argsort(keys, axis=-1)[..., :m]
    picked = np.take_along_axis(np.broadcast_to(ratings, keys.shape), chosen, axis=-1)
    enough = present.sum(-1) >= m
    with np.errstate(invalid="ignore"):
        return np.where(enough[None], picked.mean(-1), np.nan)


def perm_both_pvalues(gold, a, b, coefficient: str | Coefficient, level: str, k: int,
                      rng: np.random.Generator) -> np.ndarray:
    """PERM-BOTH one-sided p-values of "a better than b" for a batch: gold, a, b are
    (R, S, n); returns (R,)."""
    coef = get_coefficient(coefficient)
    za, zb = zscore_on_gold(gold, a), zscore_on_gold(gold, b)
    delta = (correlation_at_level(gold, za, coef, level)
             - correlation_at_level(gold, zb, coef, level))
    above = np.zeros(len(gold), dtype=np.int64)
    per_draw = max(1, gold[0].size * len(gold))
    chunk = int(max(1, min(k, CELL_BUDGET // per_draw)))
    for start in range(0, k, chunk):
        size = min(chunk, k - start)
        swap = rng.random((len(gold), size) + gold.shape[1:]) < 0.5
        sa = np.where(swap, zb[:, None], za[:, None])
        sb = np.where(swap, za[:, None], zb[:, None])
        g = np.broadcast_to(gold[:, None], sa.shape)
        draws = (correlation_at_level(g, sa, coef, level)
                 - correlation_at_level(g, sb, coef, level))
        above += (draws >= delta[:, None] - TIE_TOLERANCE).sum(1)
    p = (above + 1) / (k + 1)
    return np.where(np.isfinite(delta), p, np.nan)


def items_needed(grid, power, target: float = TARGET) -> float:
    """The first grid size whose power reaches ``target``; NaN when none does."""
    reached = [n for n, p in zip(grid, power) if np.isfinite(p) and p >= target]
    return float(reached[0]) if reached else float("nan")


def draws_for(alpha: float) -> int:
    """The fewest permutation draws k whose smallest p-value 1/(k + 1) is below ``alpha``."""
    k = max(1, int(np.floor(1 / alpha)) - 1)
    while 1 / (k + 1) >= alpha:
        k += 1
    return k


def check_reachable(alpha: float, k: int, parameter: str = "alpha", draws: str = "k",
                    fix: str = "") -> None:
    """Refuse an ``alpha`` no PERM-BOTH test with ``k`` draws can reach: its p-values are at
    least 1/(k + 1), so the power would be 0 at every size (larger samples do not help)."""
    if 1 / (k + 1) >= alpha:
        raise ParameterError(parameter, alpha, f"is unreachable with {draws}={k} permutation "
                             f"draws: the smallest p-value is 1/({k} + 1) = {1 / (k + 1):.4g}, "
                             "so no number of items or raters can be significant.",
                             fix or f"use {draws} >= {draws_for(alpha)} draws, or a larger "
                             "alpha.")


def check_power_options(grid, reps: int, k: int, alpha: float, minimum: int = 2,
                        option: str = "grid") -> None:
    """One-line errors for a bad grid, number of subsamples, draws or alpha: sizes >= minimum,
    reps >= 2 (a Monte Carlo SE needs two subsamples), k >= 1, 0 < alpha < 1 and reachable."""
    if not len(grid) or any(int(n) < minimum for n in grid):
        raise ParameterError(option, ",".join(map(str, grid)),
                             f"give sizes >= {minimum}, e.g. 10,20,40.")
    if reps < 2:
        raise ParameterError("reps", reps, "the power and its Monte Carlo standard error need "
                             "at least 2 subsamples per size.", "use e.g. 200.")
    if k < 1:
        raise ParameterError("k", k, "the number of permutation draws must be at least 1.")
    if not 0 < alpha < 1:
        raise ParameterError("alpha", alpha, "must lie strictly between 0 and 1, e.g. 0.05.")
    check_reachable(alpha, k)


def _batches(reps: int, cells: int, k: int) -> list[slice]:
    step = int(max(1, min(reps, CELL_BUDGET // max(1, cells * min(k, 50)))))
    return [slice(s, min(reps, s + step)) for s in range(0, reps, step)]


def _share(p: np.ndarray, alpha: float) -> float:
    return float(np.mean(p < alpha)) if np.isfinite(p).any() else float("nan")


def item_power(gold, a, b, coefficient, level, grid, reps: int = 200, k: int = 100,
               alpha: float = 0.05, seed: int = 0, spread=None) -> np.ndarray:
    """Power at each item count of ``grid``: gold, a, b are (S, I), metrics oriented. With
    ``spread`` (S, I) = sqrt(v_c / m), each subsample's human scores are simulated panel means
    around ``gold`` (see the module docstring) instead of ``gold`` itself."""
    check_power_options(grid, reps, k, alpha)
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng([seed, 1])
    out = []
    for n in grid:
        index = item_subsamples(rng, gold.shape[1], int(n), reps)
        p = []
        for part in _batches(reps, gold.shape[0] * int(n), k):
            g = gold[:, index[part]].transpose(1, 0, 2)
            if spread is not None:
                g = g + spread[:, index[part]].transpose(1, 0, 2) * noise.standard_normal(g.shape)
            p.append(perm_both_pvalues(g, a[:, index[part]].transpose(1, 0, 2),
                                       b[:, index[part]].transpose(1, 0, 2), coefficient, level,
                                       k, rng))
        out.append(_share(np.concatenate(p), alpha))
    return np.array(out)


def rater_power(ratings, a, b, coefficient, level, grid, reps: int = 200, k: int = 100,
                alpha: float = 0.05, seed: int = 0) -> np.ndarray:
    """Power at each rater count m of ``grid`` (all items): ratings is (S, I, R)."""
    check_power_options(grid, reps, k, alpha, minimum=1, option="raters")
    if any(int(m) > ratings.shape[-1] for m in grid):
        raise ParameterError("raters", ",".join(map(str, grid)),
                             f"at most {ratings.shape[-1]} ratings per cell in the data.")
    rng = np.random.default_rng(seed)
    out = []
    for m in grid:
        p = []
        for part in _batches(reps, a.size, k):
            gold = rater_means(rng, ratings, int(m), part.stop - part.start)
            p.append(perm_both_pvalues(gold, np.broadcast_to(a, gold.shape),
                                       np.broadcast_to(b, gold.shape), coefficient, level, k,
                                       rng))
        out.append(_share(np.concatenate(p), alpha))
    return np.array(out)


def simulated_rater_power(means, variance, a, b, coefficient, level, grid, reps: int = 200,
                          k: int = 100, alpha: float = 0.05, seed: int = 0) -> np.ndarray:
    """Power at each panel size m of ``grid`` (all items), the human scores simulated as
    means + sqrt(variance / m) z per cell (``means``, ``variance`` are (S, I))."""
    check_power_options(grid, reps, k, alpha, minimum=1, option="raters")
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng([seed, 1])
    out = []
    for m in grid:
        spread = np.sqrt(variance / int(m))
        p = []
        for part in _batches(reps, a.size, k):
            gold = simulated_means(noise, means, spread, part.stop - part.start)
            p.append(perm_both_pvalues(gold, np.broadcast_to(a, gold.shape),
                                       np.broadcast_to(b, gold.shape), coefficient, level, k,
                                       rng))
        out.append(_share(np.concatenate(p), alpha))
    return np.array(out)


def monte_carlo_se(power: np.ndarray, reps: int) -> np.ndarray:
    """Standard error of a share estimated from ``reps`` subsamples: sqrt(P (1 - P) / reps);
    NaN for fewer than 2 subsamples (one draw says nothing about its own spread)."""
    power = np.asarray(power, float)
    if reps < 2:
        return np.full(power.shape, np.nan)
    return np.sqrt(power * (1 - power) / reps)
