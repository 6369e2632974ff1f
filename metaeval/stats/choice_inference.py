"""Intervals, chance baselines and PERM-BOTH tests of the choice statistics, vectorised over draws.

- Bootstrap (:func:`bootstrap_draws`): ``items`` resamples the items with replacement
  (``default_rng(seed)``, items first), ``raters`` and ``both`` also draw the raters with
  replacement (a crossed bootstrap: every vote of a rater drawn twice counts twice). The
  interval is the percentile interval of the finite draws
  (:func:`metaeval.stats.resampling.percentile_bounds`).
- Chance baseline (:func:`chance_draws`): the metric's scores shuffled among the candidates of
  each item (stream ``default_rng(seed)``), the humans fixed: the statistic of a metric that
  knows nothing; its central interval and the one-sided p-value of the observed value against
  it (:func:`chance_pvalue`, the ``pvalue`` column of a choice result).
- PERM-BOTH (:func:`perm_both_choices`, Deutsch, Dror & Roth 2021): each metric z-scored over
  the candidate cells, then every (item, system) cell swapped between metrics a and b with
  probability 1/2 (:func:`metaeval.stats.permutation.swap_masks`, the same masks for every
  pair); p[a, b] = (#{delta* >= delta} + 1) / (k + 1) for "a agrees better than b".
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.choice_statistics import ChoiceStatistic
from metaeval.stats.choices import ChoiceArrays, HumanDraws
from metaeval.stats.permutation import TIE_TOLERANCE, swap_masks, zscore_on_gold
from metaeval.stats.resampling import percentile_bounds

CHOICE_RESAMPLE = ("items", "raters", "both")
BLOCK_CELLS = 2_000_000  # draws x pairs (or cells) per block


def block_size(arrays: ChoiceArrays) -> int:
    cells = max(arrays.n_pairs, arrays.n_items * arrays.n_systems, len(arrays.vote_pair), 1)
    return int(max(1, BLOCK_CELLS // cells))


def bootstrap_draws(arrays: ChoiceArrays, k: int, seed: int,
                    resample: str = "items") -> Iterator[HumanDraws]:
    """The k bootstrap draws in blocks (the same draws whatever the block size)."""
    if resample not in CHOICE_RESAMPLE:
        raise ParameterError("resample", resample, "choices resample items, raters or both.")
    rng = np.random.default_rng(seed)
    items = (rng.integers(0, arrays.n_items, (k, arrays.n_items))
             if resample in ("items", "both") else np.tile(np.arange(arrays.n_items), (k, 1)))
    raters = None
    if resample in ("raters", "both"):
        drawn = rng.integers(0, arrays.n_raters, (k, arrays.n_raters))
        raters = np.stack([np.bincount(row, minlength=arrays.n_raters) for row in drawn])
    step = block_size(arrays)
    for start in range(0, k, step):
        yield HumanDraws(arrays, items[start:start + step],
                         None if raters is None else raters[start:start + step])


def bootstrap_values(statistic: ChoiceStatistic, arrays: ChoiceArrays, metric: np.ndarray,
                     k: int, seed: int, resample: str) -> np.ndarray:
    """(k,) the statistic on every bootstrap draw (the metric fixed)."""
    return np.concatenate([statistic.compute(draws, metric[None])[0]
                           for draws in bootstrap_draws(arrays, k, seed, resample)])


def ceiling_values(statistic: ChoiceStatistic, arrays: ChoiceArrays, k: int, seed: int,
                   resample: str) -> tuple[float, np.ndarray]:
    """(point, k draws) of the statistic's human-vs-human ceiling (the same draws)."""
    point = float(statistic.ceiling(HumanDraws(arrays))[0])
    if k == 0:
        return point, np.zeros(0)
    return point, np.concatenate([statistic.ceiling(d)
                                  for d in bootstrap_draws(arrays, k, seed, resample)])


def shuffled(arrays: ChoiceArrays, metric: np.ndarray, rng: np.random.Generator,
             k: int) -> np.ndarray:
    """(k, I, S) the metric with its candidate scores shuffled within each item."""
    candidates = arrays.candidates
    keys = np.where(candidates, rng.random((k,) + candidates.shape), np.inf)
    order = np.argsort(keys, -1, kind="stable")  # random order of candidates, then the rest
    target = np.argsort(np.where(candidates, 0, 1), -1, kind="stable")  # candidates first
    values = np.take_along_axis(np.broadcast_to(metric, order.shape), order, -1)
    out = np.empty(order.shape)
    np.put_along_axis(out, np.broadcast_to(target, order.shape), values, -1)
    return out


def chance_draws(statistic: ChoiceStatistic, arrays: ChoiceArrays, metric: np.ndarray, k: int,
                 seed: int) -> np.ndarray:
    """(k,) the statistic with the metric shuffled within items (the humans fixed)."""
    rng = np.random.default_rng(seed)
    identity = HumanDraws(arrays)
    step = block_size(arrays)
    return np.concatenate([statistic.compute(identity, shuffled(arrays, metric, rng,
                                                                min(step, k - start)))[0]
                           for start in range(0, k, step)])


def chance_pvalue(draws: np.ndarray, value: float) -> float:
    """One-sided p-value of ``value`` against the chance draws: (#{draw >= value} + 1) /
    (n + 1) over the n finite draws (draws within ``TIE_TOLERANCE`` count as ties, that is as
    extreme), the p-value of "the metric agrees better than a metric that knows nothing"; NaN
    without a finite value or draw."""
    finite = np.asarray(draws, float)
    finite = finite[np.isfinite(finite)]
    if not np.isfinite(value) or finite.size == 0:
        return float("nan")
    return float((np.sum(finite >= value - TIE_TOLERANCE) + 1) / (finite.size + 1))


def interval(draws: np.ndarray, ci: float) -> tuple[float, float]:
    """The percentile interval of the finite draws (NaN when none is finite)."""
    low, high = percentile_bounds(np.asarray(draws, float)[None], ci)
    return float(low[0]), float(high[0])


def perm_both_choices(statistic: ChoiceStatistic, arrays: ChoiceArrays, metrics: np.ndarray,
                      k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(delta (M, M), p (M, M)): delta[a, b] = stat(a) - stat(b) of the z-scored metrics and
    the one-sided PERM-BOTH p-value of "a better than b" (diagonals NaN)."""
    gold = np.where(arrays.candidates, 1.0, np.nan)
    z = zscore_on_gold(gold, np.asarray(metrics, float))
    identity = HumanDraws(arrays)
    value = np.array([statistic.compute(identity, z[m][None])[0][0] for m in range(len(z))])
    delta = value[:, None] - value[None, :]
    above = np.zeros(delta.shape)
    rng = np.random.default_rng(seed)
    step = block_size(arrays)
    for start in range(0, k, step):
        masks = swap_masks(rng, min(step, k - start), gold.shape)
        for a, b in combinations(range(len(z)), 2):
            first = np.where(masks, z[b], z[a])
            second = np.where(masks, z[a], z[b])
            null = (statistic.compute(identity, first)[0]
                    - statistic.compute(identity, second)[0])
            above[a, b] += np.sum(null >= delta[a, b] - TIE_TOLERANCE)
            above[b, a] += np.sum(null <= delta[a, b] + TIE_TOLERANCE)
    p = (above + 1) / (k + 1)
    undefined = ~np.isfinite(delta)
    p[undefined] = np.nan
    np.fill_diagonal(p, np.nan)
    return delta, p
