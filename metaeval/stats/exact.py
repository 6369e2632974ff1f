"""Exact permutation p-values for small samples.

For n <= :data:`EXACT_MAX_N` paired values, the two-sided p-value of a correlation is computed
over all n! orderings of the second vector (the identity included), by enumeration, as
``scipy.stats.permutation_test`` defines it: p = min(1, 2 min(P(T* >= t), P(T* <= t))). Exact
under exchangeability, with no distributional assumption. (The t approximation of the Spearman p-value is far off at small n:
4 perfectly ranked points get p = 0 from it; the exact p is 2/24 = 0.083.) Above the limit the
analytic p-value of :mod:`scipy.stats` is used.

Permuting y leaves the denominators of Pearson r, Spearman rho (ranks) and Kendall tau-b /
tau-c unchanged, so only the numerator is enumerated: sum x_c y for Pearson (on ranks for
Spearman), sum over pairs of sign(x_i - x_j) sign(y_i - y_j) for Kendall.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import permutations

import numpy as np
import scipy.stats

from metaeval.stats.scaling import unit_scale

EXACT_MAX_N = 9  # 9! = 362,880 orderings: a few milliseconds per p-value
KINDS = ("values", "ranks", "pairs")


@lru_cache(maxsize=EXACT_MAX_N)
def orderings(n: int) -> np.ndarray:
    """All n! permutations of range(n) as an (n!, n) array."""
    return np.array(list(permutations(range(n))), dtype=np.int8)


def _numerators(kind: str, x: np.ndarray, y: np.ndarray, perms: np.ndarray):
    """(observed numerator, numerators of every ordering of y, the scale of a numerator: the
    Cauchy-Schwarz bound sqrt(Sxx Syy) for Pearson and Spearman, 1 for Kendall's integers)."""
    if kind == "ranks":
        x, y = scipy.stats.rankdata(x), scipy.stats.rankdata(y)
    if kind in ("values", "ranks"):
        x, y = unit_scale(x), unit_scale(y)  # exact: no product underflows or overflows
        xc = x - x.mean()
        scale = float(np.sqrt((xc @ xc) * ((y - y.mean()) @ (y - y.mean()))))
        return float(y @ xc), y[perms] @ xc, scale
    i, j = np.triu_indices(len(x), 1)
    sx = np.sign(x[i] - x[j]).astype(np.float32)
    ranks = scipy.stats.rankdata(y, method="dense").astype(np.int8)  # order and ties kept
    yp = ranks[perms]
    signs = np.sign(yp[:, i] - yp[:, j]).astype(np.float32)
    return float(np.sign(y[i] - y[j]) @ sx), signs @ sx, 1.0


def exact_pvalue(kind: str, x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided exact permutation p-value (1-D finite vectors, 3 <= n <= 9) of a Pearson
    (``values``), Spearman (``ranks``) or Kendall (``pairs``) correlation."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    x, y = np.asarray(x, float), np.asarray(y, float)
    observed, null, scale = _numerators(kind, x, y, orderings(len(y)))
    tolerance = 1e-9 * max(abs(observed), scale)  # ties within 1e-9 of the largest possible
    greater = np.mean(null >= observed - tolerance)
    less = np.mean(null <= observed + tolerance)
    return float(min(1.0, 2 * min(greater, less)))
