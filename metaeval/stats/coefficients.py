"""Correlation coefficients over the last axis of batched arrays.

Convention: ``coef(human, metric)`` with arrays of shape (..., n); any NaN in either array drops
that pair (pairwise filtering). The result has shape (...) and is NaN when fewer than two pairs
remain or either vector is constant. Leading axes are batch axes (bootstrap or permutation draws,
items of a level), so one call evaluates thousands of correlations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.stats

Batched = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _paired(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    valid = np.isfinite(x) & np.isfinite(y)
    return np.where(valid, x, np.nan), np.where(valid, y, np.nan), valid


def pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r = sum((x-mx)(y-my)) / sqrt(sum((x-mx)^2) sum((y-my)^2)) (Pearson 1895)."""
    x, y, valid = _paired(x, y)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xc = np.where(valid, x - np.nansum(x, -1, keepdims=True) / n[..., None], 0.0)
        yc = np.where(valid, y - np.nansum(y, -1, keepdims=True) / n[..., None], 0.0)
        sxx = (xc * xc).sum(-1)
        syy = (yc * yc).sum(-1)
        r = (xc * yc).sum(-1) / np.sqrt(sxx * syy)
    # a vector is constant when its centred sum of squares vanishes relative to its scale
    const = (sxx <= 1e-24 * np.maximum(1.0, n)) | (syy <= 1e-24 * np.maximum(1.0, n))
    r = np.where((n < 2) | const, np.nan, r)
    return np.clip(r, -1.0, 1.0)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis with ties averaged; NaN stays NaN (not ranked)."""
    return scipy.stats.rankdata(x, axis=-1, nan_policy="omit")


def spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho: Pearson r of the average ranks of the pairwise-complete values."""
    x, y, _ = _paired(x, y)
    return pearson(average_ranks(x), average_ranks(y))


@dataclass(frozen=True)
class Coefficient:
    """A registered correlation coefficient.

    ``batched(human, metric)`` works on the last axis (see module docstring). ``pvalue`` returns
    the analytic two-sided p-value for 1-D vectors where one exists (None otherwise).
    """

    name: str
    batched: Batched
    label: str
    description: str
    pvalue: Callable[[np.ndarray, np.ndarray], float] | None = None
    pair_based: bool = False  # built from concordance counts over pairs (Kendall family)
    # Coefficients that need the whole matrix at once (e.g. tie calibration, which picks one
    # epsilon for all items) implement at_level(gold, metric, level) -> (...) instead.
    at_level: Callable[[np.ndarray, np.ndarray, str], np.ndarray] | None = None


def _scipy_pvalue(fn) -> Callable[[np.ndarray, np.ndarray], float]:
    def pvalue(x: np.ndarray, y: np.ndarray) -> float:
        x, y, valid = _paired(x, y)
        x, y = x[valid], y[valid]
        if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
            return float("nan")
        return float(fn(x, y).pvalue)

    return pvalue


COEFFICIENTS: dict[str, Coefficient] = {}


def register(coefficient: Coefficient) -> Coefficient:
    COEFFICIENTS[coefficient.name] = coefficient
    return coefficient


register(Coefficient("pearson", pearson, "Pearson r", "Pearson product-moment correlation.",
                     _scipy_pvalue(scipy.stats.pearsonr)))
register(Coefficient("spearman", spearman, "Spearman ρ",
                     "Spearman rank correlation (average ranks for ties).",
                     _scipy_pvalue(scipy.stats.spearmanr)))


def get_coefficient(name: str) -> Coefficient:
    from metaeval.errors import StatsError

    try:
        return COEFFICIENTS[name]
    except KeyError:
        raise StatsError(
            f"unknown coefficient {name!r}; choose from {', '.join(sorted(COEFFICIENTS))}."
        ) from None
