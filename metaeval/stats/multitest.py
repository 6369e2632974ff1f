"""Multiple-comparison adjustments of p-values; NaN entries are ignored and stay NaN.

- Holm (1979) step-down: sorted p_(1) <= ... <= p_(m), adjusted
  q_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)); controls the family-wise error rate.
- Benjamini & Hochberg (1995) step-up: q_(i) = min_{j >= i} min(1, m p_(j) / j); controls the
  false discovery rate (same as ``scipy.stats.false_discovery_control(method='bh')``).

Both accept any shape (e.g. the M x M pair matrix) and return adjusted p-values of that shape.
"""

from __future__ import annotations

import numpy as np


def _adjust(pvalues, step) -> np.ndarray:
    p = np.asarray(pvalues, float)
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    values = p[finite]
    if values.size:
        order = np.argsort(values, kind="stable")
        adjusted = np.empty_like(values)
        adjusted[order] = step(values[order], values.size)
        out[finite] = adjusted
    return out


def holm(pvalues) -> np.ndarray:
    """Holm-adjusted p-values (family = the finite entries)."""

    def step(sorted_p, m):
        return np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * sorted_p))

    return _adjust(pvalues, step)


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (family = the finite entries)."""

    def step(sorted_p, m):
        scaled = sorted_p * m / np.arange(1, m + 1)
        return np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])

    return _adjust(pvalues, step)
