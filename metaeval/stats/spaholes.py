"""SPA p-values of matrices whose systems miss different segments, from one product per matrix.

Soft pairwise accuracy (:mod:`metaeval.stats.spa`) compares each system pair (i, j) on the
segments both systems have. A matrix's segments are the union of its systems' valid cells (in
order, width w) and its sign matrix T (P x w) is MTME's for that width: the pair's test is
MTME's on the pair's shared segments, with the signs T gives those segments (when every system
has the same segments, this is MTME's computation on the kept columns).

With x zeroed on missing cells and U = T @ x^T - sums (per system, (S, P)), the pair's test
counts the rows p with U_i - D_ij >= U_j - D_ji, where D_ij = sum over the segments i has and
j lacks of (T - 1) x_i: a correction over the few segments some system misses (the "hole
columns"), not a product per pair. Both are products with T - 1 (entries 0 and -2, exact). All paths that take matrices with holes (the generic SPA,
its bootstrap and PERM-BOTH fast paths) count this way, so they agree to the float32 rounding
of the products (which decides only permuted differences that tie the observed one in exact
arithmetic).
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.flagcount import flag_buffer, flag_counts

_PAIR_CELLS = 1 << 21  # float32 cells (matrices x pairs x P) compared at once


def excess(x: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """U = (T - 1) @ v^T (= T @ v^T - sums(v)) of (..., S, w) float32 matrices (missing cells
    0): (..., S, P) float32, one stacked product. A sign row of +1 on every cell gives exactly
    0, so a permuted difference equal to the observed one in exact arithmetic counts as such."""
    flat = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, x.shape[-1])
    u = np.matmul(flat, (signs - np.float32(1.0)).T)  # T - 1: 0 or -2, exact
    return u.reshape(x.shape[:-1] + (signs.shape[0],))


def hole_columns(valid: np.ndarray) -> np.ndarray:
    """Indices of the columns (last axis) where some system of some matrix misses the cell
    while another has it: the only columns the corrections D need."""
    flat = valid.reshape(-1, valid.shape[-2], valid.shape[-1])
    return np.flatnonzero((flat.any(-2) & ~flat.all(-2)).any(0))


def holed_counts(u: np.ndarray, xh: np.ndarray, vh: np.ndarray, tm1h: np.ndarray,
                 width: int) -> np.ndarray:
    """#{p: U_i - D_ij >= U_j - D_ji} for every pair i < j (``np.triu_indices`` order) of n
    matrices of ``width`` segments: ``u`` (n, S, P) their U = (T - 1) @ x^T, ``xh`` (n, S, h)
    the values U took at the hole columns (0 or not where the cell is missing), ``vh`` (n, S, h)
    which cells are present there and ``tm1h`` (h, P) those columns of T - 1. D_ij sums the
    hole columns the pair does not share. Every other column is present for every system.
    Returns (n, pairs) float64 counts, NaN for a pair with no shared segment."""
    n, S, _ = u.shape
    P = tm1h.shape[1]
    iu, ju = np.triu_indices(S, 1)
    out = np.empty((n, len(iu)))
    step = max(1, _PAIR_CELLS // max(1, len(iu) * P))
    flags = flag_buffer(min(step, n), len(iu), P)
    for start in range(0, n, step):
        stop = min(n, start + step)
        v, x = vh[start:stop], xh[start:stop]
        apart = ~(v[:, iu] & v[:, ju])  # (b, pairs, h): hole columns the pair does not share
        left = u[start:stop, iu] - _corrections(x[:, iu], apart, tm1h)
        right = u[start:stop, ju] - _corrections(x[:, ju], apart, tm1h)
        np.greater_equal(left, right, out=flags[:stop - start, :, :P])
        counts = flag_counts(flags[:stop - start]).astype(float)
        counts[apart.sum(-1) >= width] = np.nan
        out[start:stop] = counts
    return out


def _corrections(xh: np.ndarray, apart: np.ndarray, tm1h: np.ndarray) -> np.ndarray:
    """D = (T - 1) @ x over the hole columns a pair does not share (``apart``, (b, pairs, h)):
    (b, pairs, P) float32, computed only for the pairs that have any."""
    out = np.zeros(apart.shape[:2] + (tm1h.shape[1],), np.float32)
    e, p = np.nonzero(apart.any(-1))
    if len(e):
        out[e, p] = np.matmul(np.where(apart[e, p], xh[e, p], 0.0).astype(np.float32), tm1h)
    return out


def holed_pvalues(x: np.ndarray, valid: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Pair p-values (n, pairs) of (n, S, w) matrices whose columns are all in the union, NaN
    for pairs with no shared segment (see the module docstring)."""
    x0 = np.where(valid, x, 0.0).astype(np.float32)
    cols = hole_columns(valid)
    tm1h = np.ascontiguousarray((signs[:, cols] - np.float32(1.0)).T)
    return holed_counts(excess(x0, signs), x0[..., cols], valid[..., cols], tm1h,
                        x.shape[-1]) / signs.shape[0]
