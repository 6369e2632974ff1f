"""Noise ceiling of a rating panel: split-half reliability of the panel mean, Spearman-Brown.

For each of ``k`` random splits, the ratings of every stimulus are shuffled and split into two
halves (sizes floor(n/2) and ceil(n/2)); the two half-panel means are arranged as system x item
matrices and correlated at ``level`` (all splits in one batched call). The half-panel correlation
r is stepped up to the full panel with Spearman-Brown, ``r_full = 2 r / (1 + r)`` (Spearman
1910; Brown 1910). ``statistic`` is the mean of r_full over the splits; ``low`` / ``high`` the
(1-ci)/2 and (1+ci)/2 quantiles of the splits (their spread, not a sampling interval).

r_full estimates the reliability of the panel mean: the correlation between two independent
panels of the same size. With true quality q and rater noise of variance s^2, m raters per
stimulus, that is var(q) / (var(q) + s^2 / m). It is the correlation a perfect metric can expect
with another panel's means; the largest correlation any metric can expect with *this* panel's
means (a metric that equals q) is ``sqrt(statistic)`` (``perfect_metric``; Nili et al. 2014,
"A toolbox for representational similarity analysis", PLoS Comput Biol 10(4)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.levels import check_level, correlation_at_level


@dataclass(frozen=True)
class NoiseCeiling:
    """Split-half + Spearman-Brown reliability of the panel mean.

    ``statistic``: mean stepped-up reliability over the splits; ``low``/``high``: its spread over
    the splits; ``split_half``: the mean uncorrected half-panel r; ``perfect_metric``:
    sqrt(statistic), the expected correlation of a perfect metric with the panel mean.
    """

    statistic: float
    low: float
    high: float
    k: int
    method: str
    split_half: float = float("nan")
    perfect_metric: float = float("nan")


def spearman_brown(r: np.ndarray, factor: float = 2.0) -> np.ndarray:
    """Reliability of a panel ``factor`` times larger: ``factor r / (1 + (factor - 1) r)``."""
    r = np.asarray(r, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return factor * r / (1 + (factor - 1) * r)


def half_panel_means(values: np.ndarray, counts: np.ndarray, k: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(k, stimuli) means of two random halves of each stimulus's ratings (NaN-padded rows)."""
    width = values.shape[1]
    used = np.arange(width) < counts[:, None]
    keys = np.where(used, rng.random((k, *values.shape)), np.inf)
    rank = np.argsort(np.argsort(keys, axis=-1), axis=-1)  # random order of the real ratings
    first = rank < (counts // 2)[:, None]
    second = used & ~first
    filled = np.where(used, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (filled * first).sum(-1) / first.sum(-1)
        b = (filled * second).sum(-1) / second.sum(-1)
    return a, b


def split_half_ceiling(values: np.ndarray, counts: np.ndarray, systems: np.ndarray,
                       items: np.ndarray, coefficient: str = "spearman", level: str = "none",
                       k: int = 200, seed: int = 0, ci: float = 0.95) -> NoiseCeiling:
    """The ceiling of stimuli with ratings ``values`` (stimuli, width; NaN-padded rows of
    ``counts`` ratings) at system ``systems[s]`` and item ``items[s]`` (integer codes)."""
    check_level(level)
    if k < 1:
        raise ParameterError("k", k, "the number of random splits must be at least 1.")
    if not 0 < ci < 1:
        raise ParameterError("ci", ci, "the confidence level must lie in (0, 1), e.g. 0.95.")
    if (counts < 2).all():
        raise StatsError("every stimulus has fewer than 2 ratings; a split-half ceiling needs "
                         "at least 2 raters per stimulus.")
    a, b = half_panel_means(values, counts, k, np.random.default_rng(seed))
    gold = np.full((k, int(systems.max()) + 1, int(items.max()) + 1), np.nan)
    other = gold.copy()
    gold[:, systems, items], other[:, systems, items] = a, b
    r = correlation_at_level(gold, other, coefficient, level)
    full = spearman_brown(r)
    finite = full[np.isfinite(full)]
    if finite.size == 0:
        raise StatsError(f"the half-panel correlations at level {level!r} are all undefined "
                         "(too few stimuli or constant means).")
    value = float(finite.mean())
    alpha = (1 - ci) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    method = (f"split-half ({k} random splits of each stimulus's raters), {coefficient} at level "
              f"{level}, Spearman-Brown 2r/(1+r)")
    return NoiseCeiling(statistic=value, low=float(low), high=float(high), k=k, method=method,
                        split_half=float(np.nanmean(r)),
                        perfect_metric=float(np.sqrt(value)) if value > 0 else float("nan"))
