"""Power-of-two rescaling: the one mechanism that keeps the correlation kernels scale-free.

Every statistic of the engine is invariant to multiplying a score vector (or, for the pooled
statistics, a whole matrix) by a positive constant, but floating-point products and sums are
not: the squares of a vector of zeros and one subnormal value (HANNA's CIDEr, 1.5e-318)
underflow to 0, so its Pearson r came out as -1 where scipy gives -0.021, and the squares of
values near 1e300 overflow. ``scipy.stats.pearsonr`` rescales first; so does every kernel here
that forms products or sums of raw values, through :func:`unit_scale`: multiply by 2^-e, with e
the binary exponent of the largest finite |value| along the given axes, so that the largest
lies in [0.5, 1).

A power of two is exact in floating point: on data of ordinary scale every product, sum and
quotient of the rescaled values is the original one times a power of two, so each result is
bit for bit what it was without the rescaling, and an absolute threshold applied after it
(e.g. "a variance below 1e-24 is zero") becomes relative to the data's own scale. Only values
below 2^-1074 of the largest lose bits, and those are below the rounding of any sum with it.
"""

from __future__ import annotations

import numpy as np


def binary_exponent(x: np.ndarray, axis: int | tuple[int, ...] = -1) -> np.ndarray:
    """e with max |finite x| = m 2^e, m in [0.5, 1), over ``axis`` (kept as size-1 axes);
    0 where no finite value is non-zero. Integer array."""
    x = np.asarray(x, float)
    top = np.fmax.reduce(np.abs(x), axis=axis, keepdims=True, initial=0.0)  # NaN ignored
    if np.isinf(top).any():  # the largest finite value, not inf
        top = np.fmax.reduce(np.abs(np.where(np.isinf(x), np.nan, x)), axis=axis,
                             keepdims=True, initial=0.0)
    return np.frexp(top)[1]


def unit_scale(x: np.ndarray, axis: int | tuple[int, ...] = -1) -> np.ndarray:
    """x times the power of two that puts its largest finite |value| over ``axis`` in
    [0.5, 1) (per vector for ``axis=-1``, per matrix for ``axis=(-2, -1)``); NaN and inf are
    kept, an all-zero vector is returned as it is. Exact (see the module docstring).

    >>> unit_scale(np.array([0.0, 1.47627e-318, 0.0])).tolist()
    [0.0, 0.569915771484375, 0.0]
    """
    x = np.asarray(x, float)
    return np.ldexp(x, -binary_exponent(x, axis))
