"""Williams test for two dependent Pearson correlations that share the gold variable.

Williams (1959), as advocated for metric comparison by Graham & Baldwin (2014) and implemented in
mt-metrics-eval ``stats.WilliamsTest``. With r12 = r(gold, a), r13 = r(gold, b), r23 = r(a, b):

    K = 1 - r12^2 - r13^2 - r23^2 + 2 r12 r13 r23
    t = (r12 - r13) sqrt((n-1)(1+r23)) / sqrt(2 K (n-1)/(n-3) + ((r12+r13)/2)^2 (1-r23)^3)
    p = t_{n-3}.sf(|t|)  (one-sided; doubled for two-sided)

The one-sided p-value is for "the larger correlation is larger"; it is symmetric in a and b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.coefficients import pearson
from metaeval.stats.grouping import system_scores
from metaeval.stats.scaling import unit_scale


def williams_test(r12, r13, r23, n, one_sided: bool = True):
    """Williams p-value from the three correlations and the number of paired observations n."""
    r12, r13, r23, n = (np.asarray(x, float) for x in (r12, r13, r23, n))
    k = 1 - r12 ** 2 - r13 ** 2 - r23 ** 2 + 2 * r12 * r13 * r23
    rbar = (r12 + r13) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (r12 - r13) * np.sqrt((n - 1) * (1 + r23)) / np.sqrt(
            2 * k * (n - 1) / (n - 3) + rbar ** 2 * (1 - r23) ** 3)
        p = scipy.stats.t.sf(np.abs(t), n - 3)
    p = np.where(n > 3, p, np.nan)
    p = p if one_sided else np.minimum(1.0, 2 * p)
    return float(p) if np.ndim(p) == 0 else p


@dataclass(frozen=True)
class WilliamsResult:
    """``r`` (M,): Pearson r with gold; ``pvalue`` (M, M): Williams p-values (symmetric, NaN
    diagonal); ``n``: the number of paired observations (cells or systems with gold)."""

    r: np.ndarray
    pvalue: np.ndarray
    n: int

    @property
    def p(self) -> np.ndarray:
        """Alias of :attr:`pvalue` (the name of earlier releases)."""
        return self.pvalue


def metric_correlations(m: np.ndarray, block: int | None = None) -> np.ndarray:
    """Pearson r between every two rows of m (M, n), a block of rows against one row at a
    time (about 1e7 values per call, never the M x M x n array); the values of ``pearson``."""
    block = block or max(1, int(1e7 // max(1, m.shape[1])))
    out = np.empty((m.shape[0], m.shape[0]))
    for start in range(0, m.shape[0], block):
        rows = m[start:start + block]
        for j in range(m.shape[0]):
            out[start:start + block, j] = pearson(rows, m[j][None, :])
    return out


def williams_matrix(gold, scores, level: str = "none", one_sided: bool = True) -> WilliamsResult:
    """Williams p-values for every pair of metrics, Pearson at level ``none`` or ``system``.

    ``none`` uses the cells with gold; ``system`` the per-system means over gold-covered items.
    """
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    if scores.ndim != 3 or scores.shape[1:] != gold.shape:
        raise StatsError(f"scores must be (M, S, I) matching gold {gold.shape}; got {scores.shape}.")
    present = np.isfinite(gold)
    # exact powers of two (metaeval.stats.scaling): system means of subnormal or huge scores
    # keep their precision; r and so p do not depend on the scale
    gold, scores = unit_scale(gold, (-2, -1)), unit_scale(scores, (-2, -1))
    if level == "none":
        g = gold[present]
        m = scores[:, present]
    elif level == "system":
        rows = present.any(-1)
        g = system_scores(gold, gold)[0][rows]
        m = np.stack([system_scores(gold, s)[1][rows] for s in scores])
    else:
        raise ParameterError("level", level, "the Williams test covers levels 'none' and "
                             "'system'.")
    if not np.isfinite(m).all():
        raise StatsError("metric scores are missing where gold is present; the Williams test "
                         "needs complete pairs. Fix: fill or drop those cells first.")
    n = g.shape[-1]
    r = pearson(g, m)
    r_mm = metric_correlations(m)
    p = williams_test(r[:, None], r[None, :], r_mm, n, one_sided)
    p = np.array(p, float)
    np.fill_diagonal(p, np.nan)
    return WilliamsResult(r=r, pvalue=p, n=n)
